"""What the 月调度 puts before the leaders besides the figures: problems still open and 批示 not yet answered,
each as it stood at the report's cut-off, with its age in working days."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from engine.db import in_chunks
from engine.history import HistoryRecord
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.problems.table import PROBLEM
from workflows.reports.facts import MeasureFact
from workflows.reports.periods import as_utc, local_day
from workflows.supervision_models import Instruction, Problem, ProblemUnit

ORIGIN_LABELS = {"unit": "信息报送", "inspection": "督查发现"}
STATE_LABELS = {s.name: s.label for s in PROBLEM.states}


@dataclass(frozen=True)
class OpenProblemRow:
    problem_id: int
    measure_id: int
    item_no: str
    item_title: str
    unit: str  # the measure's 第一牵头单位
    origin: str  # 信息报送 / 督查发现
    text: str
    raised_on: date
    age_workdays: int  # working days from the day it was raised to the cut-off
    state: str  # its state's label at the cut-off
    due_date: date | None
    coordinating: str  # 协调单位, 、-joined


@dataclass(frozen=True)
class OpenInstructionRow:
    instruction_id: int
    measure_id: int
    item_no: str
    item_title: str
    unit: str
    leader: str  # display name
    text: str
    given_on: date
    age_workdays: int


def open_problems(session: Session, measures: list[MeasureFact], cutoff: datetime, calendar,
                  unit_id: int | None = None) -> list[OpenProblemRow]:
    """Problems on `measures` (and, in a unit's report, those it coordinates) raised by the cut-off and not closed
    by then; oldest first."""
    by_id = {m.id: m for m in measures}
    cut = as_utc(cutoff)
    # the problems open at the cut-off, then those of the report's measures: a city's ledger binds more measure ids
    # than a statement takes (PostgreSQL: 65,535), and open problems are few
    query = select(Problem).where(Problem.created_at <= cut,
                                  or_(Problem.closed_at.is_(None), Problem.closed_at > cut))
    coordinated = set() if unit_id is None else set(session.exec(
        select(ProblemUnit.problem_id).where(ProblemUnit.unit_id == unit_id)))
    problems = [p for p in session.exec(query.order_by(Problem.created_at, Problem.id))
                if p.measure_id in by_id or p.id in coordinated]
    if not problems:
        return []
    ids = [p.id for p in problems]
    states = _states_at(session, ids, cut)
    units = _coordinating(session, ids)
    missing = {p.measure_id for p in problems} - set(by_id)
    refs = by_id | _measure_refs(session, missing)
    day = local_day(cutoff)
    rows = []
    for p in problems:
        m = refs.get(p.measure_id)
        raised = local_day(as_utc(p.created_at))
        rows.append(OpenProblemRow(
            p.id, p.measure_id, m.item_no if m else "", m.item_title if m else "", m.unit if m else "",
            ORIGIN_LABELS.get(p.origin, p.origin), p.text, raised, max(calendar.workdays_between(raised, day), 0),
            STATE_LABELS.get(states.get(p.id, p.state), p.state), p.due_date, "、".join(units.get(p.id, ()))))
    return rows


def open_instructions(session: Session, measures: list[MeasureFact], cutoff: datetime,
                      calendar) -> list[OpenInstructionRow]:
    """批示 on `measures` given by the cut-off and not answered by then; oldest first."""
    by_id = {m.id: m for m in measures}
    if not by_id:
        return []
    cut = as_utc(cutoff)
    found = session.exec(select(Instruction, User.display_name, User.username)  # open ones, then the report's
                         .join(User, User.id == Instruction.leader_id)
                         .where(Instruction.created_at <= cut,
                                or_(Instruction.answered_at.is_(None), Instruction.answered_at > cut))
                         .order_by(Instruction.created_at, Instruction.id)).all()
    day = local_day(cutoff)
    rows = []
    for ins, display, username in found:
        m = by_id.get(ins.measure_id)
        if m is None:
            continue
        given = local_day(as_utc(ins.created_at))
        rows.append(OpenInstructionRow(ins.id, m.id, m.item_no, m.item_title, "、".join(m.units) or m.unit,
                                       display or username, ins.text, given,
                                       max(calendar.workdays_between(given, day), 0)))
    return rows


def _states_at(session: Session, ids: list[int], cut: datetime) -> dict[int, str]:
    """Each problem's state after its last history record up to the cut-off."""
    out: dict[int, str] = {}
    for chunk in in_chunks(ids):
        out.update(session.exec(select(HistoryRecord.subject_id, HistoryRecord.to_state)
                                .where(HistoryRecord.workflow == PROBLEM.name, HistoryRecord.subject_id.in_(chunk),
                                       HistoryRecord.at <= cut)
                                .order_by(HistoryRecord.seq)).all())  # the last record of each wins
    return out


def _coordinating(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in in_chunks(ids):
        for pid, name in session.exec(select(ProblemUnit.problem_id, Unit.name)
                                      .join(Unit, Unit.id == ProblemUnit.unit_id)
                                      .where(ProblemUnit.problem_id.in_(chunk)).order_by(Unit.id)):
            out[pid].append(name)
    return out


def _measure_refs(session: Session, ids: set[int]) -> dict[int, MeasureFact]:
    """Measures a unit coordinates a problem on but does not lead: named in its report all the same."""
    if not ids:
        return {}
    from workflows.reports import facts

    return {m.id: m for m in facts.measures(session) if m.id in ids}
