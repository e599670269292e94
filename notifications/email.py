"""The email channel: digests rendered from Jinja2 templates, sent over one aiosmtplib connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from engine.outbox import Address, OutboxMessage, Recipient
from notifications.channels import Group, Outcome
from notifications.digest import digest_item
from notifications.mailer import SmtpConfig, build_message, new_message_id, send_all
from notifications.render import render_digest

SHANGHAI = ZoneInfo("Asia/Shanghai")
Resolver = Callable[[Session, Recipient], Address | None]


class EmailChannel:
    name = "email"

    def __init__(self, smtp: SmtpConfig, base_url: str, resolve: Resolver) -> None:
        self.smtp, self.base_url, self.resolve = smtp, base_url, resolve

    def address(self, session: Session, row: OutboxMessage) -> Address | None:
        return self.resolve(session, row.to)

    def message_id(self) -> str:
        return new_message_id(self.smtp)

    def render(self, group: Group, at: datetime) -> Any:
        generated = at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
        items = [digest_item(oid, kind, payload, self.base_url) for oid, kind, payload in group.rows]
        rendered = render_digest(group.address.name, items, self.base_url, generated)
        return build_message(self.smtp, group.address.value, group.address.name, rendered, group.message_id, at)

    async def send_all(self, messages: Sequence[Any], done: Outcome) -> None:
        await send_all(self.smtp, list(messages), done)
