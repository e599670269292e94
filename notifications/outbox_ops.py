"""What an operator does with the outbox: send everything now, list rows, put failed rows back in the queue.

Kept apart from delivery.py: `flush_all` only makes deferred rows due and then runs delivery's own `flush` in a
loop, so the claiming, the leases and the backoff stay delivery's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from engine import history
from engine.db import utc, write_session
from engine.outbox import FAILED, QUEUED, OutboxMessage
from notifications.delivery import Delivery, FlushResult, flush

AUDIT = "outbox"  # the history's workflow name for operator actions on outbox rows: subject = the row


@dataclass
class FlushAllResult:
    totals: FlushResult
    rounds: int = 0
    deferred_rows: list[tuple[int, str, datetime]] = field(default_factory=list)  # (id, recipient, next attempt)


def release_deferred(d: Delivery, now: datetime) -> int:
    """Queued rows waiting for a retry become due now; rows being sent (a live lease) are left alone."""
    with write_session(d.engine) as session:
        return session.execute(update(OutboxMessage).where(OutboxMessage.in_status(QUEUED),
                                                           OutboxMessage.next_attempt_at > utc(now))
                               .values(next_attempt_at=utc(now))).rowcount


def due_count(d: Delivery, now: datetime) -> int:
    with write_session(d.engine) as session:
        return session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.waiting(), OutboxMessage.next_attempt_at <= utc(now))).scalar_one()


def flush_all(d: Delivery, now: datetime) -> FlushAllResult:
    """The operator's "send now": everything queued, deferred rows included, in batches until nothing is due.

    A row that fails again is deferred by delivery's backoff and so is not due within this flush: the loop ends.
    """
    release_deferred(d, now)
    out = FlushAllResult(FlushResult())
    limit = due_count(d, now) // max(d.policy.batch, 1) + 2  # a bound, in case another sender keeps adding rows
    while out.rounds < limit and due_count(d, d.clock.now()):
        result = flush(d)
        out.rounds += 1
        for name in ("sent", "failed", "deferred", "emails"):
            setattr(out.totals, name, getattr(out.totals, name) + getattr(result, name))
        out.totals.errors += result.errors
    with write_session(d.engine) as session:
        rows = session.execute(select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.next_attempt_at)
                               .where(OutboxMessage.in_status(QUEUED), OutboxMessage.next_attempt_at > utc(now))
                               .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)).all()
    out.deferred_rows = [(i, r, utc(at)) for i, r, at in rows]
    return out


@dataclass(frozen=True)
class RetryResult:
    retried: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...]  # (id, why)


def retry(session: Session, ids: Sequence[int] | None, *, actor_name: str, now: datetime,
          actor_id: int | None = None) -> RetryResult:
    """Failed rows back to queued with their attempts reset, each recorded in the audit history as an operator's
    action; `ids` None means every failed row. Inside the caller's transaction."""
    stmt = select(OutboxMessage).where(OutboxMessage.in_status(FAILED)) if ids is None else \
        select(OutboxMessage).where(OutboxMessage.id.in_(list(ids)))
    rows = {row.id: row for row in session.execute(stmt.order_by(OutboxMessage.id)).scalars()}
    wanted = sorted(rows) if ids is None else list(dict.fromkeys(ids))
    retried, skipped = [], []
    for row_id in wanted:
        row = rows.get(row_id)
        if row is None or row.status != FAILED:
            skipped.append((row_id, "不存在" if row is None else f"状态为 {row.status}，不是发送失败"))
            continue
        _requeue(session, row, actor_name, actor_id, now)
        retried.append(row_id)
    session.flush()
    return RetryResult(tuple(retried), tuple(skipped))


def _requeue(session: Session, row: OutboxMessage, actor_name: str, actor_id: int | None, now: datetime) -> None:
    attempts, error = row.attempts, row.last_error
    row.status, row.attempts, row.next_attempt_at, row.message_id = QUEUED, 0, utc(now), None
    session.add(row)
    version = (session.execute(select(func.max(history.HistoryRecord.version)).where(
        history.HistoryRecord.workflow == AUDIT, history.HistoryRecord.subject_id == row.id)).scalar() or 0) + 1
    history.append(session, workflow=AUDIT, subject_id=row.id, action="retry", from_state=FAILED, to_state=QUEUED,
                   version=version, actor_id=actor_id, actor_name=actor_name, at=now,
                   comment=f"人工重新发送（此前尝试 {attempts} 次）",
                   data={"recipient": row.recipient, "kind": row.kind, "attempts": attempts, "last_error": error})
