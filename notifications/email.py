"""The email channel: digests rendered from Jinja2 templates, sent over one aiosmtplib connection."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Generator, Sequence
from datetime import datetime

from sqlmodel import Session

from engine.outbox import Address, OutboxMessage, Recipient
from notifications.channels import Attachment, Group, Outcome, run_steps
from notifications.digest import cn_time, digest_item
from notifications.mailer import SmtpConfig, new_message_id, send_all
from notifications.mime import Outgoing, build
from notifications.render import digest_steps

SENDER_NAME = "改革事项督办系统"
ITEMS_A_STEP = 5
Resolver = Callable[[Session, Sequence[Recipient]], list[Address | None]]
# What a row's payload["attach"] names, loaded as files: the runtime's loader knows the tables (督办文书).
Loader = Callable[[Session, Sequence[dict]], list[Attachment]]


def _no_files(session: Session, refs: Sequence[dict]) -> list[Attachment]:
    return []


class EmailChannel:
    name = "email"

    def __init__(self, smtp: SmtpConfig, base_url: str, resolve: Resolver, files: Loader = _no_files) -> None:
        self.smtp, self.base_url, self.resolve, self.files = smtp, base_url, resolve, files

    def addresses(self, session: Session, recipients: Sequence[Recipient]) -> list[Address | None]:
        return self.resolve(session, recipients)

    def address(self, session: Session, row: OutboxMessage) -> Address | None:
        return self.resolve(session, [row.to])[0]

    def message_id(self) -> str:
        return new_message_id(self.smtp)

    def unready(self, session: Session) -> str | None:
        return None  # the settings are read at start-up: a mail server that is down is a failed attempt, retried

    def attach(self, session: Session, groups: Sequence[Group]) -> None:
        """Each digest carries the files its items name (an issued 督办文书's .docx), each file once."""
        for group in groups:
            refs = [p["attach"] for _, _, p in group.rows if isinstance(p.get("attach"), dict)]
            if refs:
                group.attachments = self.files(session, refs)

    def render(self, group: Group, at: datetime) -> Outgoing:
        return run_steps(self.render_steps(group, at))

    def render_steps(self, group: Group, at: datetime) -> Generator[None, None, Outgoing]:
        """The digest in steps of about a tenth of a millisecond each (what a loopback server takes to answer a
        command): its lines ITEMS_A_STEP at a time, the text part, the HTML part, the MIME message."""
        fired = group.fired_at(at)
        items = []
        for start in range(0, len(group.rows), ITEMS_A_STEP):
            items.extend(digest_item(oid, kind, payload, self.base_url)
                         for oid, kind, payload in group.rows[start:start + ITEMS_A_STEP])
            yield
        rendered = yield from digest_steps(group.address.name, items, self.base_url, cn_time(fired))
        yield
        return build(self.smtp.mail_from, SENDER_NAME, group.address.value, group.address.name, rendered,
                     group.message_id, fired, group.attachments)

    async def send_all(self, messages: AsyncIterable[Outgoing], done: Outcome,
                       between: Callable[[], None] | None = None) -> None:
        await send_all(self.smtp, messages, done, between)
