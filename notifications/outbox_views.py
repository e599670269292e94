"""The outbox as people and operators read it: rows with their state, counts by state."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import func, select
from sqlmodel import Session

from engine.db import utc
from engine.outbox import EXHAUSTED, FAILED, NO_ADDRESS, NO_CHANNEL, REFUSED, STATUSES, UNADDRESSED, OutboxMessage
from notifications.labels import KIND_LABELS

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUS_LABELS = {"queued": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
CHANNEL_LABELS = {"email": "邮件", "robot": "工作群机器人"}
FAILURE_LABELS = {NO_CHANNEL: "未配置发送渠道", NO_ADDRESS: "收件人在此渠道无地址", REFUSED: "对方拒收",
                  EXHAUSTED: "重试次数用尽"}
MAX_ROWS = 500


class OutboxRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    recipient: str
    recipient_name: str
    measure_id: int | None
    status: str
    status_label: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    failure: str  # "" or no_channel, no_address (nowhere to go), refused (for good), exhausted (out of attempts)
    failure_label: str
    message_id: str | None


class OutboxList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OutboxRow]
    total: int


def _bj(value: datetime | None) -> datetime | None:
    return utc(value).astimezone(SHANGHAI) if value is not None else None


def outbox_row(m: OutboxMessage) -> OutboxRow:
    waiting = m.status in ("queued", "sending")
    return OutboxRow(id=m.id, kind=m.kind, kind_label=KIND_LABELS.get(m.kind, m.kind), channel=m.channel,
                     channel_label=CHANNEL_LABELS.get(m.channel, m.channel), recipient=m.recipient,
                     recipient_name=m.recipient_name,
                     measure_id=m.subject_id if m.subject_type == "measure" else None, status=m.status,
                     status_label=STATUS_LABELS.get(m.status, m.status), attempts=m.attempts,
                     created_at=_bj(m.created_at), next_attempt_at=_bj(m.next_attempt_at) if waiting else None,
                     sent_at=_bj(m.sent_at), last_error=m.last_error, failure=m.failure,
                     failure_label=FAILURE_LABELS.get(m.failure, m.failure), message_id=m.message_id)


def list_outbox(session: Session, status: str | None = None, limit: int = MAX_ROWS) -> OutboxList:
    stmt = select(OutboxMessage)
    if status:
        stmt = stmt.where(OutboxMessage.in_status(status))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(OutboxMessage.id.desc()).limit(limit)).scalars()
    return OutboxList(items=[outbox_row(r) for r in rows], total=total)


def counts(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {s: found.get(s, 0) for s in STATUSES}


def unaddressed_query():
    """Rows that had nowhere to go: no such channel, or no address of their recipient on it."""
    return select(OutboxMessage).where(OutboxMessage.in_status(FAILED), OutboxMessage.failure.in_(UNADDRESSED))


def unaddressed(session: Session, limit: int = MAX_ROWS) -> OutboxList:
    stmt = unaddressed_query()
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(OutboxMessage.id.desc()).limit(limit)).scalars()
    return OutboxList(items=[outbox_row(r) for r in rows], total=total)
