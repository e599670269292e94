"""The escalation sweep: writes each due rung once (UNIQUE key) with its outbox notices, in one transaction."""

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
from workflows.calendar import CalendarUnknown, WorkCalendar, default_calendar
from workflows.ladder import UNIT_STATES, Ladder, MeasureClock, Rung, catch_up, default_ladder, rungs
from workflows.lights import local_day, stored_day
from workflows.models import Escalation, Item, Measure
from workflows.recipients import recipients_for
from workflows.reform.binding import measure_units

log = logging.getLogger("reform.escalation")
BATCH = 50
KEY = ["measure_id", "level", "deadline_version"]


@dataclass
class SweepResult:
    fired: Counter = field(default_factory=Counter)  # level -> rungs sent
    superseded: Counter = field(default_factory=Counter)  # level -> rungs recorded without sending
    notices: int = 0
    unaddressed: list[tuple[int, str]] = field(default_factory=list)  # fired with nobody to tell
    errors: list[tuple[int, str]] = field(default_factory=list)
    calendar_errors: list[tuple[int, str]] = field(default_factory=list)


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


def sweep(engine: Engine, now: datetime, *, ladder: Ladder | None = None,
          calendar: WorkCalendar | None = None, queued_at: datetime | None = None) -> SweepResult:
    """Fire every rung due at `now`; safe to run twice or in several processes at once.

    `queued_at` (default `now`) stamps the outbox rows: an operator sweeping "as of" another instant
    still wants the mail deliverable by the system's own clock.
    """
    run = Sweep(now, queued_at or now, ladder or default_ladder(), calendar or default_calendar())
    result = SweepResult()
    ids = candidate_ids(engine, now, run.ladder)
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
        Measure.state.in_(UNIT_STATES) & Measure.due_date.is_not(None) & Measure.extension_date.is_(None)
        & (Measure.due_date <= horizon),
        (Measure.state == "reported") & Measure.reported_at.is_not(None),
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
    try:
        with session.begin_nested():
            fire_measure(session, row, run, result)
    except CalendarUnknown as exc:
        log.error("escalation sweep: measure %s skipped: %s", row.id, exc)
        result.calendar_errors.append((row.id, str(exc)))
    except Exception as exc:  # one bad measure must not stop the others
        log.exception("escalation sweep: measure %s failed", row.id)
        result.errors.append((row.id, f"{type(exc).__name__}: {exc}"))


def clock_of(row: Measure) -> MeasureClock:
    return MeasureClock(state=row.state, due_date=row.due_date, deadline_version=row.deadline_version,
                        extension_pending=row.extension_date is not None,
                        reported_on=stored_day(row.reported_at) if row.reported_at else None)


def fire_measure(session: Session, row: Measure, run: Sweep, result: SweepResult) -> None:
    due = rungs(run.ladder, clock_of(row), run.today, run.calendar)
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
    people = recipients_for(session, row, send.level)
    esc_id = insert_once(session, row, send, run.now, "fired", ", ".join(p.email for p in people))
    if esc_id is None:
        return  # another sweeper fired it first
    result.fired[send.level.code] += 1
    if not people:
        result.unaddressed.append((row.id, send.level.code))
    payload = notice_payload(session, row, send, run.calendar.workdays_between(send.deadline, run.today))
    for person in people:
        notice = Notice("escalation", person.email, person.name, "measure", row.id,
                        {**payload, "copy": person.copy}, dedupe_key=f"esc:{esc_id}:{person.email}")
        session.add(notice.to_row(run.queued_at))
        result.notices += 1
    session.flush()


def insert_once(session: Session, row: Measure, rung: Rung, now: datetime, status: str,
                recipients: str) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the id when this call wrote the row, None when it existed."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = (insert(Escalation).values(measure_id=row.id, level=rung.level.code, deadline_version=rung.key_version,
                                      due_date=rung.deadline, fire_on=rung.fire_on, fired_at=now, status=status,
                                      recipients=recipients)
            .on_conflict_do_nothing(index_elements=KEY).returning(Escalation.id))
    return session.execute(stmt).scalar()


def notice_payload(session: Session, row: Measure, rung: Rung, overdue_workdays: int) -> dict:
    item = session.get(Item, row.item_id)
    units = [u.name for u in measure_units(session, row.id)]
    return {"measure_id": row.id, "level": rung.level.code, "level_label": rung.level.label,
            "measure_text": row.text, "item_no": item.item_no if item else "",
            "item_title": item.title if item else "", "unit": units[0] if units else "", "units": units,
            "due_date": rung.deadline.isoformat(), "fire_on": rung.fire_on.isoformat(),
            "overdue_workdays": overdue_workdays, "state": row.state, "anchor": rung.level.anchor}
