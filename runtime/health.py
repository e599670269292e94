"""What /health and /metrics report, read from the database so every process gives the same answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from engine.db import utc
from engine.history import HistoryRecord
from engine.jobs import last_run
from engine.outbox import FAILED, QUEUED, SENT, STATUSES, OutboxMessage
from notifications.outbox_ops import AUDIT as OUTBOX_AUDIT
from runtime.core import SWEEP_JOB, Runtime
from workflows.models import Escalation

STALE_INTERVALS = 3  # a sweep this many intervals late makes the system "degraded"


@dataclass(frozen=True)
class Figures:
    now: datetime
    last_sweep_at: datetime | None
    sweep_stale: bool
    outbox: dict[str, int]  # status -> rows
    oldest_queued_seconds: float | None
    known_until: int | None
    next_year_missing: int | None
    silent_rungs: int = 0  # rungs fired with nobody to tell
    rows_without_address: int = 0  # outbox rows with nowhere to go

    @property
    def status(self) -> str:
        return "degraded" if self.sweep_stale else "ok"


@dataclass(frozen=True)
class _Counts:
    """What follows from the rows alone, kept per data version: a load balancer asking every second counts the
    outbox (which grows with every notice ever sent) once per change, not once per probe."""

    outbox: dict[str, int]
    oldest_queued: datetime | None
    silent_rungs: int
    rows_without_address: int


def _counts(session: Session) -> _Counts:
    from notifications.outbox_views import unaddressed_query
    from workflows.escalations import silent_rungs_query

    def count(stmt) -> int:
        return session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()

    by_status = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    oldest = session.execute(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.in_status(QUEUED))).scalar()
    return _Counts({s: by_status.get(s, 0) for s in STATUSES}, oldest, count(silent_rungs_query()),
                   count(unaddressed_query()))


def figures(rt: Runtime, started_at: datetime) -> Figures:
    """`started_at`: when this process started, so a scheduler that never swept is noticed too. Raises the
    database's error when it does not answer (the sweep's time is its first query)."""
    now = rt.clock.now()
    with rt.read() as session:
        last = last_run(session, SWEEP_JOB)  # job_run moves no data version: read every time
        kept = rt.figures.get(session, ("health counts",), lambda: _counts(session))
    late = timedelta(seconds=STALE_INTERVALS * rt.settings.sweep_interval_seconds)
    stale = (now - last > late) if last else (now - started_at > late)
    oldest = kept.oldest_queued
    return Figures(now=now, last_sweep_at=last, sweep_stale=stale, outbox=dict(kept.outbox),
                   oldest_queued_seconds=round((utc(now) - utc(oldest)).total_seconds(), 1) if oldest else None,
                   known_until=rt.calendar.known_until, next_year_missing=rt.calendar_missing(now),
                   silent_rungs=kept.silent_rungs, rows_without_address=kept.rows_without_address)


@dataclass(frozen=True)
class Counters:
    """Totals that must agree across processes: counted in the database at scrape time."""

    actions: dict[tuple[str, str], int]  # (workflow, action) -> records in the history
    escalations: dict[str, int]  # level -> rungs fired (not the superseded ones)
    notices_sent: int
    notices_failed: int  # every time a row ended failed: those failed now and those an operator retried


def counters(session: Session) -> Counters:
    actions = {(w, a): n for w, a, n in session.execute(
        select(HistoryRecord.workflow, HistoryRecord.action, func.count())
        .group_by(HistoryRecord.workflow, HistoryRecord.action))}
    escalations = dict(session.execute(select(Escalation.level, func.count()).where(Escalation.status == "fired")
                                       .group_by(Escalation.level)).all())
    by_status = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    retried = actions.get((OUTBOX_AUDIT, "retry"), 0)
    return Counters(actions, escalations, by_status.get(SENT, 0), by_status.get(FAILED, 0) + retried)
