"""Outbox delivery: claim due rows, send one digest per recipient, mark sent or retry with backoff.

Crash between send and mark: a claimed row is `sending` with a lease (next_attempt_at = claim + lease)
and the digest's Message-ID stored before the send. If the process dies after the SMTP server took the
mail but before the row was marked, the row is re-sent when the lease expires, with the SAME Message-ID
and content: we chose at-least-once (a rare duplicate that mail clients can fold by Message-ID) over
at-most-once (a silently lost escalation). Rows marked `sent` are never claimed again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from engine.db import is_postgres, utc, write_session
from engine.outbox import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from notifications.digest import digest_item
from notifications.mailer import SmtpConfig, build_message, new_message_id, send_all
from notifications.render import render_digest

log = logging.getLogger("reform.outbox")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(minutes=1)  # then 2, 4, 8, 16 minutes
    max_delay: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=15)  # longer than any flush; a crashed sender's rows return after it
    batch: int = 1000

    @classmethod
    def from_settings(cls, settings) -> DeliveryPolicy:
        """REFORM_MAIL_MAX_ATTEMPTS and REFORM_MAIL_RETRY_SECONDS (the first wait) where they are set."""
        return cls(max_attempts=int(getattr(settings, "mail_max_attempts", cls.max_attempts)),
                   first_delay=timedelta(seconds=int(getattr(settings, "mail_retry_seconds", 60))))

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


@dataclass
class FlushResult:
    sent: int = 0  # outbox rows delivered
    failed: int = 0  # rows that used their last attempt
    deferred: int = 0  # rows that will be retried
    emails: int = 0  # digest messages accepted by the server
    errors: list[str] = field(default_factory=list)


@dataclass
class Group:
    """The rows of one digest email."""

    message_id: str
    recipient: str
    recipient_name: str
    rows: list[tuple[int, str, dict]]  # (outbox id, kind, payload)

    @property
    def ids(self) -> list[int]:
        return [r[0] for r in self.rows]


def flush(rt, policy: DeliveryPolicy | None = None) -> FlushResult:
    """Deliver what is due. `rt` needs .engine, .clock and .settings (smtp_*, mail_from, base_url)."""
    policy = policy or DeliveryPolicy.from_settings(rt.settings)
    cfg = SmtpConfig.from_settings(rt.settings)
    groups = claim(rt.engine, utc(rt.clock.now()), policy, cfg)
    result = FlushResult()
    if groups:
        asyncio.run(deliver(rt, cfg, policy, groups, result))
    return result


def claim(engine: Engine, now: datetime, policy: DeliveryPolicy, cfg: SmtpConfig) -> list[Group]:
    """Take due rows (and rows of a crashed sender whose lease ran out) and group them into digests."""
    with write_session(engine) as session:
        stmt = (select(OutboxMessage)
                .where(or_(OutboxMessage.status == QUEUED, OutboxMessage.status == SENDING),
                       OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(policy.batch))
        if is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        groups: dict[tuple[str, str], Group] = {}
        for row in session.execute(stmt).scalars():
            resend = row.status == SENDING and row.message_id
            key = ("resend", row.message_id) if resend else ("new", row.recipient.lower())
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(row.message_id if resend else new_message_id(cfg),
                                            row.recipient, row.recipient_name, [])
            group.rows.append((row.id, row.kind, row.data))
            row.status, row.attempts, row.message_id = SENDING, row.attempts + 1, group.message_id
            row.next_attempt_at = now + policy.lease
            session.add(row)
        return list(groups.values())


async def deliver(rt, cfg: SmtpConfig, policy: DeliveryPolicy, groups: list[Group], result: FlushResult) -> None:
    now = rt.clock.now()
    generated = now.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
    ready, messages = [], []
    for group in groups:
        try:
            items = [digest_item(oid, kind, payload, rt.settings.base_url) for oid, kind, payload in group.rows]
            rendered = render_digest(group.recipient_name, items, rt.settings.base_url, generated)
            messages.append(build_message(cfg, group.recipient, group.recipient_name, rendered,
                                          group.message_id, now))
            ready.append(group)
        except Exception as exc:  # a template bug holds back this digest, not the others
            log.exception("outbox: cannot render digest for %s", group.recipient)
            mark(rt.engine, group, utc(rt.clock.now()), policy, exc, result)

    def done(index: int, error: Exception | None) -> None:
        mark(rt.engine, ready[index], utc(rt.clock.now()), policy, error, result)

    if messages:
        await send_all(cfg, messages, done)


def mark(engine: Engine, group: Group, now: datetime, policy: DeliveryPolicy, error: Exception | None,
         result: FlushResult) -> None:
    """Record one digest's outcome on its rows, unless another sender has reclaimed them meanwhile."""
    mine = (OutboxMessage.id.in_(group.ids), OutboxMessage.status == SENDING,
            OutboxMessage.message_id == group.message_id)
    with write_session(engine) as session:
        if error is None:
            done = session.execute(update(OutboxMessage).where(*mine)
                                   .values(status=SENT, sent_at=now, last_error="")).rowcount
            result.sent += done
            result.emails += 1 if done else 0
            return
        text = f"{type(error).__name__}: {error}"[:2000]
        result.errors.append(f"{group.recipient}: {text}")
        log.warning("outbox: digest to %s failed: %s", group.recipient, text)
        for row in session.execute(select(OutboxMessage).where(*mine)).scalars():
            retry = row.attempts < policy.max_attempts
            row.status = QUEUED if retry else FAILED
            row.next_attempt_at = now + policy.backoff(row.attempts) if retry else row.next_attempt_at
            row.last_error, row.message_id = text, None
            session.add(row)
            if retry:
                result.deferred += 1
            else:
                result.failed += 1

