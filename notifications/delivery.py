"""Outbox delivery: claim due rows, send one digest per recipient and channel, mark sent or retry with backoff.

Crash between send and mark: a claimed row is `sending` with a lease (next_attempt_at = claim + lease)
and the digest's Message-ID stored before the send. If the process dies after the server took the message
but before the row was marked, the row is re-sent when the lease expires, with the SAME Message-ID and
content: we chose at-least-once (a rare duplicate that mail clients can fold by Message-ID) over
at-most-once (a silently lost escalation). Rows marked `sent` are never claimed again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from engine.clock import Clock
from engine.db import is_postgres, utc, write_session
from engine.outbox import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from notifications.channels import Channel, Group

log = logging.getLogger("reform.outbox")
NO_ADDRESS = "收件人没有可用的地址（请在管理页面补充邮箱，或为单位填写主要负责人邮箱）"


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(minutes=1)  # then 2, 4, 8, 16 minutes
    max_delay: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=15)  # longer than any flush; a crashed sender's rows return after it
    batch: int = 1000

    @classmethod
    def from_settings(cls, settings) -> DeliveryPolicy:
        """REFORM_MAIL_MAX_ATTEMPTS and REFORM_MAIL_RETRY_SECONDS (the first wait)."""
        return cls(max_attempts=int(settings.mail_max_attempts),
                   first_delay=timedelta(seconds=int(settings.mail_retry_seconds)))

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


@dataclass
class FlushResult:
    sent: int = 0  # outbox rows delivered
    failed: int = 0  # rows that used their last attempt, or have nowhere to go
    deferred: int = 0  # rows that will be retried
    emails: int = 0  # digests accepted by the receiving side
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """What delivery needs, handed in by the composition root."""

    engine: Engine
    clock: Clock
    channels: Mapping[str, Channel]
    policy: DeliveryPolicy = DeliveryPolicy()


def flush(d: Delivery) -> FlushResult:
    """Deliver what is due now."""
    groups, result = claim(d, utc(d.clock.now())), FlushResult()
    if groups:
        asyncio.run(deliver(d, groups, result))
    return result


def claim(d: Delivery, now: datetime, result: FlushResult | None = None) -> list[Group]:
    """Take due rows (and rows of a crashed sender whose lease ran out) and group them into digests."""
    with write_session(d.engine) as session:
        stmt = (select(OutboxMessage)
                .where(or_(OutboxMessage.status == QUEUED, OutboxMessage.status == SENDING),
                       OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(d.policy.batch))
        if is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        groups: dict[tuple, Group] = {}
        for row in session.execute(stmt).scalars():
            channel = d.channels.get(row.channel)
            address = channel.address(session, row) if channel else None
            if address is None:
                row.status, row.last_error = FAILED, NO_ADDRESS if channel else f"未配置的发送渠道：{row.channel}"
                session.add(row)
                continue
            resend = row.status == SENDING and row.message_id
            key = ("resend", row.message_id) if resend else ("new", row.channel, address.value.lower())
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(row.channel, address, row.message_id if resend else channel.message_id(),
                                            [])
            group.rows.append((row.id, row.kind, row.data))
            row.status, row.attempts, row.message_id = SENDING, row.attempts + 1, group.message_id
            row.recipient, row.recipient_name = address.value[:255], address.name[:128]
            row.next_attempt_at = now + d.policy.lease
            session.add(row)
        return list(groups.values())


async def deliver(d: Delivery, groups: list[Group], result: FlushResult) -> None:
    by_channel: dict[str, list[Group]] = {}
    for group in groups:
        by_channel.setdefault(group.channel, []).append(group)
    for name, mine in by_channel.items():
        await _deliver_channel(d, d.channels[name], mine, result)


async def _deliver_channel(d: Delivery, channel: Channel, groups: list[Group], result: FlushResult) -> None:
    now = d.clock.now()
    ready, messages = [], []
    for group in groups:
        try:
            messages.append(channel.render(group, now))
            ready.append(group)
        except Exception as exc:  # a template bug holds back this digest, not the others
            log.exception("outbox: cannot render digest for %s", group.address.value)
            mark(d, group, exc, result)

    def done(index: int, error: Exception | None) -> None:
        mark(d, ready[index], error, result)

    if messages:
        await channel.send_all(messages, done)


def mark(d: Delivery, group: Group, error: Exception | None, result: FlushResult) -> None:
    """Record one digest's outcome on its rows, unless another sender has reclaimed them meanwhile."""
    now = utc(d.clock.now())
    mine = (OutboxMessage.id.in_(group.ids), OutboxMessage.status == SENDING,
            OutboxMessage.message_id == group.message_id)
    with write_session(d.engine) as session:
        if error is None:
            done = session.execute(update(OutboxMessage).where(*mine)
                                   .values(status=SENT, sent_at=now, last_error="")).rowcount
            result.sent += done
            result.emails += 1 if done else 0
            return
        text = f"{type(error).__name__}: {error}"[:2000]
        result.errors.append(f"{group.address.value}: {text}")
        log.warning("outbox: digest to %s failed: %s", group.address.value, text)
        for row in session.execute(select(OutboxMessage).where(*mine)).scalars():
            retry = row.attempts < d.policy.max_attempts
            row.status = QUEUED if retry else FAILED
            row.next_attempt_at = now + d.policy.backoff(row.attempts) if retry else row.next_attempt_at
            row.last_error, row.message_id = text, None
            session.add(row)
            if retry:
                result.deferred += 1
            else:
                result.failed += 1
