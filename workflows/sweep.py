"""The escalation sweep: writes each due rung once (UNIQUE key) with its outbox notices, in one transaction.

It takes its dependencies explicitly (engine, ladder, calendar); one measure whose dates cannot be computed
never stops the rest of its batch, and the summary counts only what was written.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from engine.db import is_postgres, write_session
from engine.outbox import Notice
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.directory import email_address
from workflows.ladder import Ladder, LadderSubject, Rung, catch_up, rungs
from workflows.lights import local_day, stored_day
from workflows.models import Escalation, Measure
from workflows.recipients import recipients_for
from workflows.reform.binding import payload
from workflows.reform.links import links_of
from workflows.reform.table import REFORM_MEASURE

log = logging.getLogger("reform.escalation")
BATCH = 50
KEY = ["measure_id", "level", "deadline_version"]
OWES_WORK = REFORM_MEASURE.tagged("owes_work")
AWAITING_REVIEW = REFORM_MEASURE.tagged("awaiting_review")


@dataclass
class SweepResult:
    fired: Counter = field(default_factory=Counter)  # level -> rungs sent
    superseded: Counter = field(default_factory=Counter)  # level -> rungs recorded without sending
    notices: int = 0
    unaddressed: list[tuple[int, str]] = field(default_factory=list)  # fired with nobody to tell
    errors: list[tuple[int, str]] = field(default_factory=list)
    calendar_errors: list[tuple[int, str]] = field(default_factory=list)
    provisional: int = 0  # rungs whose dates came from a provisional calendar


@dataclass(frozen=True)
class Sweep:
    """One sweep's inputs: the instant it is "as of", and when its outbox rows become deliverable."""

    now: datetime
    queued_at: datetime
    ladder: Ladder
    calendar: WorkCalendar

    @property
    def today(self):
        return local_day(self.now)


def sweep(engine: Engine, now: datetime, *, ladder: Ladder, calendar: WorkCalendar,
          queued_at: datetime | None = None) -> SweepResult:
    """Fire every rung due at `now`; safe to run twice or in several processes at once.

    `queued_at` (default `now`) stamps the outbox rows: an operator sweeping "as of" another instant
    still wants the mail deliverable by the system's own clock.
    """
    run = Sweep(now, queued_at or now, ladder, calendar)
    result = SweepResult()
    ids = candidate_ids(engine, now, ladder)
    for start in range(0, len(ids), BATCH):
        with write_session(engine) as session:
            for row in lock_batch(session, ids[start:start + BATCH]):
                sweep_one(session, row, run, result)
    if result.unaddressed:  # one line per sweep, not one per measure
        log.warning("escalation sweep: %d rungs fired with nobody to tell (measures %s): add unit users or "
                    "the unit head's address", len(result.unaddressed), [m for m, _ in result.unaddressed][:20])
    return result


def candidate_ids(engine: Engine, now: datetime, ladder: Ladder) -> list[int]:
    """Open measures near or past their deadline, and reported ones; the exact test is rungs()."""
    earliest = min((lvl.offset for lvl in ladder.anchored("due")), default=0)
    horizon = local_day(now) + timedelta(days=2 * max(0, -earliest) + 20)  # working days -> calendar days, generously
    stmt = select(Measure.id).where(or_(
        Measure.state.in_(sorted(OWES_WORK)) & Measure.due_date.is_not(None) & Measure.extension_date.is_(None)
        & (Measure.due_date <= horizon),
        Measure.state.in_(sorted(AWAITING_REVIEW)) & Measure.reported_at.is_not(None),
    )).order_by(Measure.id)
    with Session(engine) as session:
        return list(session.execute(stmt).scalars())


def lock_batch(session: Session, ids: list[int]) -> list[Measure]:
    stmt = select(Measure).where(Measure.id.in_(ids)).order_by(Measure.id)
    if is_postgres(session):
        # A row another sweeper holds is its to handle; waiting would only serialise the processes.
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def sweep_one(session: Session, row: Measure, run: Sweep, result: SweepResult) -> None:
    """One measure inside its own savepoint: its failure is logged and the sweep goes on."""
    counted = SweepResult()
    try:
        with session.begin_nested():
            fire_measure(session, row, run, counted)
    except CalendarUnknown as exc:
        log.error("escalation sweep: measure %s skipped: %s", row.id, exc)
        result.calendar_errors.append((row.id, str(exc)))
        return
    except Exception as exc:  # one bad measure must not stop the others
        log.exception("escalation sweep: measure %s failed", row.id)
        result.errors.append((row.id, f"{type(exc).__name__}: {exc}"))
        return
    result.fired.update(counted.fired)  # only what this savepoint wrote
    result.superseded.update(counted.superseded)
    result.notices += counted.notices
    result.unaddressed += counted.unaddressed
    result.provisional += counted.provisional


def ladder_subject(row: Measure) -> LadderSubject:
    return LadderSubject(owes_work=row.state in OWES_WORK, awaiting_review=row.state in AWAITING_REVIEW,
                         due_date=row.due_date, deadline_version=row.deadline_version,
                         extension_pending=row.extension_date is not None,
                         reported_on=stored_day(row.reported_at) if row.reported_at else None)


def fire_measure(session: Session, row: Measure, run: Sweep, result: SweepResult) -> None:
    due = rungs(run.ladder, ladder_subject(row), run.today, run.calendar)
    if not due:
        return
    recorded = {(lvl, ver) for lvl, ver in session.execute(
        select(Escalation.level, Escalation.deadline_version).where(Escalation.measure_id == row.id))}
    send, superseded = catch_up(due, recorded)
    for rung in superseded:
        if insert_once(session, row, rung, run.now, "superseded", "") is not None:
            result.superseded[rung.level.code] += 1
    if send is None:
        return
    links = links_of(session, row.id)
    body = notice_payload(session, row, links, send, run)  # computed before anything is written
    people = recipients_for(session, links, send.level)
    addressed = [email_address(session, person) for person, _ in people]
    esc_id = insert_once(session, row, send, run.now, "fired", ", ".join(a.value for a in addressed if a))
    if esc_id is None:
        return  # another sweeper fired it first
    for person, copy in people:
        session.add(Notice("escalation", person, "measure", row.id, body, dedupe_key=f"esc:{esc_id}:{person.key}",
                           copy=copy).to_row(run.queued_at))
    session.flush()
    result.fired[send.level.code] += 1
    result.notices += len(people)
    result.provisional += body["calendar"] == "provisional"
    if not people:
        result.unaddressed.append((row.id, send.level.code))


def insert_once(session: Session, row: Measure, rung: Rung, now: datetime, status: str,
                recipients: str) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the id when this call wrote the row, None when it existed."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = (insert(Escalation).values(measure_id=row.id, level=rung.level.code, deadline_version=rung.key_version,
                                      due_date=rung.deadline, fire_on=rung.fire_on, fired_at=now, status=status,
                                      recipients=recipients)
            .on_conflict_do_nothing(index_elements=KEY).returning(Escalation.id))
    return session.execute(stmt).scalar()


def notice_payload(session: Session, row: Measure, links, rung: Rung, run: Sweep) -> dict:
    provisional = run.calendar.is_provisional(rung.deadline) or run.calendar.is_provisional(run.today)
    return payload(session, row, links, None, {
        "level": rung.level.code, "level_label": rung.level.label, "anchor": rung.level.anchor,
        "due_date": rung.deadline.isoformat(), "fire_on": rung.fire_on.isoformat(),
        "overdue_workdays": run.calendar.workdays_between(rung.deadline, run.today),
        "fired_at": run.now.isoformat(), "calendar": "provisional" if provisional else "official"})
