"""The escalation sweep: writes each due rung once (UNIQUE key) with its outbox notices, in one transaction.

Subjects with deadlines: measures (their `due`, `signoff` and `review` ladders), leaders' 批示 waiting for their
落实情况 (`instruction`), problems past their due date (`problem`). When L2 督办 fires, a numbered 督办通知单 is
drafted for 督查办 in the same transaction; the measures whose L3 通报 fired in one sweep get one 情况通报.

It takes its dependencies explicitly (engine, ladder, calendar, document formats); one subject whose dates
cannot be computed never stops the rest of its batch, and the summary counts only what was written.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import msgspec
from sqlalchemy import Date, bindparam, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from engine.db import bulk_insert, in_chunks, is_postgres, upsert_insert, utc, write_session
from engine.outbox import Notice, OutboxMessage
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.directory import email_address
from workflows.documents.service import Formats, draft_dubans, draft_tongbao
from workflows.instructions.table import INSTRUCTION
from workflows.ladder import (
    Ladder,
    LadderSubject,
    Rung,
    anchored_rungs,
    anchors_of,
    by_anchor,
    catch_up,
    next_fire_on,
    rungs,
)
from workflows.lights import local_day, stored_day
from workflows.models import SWEEP_NEVER, TONGBAO_OPEN, UNSWEPT, Escalation, Item, Measure, Plan, SweepBasis
from workflows.problems.table import PROBLEM
from workflows.recipients import recipients_for
from workflows.reform.binding import payload
from workflows.reform.links import Links, links_of, links_of_many
from workflows.reform.table import REFORM_MEASURE
from workflows.routing import route_many
from workflows.supervision_models import Instruction, Problem

log = logging.getLogger("reform.escalation")
BATCH = 200
KEY = ["subject_type", "subject_id", "level", "deadline_version"]
OWES_WORK = REFORM_MEASURE.tagged("owes_work")
AWAITING_SIGNOFF = REFORM_MEASURE.tagged("with_head")
AWAITING_REVIEW = REFORM_MEASURE.tagged("awaiting_review")
DUBAN_LEVEL, TONGBAO_LEVEL = "L2", "L3"  # the rungs that produce numbered documents (see escalation.toml)


@dataclass
class SweepResult:
    fired: Counter = field(default_factory=Counter)  # level -> rungs sent
    superseded: Counter = field(default_factory=Counter)  # level -> rungs recorded without sending
    notices: int = 0
    unaddressed: list[tuple[int, str]] = field(default_factory=list)  # fired with nobody to tell
    errors: list[tuple[int, str]] = field(default_factory=list)
    calendar_errors: list[tuple[int, str]] = field(default_factory=list)
    provisional: int = 0  # rungs whose dates came from a provisional calendar
    documents: list[str] = field(default_factory=list)  # 文号 drafted
    late: list[tuple[int, int]] = field(default_factory=list)  # (measure id, working days overdue) of L3 rungs

    def add(self, other: SweepResult) -> None:
        self.fired.update(other.fired)
        self.superseded.update(other.superseded)
        self.notices += other.notices
        self.unaddressed += other.unaddressed
        self.provisional += other.provisional
        self.documents += other.documents
        self.late += other.late


@dataclass(frozen=True)
class Sweep:
    """One sweep's inputs: the instant it is "as of", and when its outbox rows become deliverable."""

    now: datetime
    queued_at: datetime
    ladder: Ladder
    calendar: WorkCalendar
    formats: Formats
    # whom a level reaches in a unit, and their addresses, looked up once per sweep (plain values, never rows)
    people: dict = field(default_factory=dict, compare=False)
    people_of: dict = field(default_factory=dict, compare=False)  # recipients_for's memo: each role of each unit
    addresses: dict = field(default_factory=dict, compare=False)

    # cached: asked for every measure a sweep evaluates (a frozen dataclass's cached_property writes its __dict__)
    @cached_property
    def today(self):
        return local_day(self.now)

    @cached_property
    def reach(self) -> timedelta:
        """How far before its deadline the due ladder's first rung can fire, in calendar days, generously."""
        earliest = min((lvl.offset for lvl in self.ladder.anchored("due")), default=0)
        return timedelta(days=2 * max(0, -earliest) + 20)

    @cached_property
    def horizon(self):
        """Deadlines after this day have no rung due yet."""
        return self.today + self.reach


def sweep(engine: Engine, now: datetime, *, ladder: Ladder, calendar: WorkCalendar,
          queued_at: datetime | None = None, formats: Formats | None = None) -> SweepResult:
    """Fire every rung due at `now`; safe to run twice or in several processes at once.

    `queued_at` (default `now`) stamps the outbox rows: an operator sweeping "as of" another instant
    still wants the mail deliverable by the system's own clock.
    """
    run = Sweep(now, queued_at or now, ladder, calendar, formats or Formats("武隆督办〔{year}〕{n}号",
                                                                          "武隆督查通报〔{year}〕{n}号"))
    result = SweepResult()
    reset_if_basis_changed(engine, ladder, calendar)
    for kind, ids in (("measure", candidate_ids(engine, now)),
                      ("instruction", open_instructions(engine)), ("problem", problems_due(engine, run.today))):
        for start in range(0, len(ids), BATCH):
            sweep_batch(engine, kind, ids[start:start + BATCH], run, result)
    draft_report_of_late(engine, run, result)
    if result.unaddressed:  # one line per sweep, not one per measure
        log.warning("escalation sweep: %d rungs fired with nobody to tell (measures %s): add unit users or "
                    "the unit head's address", len(result.unaddressed), [m for m, _ in result.unaddressed][:20])
    return result


def candidate_ids(engine: Engine, now: datetime) -> list[int]:
    """Measures a ladder may fire for now: those no sweep has evaluated as they are now (new, or changed since), and
    those whose next rung, as the last evaluation computed it, falls due today. Both by partial indexes, so an idle
    sweep reads what changed, not every open measure; the exact test is rungs()."""
    with Session(engine) as session:
        found = set(session.execute(_UNSWEPT).scalars())
        found |= set(session.execute(_FALLS_DUE, {"today": local_day(now)}).scalars())
        return sorted(found)


_UNSWEPT = text(f"SELECT id FROM measure WHERE {UNSWEPT}")
_FALLS_DUE = text("SELECT id FROM measure WHERE sweep_after IS NOT NULL AND sweep_after <= :today"
                  ).bindparams(bindparam("today", type_=Date()))
BASIS = "measure"


def basis_of(ladder: Ladder, calendar: WorkCalendar) -> str:
    """Names what the stored next dates depend on besides the measure: the ladder's levels and the calendar."""
    levels = [(lvl.code, lvl.anchor, lvl.offset) for lvl in ladder.levels]
    return hashlib.sha256(f"{levels!r}|{calendar.version}".encode()).hexdigest()[:32]


def reset_if_basis_changed(engine: Engine, ladder: Ladder, calendar: WorkCalendar) -> None:
    """A new ladder or calendar moves every fire date: then every measure is evaluated afresh by this sweep."""
    fingerprint = basis_of(ladder, calendar)
    with write_session(engine) as session:
        stored = session.get(SweepBasis, BASIS)
        if stored is not None and stored.fingerprint == fingerprint:
            return
        if stored is not None:
            log.info("escalation sweep: the ladder or the calendar changed; every measure is evaluated afresh")
            session.execute(update(Measure).where(Measure.sweep_after.is_not(None))
                            .values(sweep_after=None).execution_options(synchronize_session=False))
        insert = upsert_insert(session)(SweepBasis).values(name=BASIS, fingerprint=fingerprint)
        session.execute(insert.on_conflict_do_update(index_elements=["name"], set_={"fingerprint": fingerprint}))


def open_instructions(engine: Engine) -> list[int]:
    stmt = select(Instruction.id).where(Instruction.state.in_(sorted(INSTRUCTION.tagged("awaiting_reply"))))
    with Session(engine) as session:
        return list(session.execute(stmt.order_by(Instruction.id)).scalars())


def problems_due(engine: Engine, today) -> list[int]:
    stmt = select(Problem.id).where(Problem.state.in_(sorted(PROBLEM.tagged("has_due"))), Problem.due_date < today)
    with Session(engine) as session:
        return list(session.execute(stmt.order_by(Problem.id)).scalars())


TABLES = {"measure": Measure, "instruction": Instruction, "problem": Problem}


def lock_batch(session: Session, kind: str, ids: list[int]) -> list:
    table = TABLES[kind]
    stmt = select(table).where(table.id.in_(ids)).order_by(table.id)
    if is_postgres(session):
        # A row another sweeper holds is its to handle; waiting would only serialise the processes.
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def sweep_batch(engine: Engine, kind: str, ids: list[int], run: Sweep, result: SweepResult) -> None:
    """One transaction for the batch, no savepoint per subject; should one subject fail, the batch is rolled back
    and done again with one savepoint each, so that subject is logged and skipped and the others are written."""
    batch = SweepResult()
    try:
        with write_session(engine) as session:
            rows = lock_batch(session, kind, ids)
            recorded = recorded_rungs(session, kind, [row.id for row in rows])
            BatchMemo.of(session).preload(session, [row.measure_id if kind != "measure" else row.id for row in rows])
            if kind == "measure" and FIRE["measure"] is fire_measure:
                fire_measures(session, rows, run, batch, recorded)
            else:
                for row in rows:
                    FIRE[kind](session, row, run, batch, recorded.get(row.id, set()))
            mark_ladders_done(session, kind, rows, run)
            mark_swept(session, kind, rows, run)
    except Exception:  # noqa: BLE001 - the slow path below names the subject and its error
        with write_session(engine) as session:
            rows = lock_batch(session, kind, ids)
            done = [row for row in rows if sweep_one(session, kind, row, run, result)]
            mark_ladders_done(session, kind, rows, run)
            mark_swept(session, kind, done, run)
        return
    result.add(batch)  # only what the committed batch wrote


class BatchMemo:
    """What one batch's transaction looks up again and again, looked up once: the batch's measures' units (in one
    query) and their items. It lives on the batch's session, so the rows it holds never outlive the transaction
    whose view they are; whom a level reaches, plain values, is kept for the whole sweep (Sweep.people)."""

    KEY = "reform.sweep.memo"

    def __init__(self) -> None:
        self._links: dict[int, Links] = {}
        self._held: list = []  # the session's identity map holds rows only while something refers to them

    @classmethod
    def of(cls, session: Session) -> BatchMemo:
        memo = session.info.get(cls.KEY)
        if memo is None:
            memo = session.info[cls.KEY] = cls()
        return memo

    def preload(self, session: Session, measure_ids: list[int]) -> None:
        self._links.update(links_of_many(session, measure_ids))

    def hold(self, rows: list) -> None:
        self._held += rows

    def links(self, session: Session, measure_id: int) -> Links:
        found = self._links.get(measure_id)
        if found is None:
            found = self._links[measure_id] = links_of(session, measure_id)
        return found


def reached(session: Session, run: Sweep, links: Links, level) -> list:
    """recipients_for, once per sweep for each unit, cooperating units and level."""
    key = (links.primary.id if links.primary else None, tuple(u.id for u in links.cooperating), level.code)
    found = run.people.get(key)
    if found is None:
        found = run.people[key] = recipients_for(session, links, level, run.people_of)
    return found


def address_of(session: Session, run: Sweep, person):
    """email_address, once per sweep for each person."""
    if person.key not in run.addresses:
        run.addresses[person.key] = email_address(session, person)
    return run.addresses[person.key]


def sweep_one(session: Session, kind: str, row, run: Sweep, result: SweepResult) -> bool:
    """One subject inside its own savepoint: its failure is logged and the sweep goes on (False)."""
    counted = SweepResult()
    try:
        with session.begin_nested():
            FIRE[kind](session, row, run, counted)
    except CalendarUnknown as exc:
        log.error("escalation sweep: %s %s skipped: %s", kind, row.id, exc)
        result.calendar_errors.append((row.id, str(exc)))
        return False
    except Exception as exc:  # one bad subject must not stop the others
        log.exception("escalation sweep: %s %s failed", kind, row.id)
        result.errors.append((row.id, f"{type(exc).__name__}: {exc}"))
        return False
    result.add(counted)  # only what this savepoint wrote
    return True


def recorded_rungs(session: Session, kind: str, ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """(level, deadline version) of every rung already recorded for the batch's subjects, in one query."""
    out: dict[int, set[tuple[str, int]]] = {}
    if ids:
        for sid, level, version in session.execute(select(Escalation.subject_id, Escalation.level,
                                                          Escalation.deadline_version)
                                                   .where(Escalation.subject_type == kind,
                                                          Escalation.subject_id.in_(ids))):
            out.setdefault(sid, set()).add((level, version))
    return out


def mark_ladders_done(session: Session, kind: str, rows: list, run: Sweep) -> None:
    """Measures whose due ladder has its top rung recorded for the current deadline leave the sweep's index."""
    due = run.ladder.anchored("due")
    if kind != "measure" or not rows or not due:
        return
    top = due[-1].code
    done = (select(Escalation.id).where(Escalation.subject_type == "measure", Escalation.subject_id == Measure.id,
                                        Escalation.level == top,
                                        Escalation.deadline_version == Measure.deadline_version).exists())
    session.execute(update(Measure).where(Measure.id.in_([r.id for r in rows]), done)
                    .values(ladder_done=Measure.deadline_version).execution_options(synchronize_session=False))


_SWEPT = (update(Measure.__table__).where(Measure.__table__.c.id == bindparam("b_id"))
          .values(sweep_after=bindparam("b_after")))


def mark_swept(session: Session, kind: str, rows: list, run: Sweep) -> None:
    """Each evaluated measure keeps the day the sweep should look at it again; until then, or until it changes, no
    sweep reads it. A measure whose next day the calendar cannot tell stays to be evaluated again."""
    if kind != "measure" or not rows:
        return
    marks = []
    for row in rows:
        try:
            marks.append({"b_id": row.id, "b_after": wake_on(ladder_subject(row), run)})
        except CalendarUnknown:
            continue
    if not marks:
        return
    if is_postgres(session):  # the marks as one JSON parameter, not a parameter set per measure
        rows = msgspec.json.encode([{"id": m["b_id"], "after": m["b_after"].isoformat()} for m in marks]).decode()
        session.connection().execute(_SWEPT_PG, {"rows": rows})
    else:
        session.execute(_SWEPT, marks)


_SWEPT_PG = text("UPDATE measure SET sweep_after = v.after FROM json_to_recordset(CAST(:rows AS JSON)) "
                 "AS v(id integer, after date) WHERE measure.id = v.id")


def wake_on(subject: LadderSubject, run: Sweep):
    """The next day a rung fires for the subject as it is now (SWEEP_NEVER: none will). A deadline far ahead needs
    no calendar yet: the subject is looked at again when it comes within the ladder's reach."""
    anchors = anchors_of(subject)
    if not anchors:
        return SWEEP_NEVER
    if (first := min(day for _, day, _ in anchors)) > run.horizon:
        return first - run.reach
    return next_fire_on(run.ladder, subject, run.today, run.calendar) or SWEEP_NEVER


def ladder_subject(row: Measure) -> LadderSubject:
    return LadderSubject(owes_work=row.state in OWES_WORK, awaiting_review=row.state in AWAITING_REVIEW,
                         due_date=row.due_date, deadline_version=row.deadline_version,
                         extension_pending=row.extension_date is not None,
                         reported_on=stored_day(row.reported_at) if row.reported_at else None,
                         awaiting_signoff=row.state in AWAITING_SIGNOFF,
                         submitted_on=stored_day(row.submitted_at) if row.submitted_at else None)


def fire_measure(session: Session, row: Measure, run: Sweep, result: SweepResult,
                 recorded: set[tuple[str, int]] | None = None) -> None:
    subject = ladder_subject(row)
    if all(day > run.horizon for _, day, _ in anchors_of(subject)):
        return  # nothing can be due yet (and a far year's calendar may not be known)
    due = rungs(run.ladder, subject, run.today, run.calendar)
    for group in by_anchor(due).values():
        fire_ladder(session, "measure", row.id, row, group, run, result, recorded=recorded)


def fire_instruction(session: Session, row: Instruction, run: Sweep, result: SweepResult,
                     recorded: set[tuple[str, int]] | None = None) -> None:
    due = anchored_rungs(run.ladder.anchored("instruction"), stored_day(row.created_at), row.id, run.today,
                         run.calendar)
    fire_ladder(session, "instruction", row.id, session.get(Measure, row.measure_id), due, run, result,
                {"instruction_id": row.id, "text": row.text}, recorded=recorded)


def fire_problem(session: Session, row: Problem, run: Sweep, result: SweepResult,
                 recorded: set[tuple[str, int]] | None = None) -> None:
    due = anchored_rungs(run.ladder.anchored("problem"), row.due_date, row.due_date.toordinal(), run.today,
                         run.calendar)
    fire_ladder(session, "problem", row.id, session.get(Measure, row.measure_id), due, run, result,
                {"problem_id": row.id, "problem": row.text[:60], "problem_state": PROBLEM.label(row.state)},
                recorded=recorded)


FIRE = {"measure": fire_measure, "instruction": fire_instruction, "problem": fire_problem}


def fire_ladder(session: Session, kind: str, subject_id: int, measure: Measure, due: list[Rung], run: Sweep,
                result: SweepResult, extra: dict | None = None, recorded: set[tuple[str, int]] | None = None
                ) -> None:
    """Record the due rungs of one ladder of one subject: the highest new one is sent, the others superseded.
    `recorded`: the subject's rungs already written, when the batch fetched them (a rung another sweeper writes
    meanwhile is still caught by the UNIQUE key)."""
    if not due:
        return
    if recorded is None:
        recorded = {(lvl, ver) for lvl, ver in session.execute(
            select(Escalation.level, Escalation.deadline_version).where(Escalation.subject_type == kind,
                                                                        Escalation.subject_id == subject_id))}
    send, superseded = catch_up(due, recorded)
    if send is not None or superseded:
        fire_planned(session, [_Planned(kind, subject_id, measure, send, superseded, extra or {})], run, result)


@dataclass
class _Planned:
    """One ladder of one subject: what to send and what to record as superseded, and, for the send, what its
    notices say and whom they reach (computed before anything is written)."""

    kind: str
    subject_id: int
    measure: Measure
    send: Rung | None
    superseded: list[Rung]
    extra: dict = field(default_factory=dict)
    links: Links | None = None
    body: dict | None = None
    people: list | None = None
    recipients: str = ""


def fire_measures(session: Session, rows: list[Measure], run: Sweep, result: SweepResult,
                  recorded: dict[int, set[tuple[str, int]]]) -> None:
    """fire_measure for a whole batch, its ladders fired together by fire_planned."""
    planned: list[_Planned] = []
    for row in rows:
        subject = ladder_subject(row)
        if all(day > run.horizon for _, day, _ in anchors_of(subject)):
            continue
        for group in by_anchor(rungs(run.ladder, subject, run.today, run.calendar)).values():
            send, superseded = catch_up(group, recorded.get(row.id, set()))
            if send is not None or superseded:
                planned.append(_Planned("measure", row.id, row, send, superseded))
    fire_planned(session, planned, run, result)


def fire_planned(session: Session, planned: list[_Planned], run: Sweep, result: SweepResult) -> None:
    """Write the planned ladders in a few statements: the rungs in one INSERT (each still once, by the UNIQUE key;
    a rung another sweeper wrote first is neither counted nor sent), the notices routed and written together, and
    the 督办通知单 drafted together: a 通报 presupposes the 督办, so a measure caught up past L2 gets its 督办通知单
    all the same. L3 waits for the sweep's one 情况通报."""
    memo = BatchMemo.of(session)
    sending = [p for p in planned if p.send is not None]
    items = {p.measure.item_id for p in sending}
    if items:  # into the session, where payload() and the 督办通知单's facts find them
        memo.hold(session.execute(select(Item).where(Item.id.in_(sorted(items)))).scalars().all())
        memo.hold(session.execute(select(Plan).where(Plan.id.in_(sorted({p.measure.plan_id for p in sending}))))
                  .scalars().all())
    for p in sending:
        p.links = memo.links(session, p.measure.id)
        p.body = notice_payload(session, p.measure, p.links, p.send, run) | p.extra
        p.people = reached(session, run, p.links, p.send.level)
        p.recipients = ", ".join(a.value for person, _ in p.people if (a := address_of(session, run, person)))
    wanted = []  # each ladder's superseded rungs, then its send
    for p in planned:
        wanted += [(p, rung, "superseded", "", False) for rung in p.superseded]
        wanted += [(p, p.send, "fired", p.recipients, not p.people)] if p.send else []
    written = insert_rungs(session, wanted, run.now)
    duban: list[tuple[Measure, int, int, str, Links]] = []
    fired: list[tuple[_Planned, int]] = []
    for p in planned:
        skipped_duban = None
        for rung in p.superseded:
            if (esc_id := written.get((p.kind, p.subject_id, rung.level.code, rung.key_version))) is not None:
                result.superseded[rung.level.code] += 1
                skipped_duban = (rung, esc_id) if rung.level.code == DUBAN_LEVEL else skipped_duban
        if p.send is None:
            continue
        esc_id = written.get((p.kind, p.subject_id, p.send.level.code, p.send.key_version))
        if esc_id is None:
            continue  # another sweeper fired it first
        fired.append((p, esc_id))
        for rung, rung_esc in ((skipped_duban or (None, None)), (p.send, esc_id)):
            if rung is None or p.kind != "measure":
                continue
            if rung.level.code == DUBAN_LEVEL:
                duban.append((p.measure, rung_esc, p.body["overdue_workdays"], rung.level.label, p.links))
            elif rung.level.code == TONGBAO_LEVEL:
                result.late.append((p.measure.id, p.body["overdue_workdays"]))
    routed = route_many(session, [([Notice("escalation", person, p.kind, p.subject_id, p.body,
                                           dedupe_key=f"esc:{esc_id}:{person.key}", copy=copy)
                                    for person, copy in p.people], f"esc:{esc_id}") for p, esc_id in fired])
    outbox = []
    for (p, _), notices in zip(fired, routed, strict=True):
        outbox += [notice.to_values(run.queued_at) for notice in notices]
        result.fired[p.send.level.code] += 1
        result.notices += len(notices)
        result.provisional += p.body["calendar"] == "provisional"
        if not p.people:
            result.unaddressed.append((p.measure.id, p.send.level.code))
    bulk_insert(session, OutboxMessage.__table__, outbox)
    docs = draft_dubans(session, duban, run.now, run.calendar, run.formats)
    if docs:
        session.execute(_DOCUMENT_OF, [{"b_id": esc_id, "b_doc": doc.id}
                                       for doc, (_, esc_id, *_) in zip(docs, duban, strict=True)])
        result.documents += [doc.number for doc in docs]


_DOCUMENT_OF = (update(Escalation.__table__).where(Escalation.__table__.c.id == bindparam("b_id"))
                .values(document_id=bindparam("b_doc")))


def insert_rungs(session: Session, wanted: list[tuple[_Planned, Rung, str, str, bool]], now: datetime
                 ) -> dict[tuple[str, int, str, int], int]:
    """Each rung once (INSERT … ON CONFLICT DO NOTHING): (subject type, subject id, level, key version) -> id, for
    the rows this wrote. One statement, its parameter sets sent as multi-row VALUES by the driver layer."""
    if not wanted:
        return {}
    values = [{"measure_id": p.measure.id, "subject_type": p.kind, "subject_id": p.subject_id,
               "level": rung.level.code, "deadline_version": rung.key_version, "due_date": rung.deadline,
               "fire_on": rung.fire_on, "fired_at": now, "status": status, "recipients": recipients, "silent": silent}
              for p, rung, status, recipients, silent in wanted]
    if is_postgres(session):  # the rows as one JSON parameter (see RUNGS_PG)
        for v in values:
            v["due_date"], v["fire_on"] = v["due_date"].isoformat(), v["fire_on"].isoformat()
            v["fired_at"] = utc(v["fired_at"]).isoformat()
        found = session.connection().execute(RUNGS_PG, {"rows": msgspec.json.encode(values).decode()})
    else:
        table = Escalation.__table__
        stmt = (upsert_insert(session)(table).on_conflict_do_nothing(index_elements=KEY)
                .returning(table.c.id, table.c.subject_type, table.c.subject_id, table.c.level,
                           table.c.deadline_version))
        found = session.execute(stmt, values)
    return {(kind, subject_id, level, version): esc_id for esc_id, kind, subject_id, level, version in found}


# A sweep's rungs in one INSERT whose rows come as one JSON parameter: the driver's multi-row VALUES (11 bound
# values a row, a new statement text per batch) cost psycopg more to convert than PostgreSQL took to insert them.
_RUNG_COLUMNS = ("measure_id integer, subject_type text, subject_id integer, level text, deadline_version integer, "
                 "due_date date, fire_on date, fired_at timestamptz, status text, recipients text, silent boolean")
_RUNG_NAMES = ", ".join(c.split()[0] for c in _RUNG_COLUMNS.split(", "))
RUNGS_PG = text(f"INSERT INTO escalation ({_RUNG_NAMES}) SELECT {_RUNG_NAMES} "
                f"FROM json_to_recordset(CAST(:rows AS JSON)) AS r({_RUNG_COLUMNS}) "
                f"ON CONFLICT ({', '.join(KEY)}) DO NOTHING "
                "RETURNING id, subject_type, subject_id, level, deadline_version")


def draft_report_of_late(engine: Engine, run: Sweep, result: SweepResult) -> None:
    """The sweep's one 情况通报, listing every fired 通报 rung that no 通报 covers yet: this sweep's, and any an
    interrupted sweep left behind. Rows are locked and re-checked, so a sweeper racing this one finds them
    covered and drafts nothing for them."""
    with write_session(engine) as session:
        stmt = select(Escalation).where(text(TONGBAO_OPEN)).order_by(Escalation.measure_id)  # its partial index
        if is_postgres(session):
            stmt = stmt.with_for_update()
        rows = list(session.execute(stmt).scalars())
        if not rows:
            return
        ids = sorted({esc.measure_id for esc in rows})  # the measures in bulk, not one lookup per rung
        measures = {m.id: m for chunk in in_chunks(ids)
                    for m in session.execute(select(Measure).where(Measure.id.in_(chunk)))
                    .scalars()}
        late = []
        for esc in rows:
            measure = measures[esc.measure_id]
            try:
                days = run.calendar.workdays_between(esc.due_date, run.today)
            except CalendarUnknown:
                days = 0
            late.append((measure, days))
        doc = draft_tongbao(session, late, run.now, run.formats)
        ids = [e.id for e in rows]
        for chunk in in_chunks(ids):  # a catch-up may cover more rungs than one statement binds
            session.execute(update(Escalation).where(Escalation.id.in_(chunk))
                            .values(document_id=doc.id))
        result.documents.append(doc.number)


def notice_payload(session: Session, row: Measure, links, rung: Rung, run: Sweep) -> dict:
    provisional = run.calendar.is_provisional(rung.deadline) or run.calendar.is_provisional(run.today)
    return payload(session, row, links, None, {
        "level": rung.level.code, "level_label": rung.level.label, "anchor": rung.level.anchor,
        "due_date": rung.deadline.isoformat(), "fire_on": rung.fire_on.isoformat(),
        "overdue_workdays": run.calendar.workdays_between(rung.deadline, run.today),
        "fired_at": run.now.isoformat(), "calendar": "provisional" if provisional else "official"})
