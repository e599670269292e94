"""How problems meet the engine: who owns one (the raising unit, or the measure's lead units for a finding), who
takes part (the coordinating units), and who is told at each step."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session

from engine.decide import View
from engine.outbox import Notice
from engine.service import ActionFired
from workflows.directory import role_people, unit_people
from workflows.models import Evidence, Measure, Unit
from workflows.problems.table import PROBLEM, unit_names
from workflows.reform.binding import payload
from workflows.reform.links import links_of
from workflows.roles import OFFICE, SUPERVISOR
from workflows.supervision_models import Problem, ProblemUnit


def coordinating_units(session: Session, problem_id: int) -> list[Unit]:
    stmt = (select(Unit).join(ProblemUnit, ProblemUnit.unit_id == Unit.id)
            .where(ProblemUnit.problem_id == problem_id).order_by(Unit.id))
    return list(session.execute(stmt).scalars())


def problem_evidence(session: Session, problem_id: int) -> list[Evidence]:
    return list(session.execute(select(Evidence).where(Evidence.problem_id == problem_id).order_by(Evidence.id))
                .scalars())


def owners(session: Session, row: Problem) -> frozenset[int]:
    if row.raised_by_unit is not None:
        return frozenset({row.raised_by_unit})
    return links_of(session, row.measure_id).lead_ids


class ProblemBinding:
    definition = PROBLEM
    row_type = Problem

    def view(self, session: Session, row: Problem) -> View:
        helpers = frozenset(u.id for u in coordinating_units(session, row.id))
        known = {u.name for u in session.execute(select(Unit)).scalars()}
        facts = {"problem_evidence": tuple(e.id for e in problem_evidence(session, row.id)), "known_units": known}
        return View(id=row.id, state=row.state, owner_ids=owners(session, row), participant_ids=helpers,
                    record=row, extra=facts)

    def created(self, session: Session, row: Problem, event: ActionFired) -> list[Notice]:
        """A unit's problem goes to 营商办; a finding to the measure's lead units."""
        if row.origin == "unit":
            return self._tell(session, row, event, "problem_raised", role_people(session, OFFICE))
        links = links_of(session, row.measure_id)
        return self._tell(session, row, event, "problem_found",
                          [p for unit in links.leads for p in unit_people(session, unit)])

    def apply(self, session: Session, row: Problem, event: ActionFired) -> list[Notice]:
        name, f = event.action.name, event.fields
        if name in PROBLEM.actions_tagged("assigns"):
            self._assign(session, row, f)
            people = [p for u in coordinating_units(session, row.id) for p in unit_people(session, u)]
            return self._tell(session, row, event, "problem_assigned", people)
        if name == "refer":
            row.referred_to = f["to"]
        elif name == "resolve":
            row.resolved_at = event.at
            return self._tell(session, row, event, "problem_resolved", self._owners(session, row))
        elif name in ("confirm", "close"):
            row.closed_at = event.at
        elif name == "reopen":
            return self._tell(session, row, event, "problem_reopened", role_people(session, OFFICE))
        elif name == "report_rectification":
            return self._tell(session, row, event, "problem_rectified", role_people(session, SUPERVISOR))
        elif name == "return_rectification":
            return self._tell(session, row, event, "problem_returned", self._owners(session, row))
        return []

    def _assign(self, session: Session, row: Problem, f) -> None:
        row.due_date = f["due_date"]
        session.execute(delete(ProblemUnit).where(ProblemUnit.problem_id == row.id))
        for name in unit_names(f["units"]):
            unit = session.execute(select(Unit).where(Unit.name == name)).scalars().first()
            if unit is not None:
                session.add(ProblemUnit(problem_id=row.id, unit_id=unit.id))

    def _owners(self, session: Session, row: Problem) -> list:
        return [p for uid in sorted(owners(session, row)) for p in unit_people(session, session.get(Unit, uid))]

    def _tell(self, session: Session, row: Problem, event: ActionFired, kind: str, people: list) -> list[Notice]:
        measure = session.get(Measure, row.measure_id)
        body = payload(session, measure, links_of(session, row.measure_id), event,
                       {"problem_id": row.id, "problem": row.text[:60], "problem_state": PROBLEM.label(row.state),
                        "due_date": row.due_date.isoformat() if row.due_date else None})
        return [Notice(kind, to, "problem", row.id, body) for to in people]


BINDING = ProblemBinding()
