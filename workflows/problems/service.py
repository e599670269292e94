"""Problems on measures: raise or record one, list them as access allows, one with its actions and history."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import exists, func, or_, select
from sqlmodel import Session

from engine import history
from engine.decide import View
from engine.errors import BadRequest, NotFound
from engine.service import WorkflowService, version_of
from workflows.access import Access
from workflows.models import Item, Measure, Unit
from workflows.problems.binding import coordinating_units, owners, problem_evidence
from workflows.problems.table import ORIGIN_LABELS, ORIGINS, PROBLEM
from workflows.reform.links import links_of, measures_of_units
from workflows.reform.views import (
    EvidenceItem,
    HistoryEntry,
    ProblemLine,
    beijing,
    evidence_item,
    history_entry,
    state_enum,
)
from workflows.supervision_models import Problem, ProblemUnit

ProblemState = state_enum(PROBLEM, "ProblemState")
ProblemAction = enum.StrEnum("ProblemAction", [(a.name, a.name) for a in PROBLEM.actions])
Origin = enum.StrEnum("Origin", [(o, o) for o in sorted(set(ORIGINS.values()))])
OPEN = PROBLEM.tagged("open")


class ProblemSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    measure_id: int
    item_no: str
    measure_text: str
    origin: Origin
    origin_label: str
    text: str
    level: str
    needs: str
    suggestion: str
    raised_by_unit: str | None
    coordinating_units: list[str]
    due_date: date | None
    referred_to: str
    state: ProblemState
    state_label: str
    version: int
    created_at: datetime
    age_days: int


class ProblemDetail(ProblemSummary):
    allowed_actions: list[ProblemAction]
    history: list[HistoryEntry]
    evidence: list[EvidenceItem]


class ProblemList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ProblemSummary]
    total: int


@dataclass(frozen=True)
class ProblemQuery:
    state: str | None = None
    unit: str | None = None
    measure: int | None = None
    origin: str | None = None
    open_only: bool = False


@dataclass
class ProblemService:
    workflow: WorkflowService

    def create(self, session: Session, access: Access, data: Mapping[str, Any]) -> ProblemDetail:
        """`origin` unit: a lead unit raises it; inspection: 督查办 records a finding."""
        origin = str(data.get("origin") or "unit")
        how = next((name for name, o in ORIGINS.items() if o == origin), None)
        if how is None:
            raise BadRequest(f"未知来源 {origin!r}，可选：{'、'.join(ORIGIN_LABELS)}")
        measure_id = _int(data.get("measure_id"), "measure_id")
        access.measure(session, measure_id)
        links = links_of(session, measure_id)
        creation = PROBLEM.action(how)
        view = View(id=f"new@{measure_id}", state=creation.target, owner_ids=links.lead_ids, record=None)
        unit = next(iter(sorted(access.actor.unit_ids & links.lead_ids)), None) if origin == "unit" else None
        now = self.workflow.clock.now()

        def build(cleaned: dict) -> Problem:
            return Problem(measure_id=measure_id, origin=origin, text=cleaned["text"], level=cleaned["level"],
                           needs=cleaned.get("needs") or "", suggestion=cleaned.get("suggestion") or "",
                           raised_by_unit=unit, raised_by=access.actor.id, due_date=cleaned.get("due_date"),
                           created_at=now, state=creation.target, version=1)

        row, _ = self.workflow.create(session, view, access.actor, data, build, how=how)
        return self.detail(session, access, row.id)

    def get(self, session: Session, access: Access, problem_id: int) -> Problem:
        row = session.get(Problem, problem_id)
        if row is None:
            raise NotFound("找不到该问题", detail=f"problem {problem_id} not found")
        if not access.sees_all and not (access.actor.unit_ids & self._parties(session, row)):
            access.measure(session, row.measure_id)  # a unit that is party to the measure sees its problems
        return row

    def _parties(self, session: Session, row: Problem) -> frozenset[int]:
        return owners(session, row) | frozenset(u.id for u in coordinating_units(session, row.id))

    def act(self, session: Session, access: Access, problem_id: int, action: str, body: Mapping[str, Any]
            ) -> ProblemDetail:
        return self.detail(session, access, self.fire(session, access, problem_id, action, body).id)

    def fire(self, session: Session, access: Access, problem_id: int, action: str, body: Mapping[str, Any]
             ) -> Problem:
        """Fire `action` inside the caller's write transaction; the problem row, changed."""
        row = self.get(session, access, problem_id)
        fields = dict(body)
        version = version_of(action, fields.pop("version", None))
        self.workflow.fire(session, row, action, access.actor, fields, version)
        return row

    def detail(self, session: Session, access: Access, problem_id: int) -> ProblemDetail:
        row = self.get(session, access, problem_id)
        records = history.for_subject(session, PROBLEM.name, row.id)
        return ProblemDetail(**self._fields(session, row), allowed_actions=self.workflow.allowed(session, row,
                                                                                                access.actor),
                             history=[history_entry(r, PROBLEM) for r in records],
                             evidence=[evidence_item(e) for e in problem_evidence(session, row.id)])

    def list(self, session: Session, access: Access, query: ProblemQuery) -> ProblemList:
        stmt = select(Problem)
        if not access.sees_all:
            mine = sorted(access.actor.unit_ids)
            stmt = stmt.where(or_(Problem.measure_id.in_(measures_of_units(mine)), Problem.raised_by_unit.in_(mine),
                                  Problem.id.in_(select(ProblemUnit.problem_id).where(ProblemUnit.unit_id.in_(mine)))))
        if query.state:
            stmt = stmt.where(Problem.state == query.state)
        if query.open_only:
            stmt = stmt.where(Problem.state.in_(sorted(OPEN)))
        if query.measure is not None:
            stmt = stmt.where(Problem.measure_id == query.measure)
        if query.origin:
            stmt = stmt.where(Problem.origin == query.origin)
        if query.unit:
            named = select(Unit.id).where(Unit.name == query.unit)
            stmt = stmt.where(or_(Problem.raised_by_unit.in_(named),
                                  Problem.id.in_(select(ProblemUnit.problem_id).where(ProblemUnit.unit_id.in_(named)))))
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = session.execute(stmt.order_by(Problem.created_at.desc(), Problem.id.desc()).limit(500)).scalars()
        return ProblemList(items=[ProblemSummary(**self._fields(session, r)) for r in rows], total=total)

    @staticmethod
    def any_for(measure_id_column):
        """EXISTS a problem raised on the measure: a detail reads them only then."""
        return exists().where(Problem.measure_id == measure_id_column)

    def lines(self, session: Session, measure_id: int) -> list[ProblemLine]:
        """The measure's problems for its page, open ones first (whoever may see the measure sees them)."""
        rows = session.execute(select(Problem).where(Problem.measure_id == measure_id)
                               .order_by(Problem.created_at.desc(), Problem.id.desc())).scalars()
        now = self.workflow.clock.now()
        out = [ProblemLine(id=r.id, origin_label=ORIGIN_LABELS[r.origin], text=r.text, state=r.state,
                           state_label=PROBLEM.label(r.state), open=r.state in OPEN, due_date=r.due_date,
                           age_days=max((now - beijing(r.created_at)).days, 0),
                           coordinating_units=[u.name for u in coordinating_units(session, r.id)]) for r in rows]
        return sorted(out, key=lambda line: not line.open)

    def _fields(self, session: Session, row: Problem) -> dict[str, Any]:
        measure = session.get(Measure, row.measure_id)
        item = session.get(Item, measure.item_id)
        raiser = session.get(Unit, row.raised_by_unit) if row.raised_by_unit else None
        now = self.workflow.clock.now()
        return dict(id=row.id, measure_id=row.measure_id, item_no=item.item_no if item else "",
                    measure_text=measure.text, origin=Origin(row.origin), origin_label=ORIGIN_LABELS[row.origin],
                    text=row.text, level=row.level, needs=row.needs, suggestion=row.suggestion,
                    raised_by_unit=raiser.name if raiser else None,
                    coordinating_units=[u.name for u in coordinating_units(session, row.id)], due_date=row.due_date,
                    referred_to=row.referred_to, state=ProblemState(row.state), state_label=PROBLEM.label(row.state),
                    version=row.version, created_at=beijing(row.created_at),
                    age_days=max((now - beijing(row.created_at)).days, 0))


def _int(raw: Any, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} 应为举措编号（整数）") from None
    if not 0 < value < 2**31:
        raise NotFound("找不到该举措", detail=f"{name} {value} out of range")
    return value
