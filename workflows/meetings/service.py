"""Recording a 推进会议 and finding the meetings that discussed a measure or a problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session

from engine.decide import View, cn_date
from engine.errors import FieldProblem, InvalidFields
from engine.service import WorkflowService
from workflows.access import Access
from workflows.meetings.table import MEETING, RECORD
from workflows.meetings.views import MeetingView
from workflows.supervision_models import Meeting, MeetingSubject, Problem

NUMBERS = re.compile(r"\d+")


class MeetingBinding:
    definition = MEETING
    row_type = Meeting

    def view(self, session: Session, row: Meeting) -> View:
        return View(id=row.id, state=row.state, record=row)

    def apply(self, session, row, event):
        return []


BINDING = MeetingBinding()


@dataclass
class MeetingService:
    workflow: WorkflowService
    problems: Any = None  # the ProblemService: a meeting's decision can hand referred problems to units

    def record(self, session: Session, access: Access, data: Mapping[str, Any]) -> MeetingView:
        now = self.workflow.clock.now()
        measures = [int(n) for n in NUMBERS.findall(str(data.get("measures") or ""))]
        problems = [int(n) for n in NUMBERS.findall(str(data.get("problems") or ""))]
        for mid in measures:
            access.measure(session, mid)  # a unit records meetings about measures it may see
        for pid in problems:
            found = session.get(Problem, pid)
            if found is not None:
                access.measure(session, found.measure_id)

        def build(cleaned: dict) -> Meeting:
            return Meeting(held_on=cleaned["held_on"], title=cleaned["title"], units=cleaned["units"],
                           decisions=cleaned["decisions"], recorded_by=access.actor.id, created_at=now,
                           state=RECORD.target, version=1)

        view = View(id="new meeting", state=RECORD.target)
        row, _ = self.workflow.create(session, view, access.actor, data, build)
        for kind, ids in (("measure", measures), ("problem", problems)):
            for sid in dict.fromkeys(ids):
                session.add(MeetingSubject(meeting_id=row.id, subject_type=kind, subject_id=sid))
        session.flush()
        if str(data.get("assign_units") or "").strip():
            self._assign(session, access, row, problems, data)
        return self.view(session, row)

    def _assign(self, session: Session, access: Access, row: Meeting, problems: list[int], data) -> None:
        """The decision hands each referred problem it names to the units, through the problem's own `assign`."""
        if not data.get("assign_due_date"):
            raise InvalidFields(RECORD.name, {"assign_due_date": FieldProblem("required",
                                                                              "按会议决定交办问题须填写办理时限")})
        referred = [pid for pid in dict.fromkeys(problems)
                    if (p := session.get(Problem, pid)) is not None and p.state == "referred"]
        if not referred:
            raise InvalidFields(RECORD.name, {"problems": FieldProblem(
                "rule", "“研究的问题编号”中没有“已提交研究”的问题，无法按会议决定交办")})
        comment = f"{row.title}（{cn_date(row.held_on)}）决定：{row.decisions}"
        for pid in referred:
            problem = session.get(Problem, pid)
            try:
                self.problems.workflow.fire(session, problem, "assign", access.actor,
                                            {"units": data["assign_units"], "due_date": data["assign_due_date"],
                                             "comment": comment[:2000]}, problem.version)
            except InvalidFields as exc:  # the problem's field names, as the meeting form calls them
                names = {"units": "assign_units", "due_date": "assign_due_date"}
                raise InvalidFields(RECORD.name, {names.get(k, k): v for k, v in exc.fields.items()}) from None
            session.add(MeetingSubject(meeting_id=row.id, subject_type="decided", subject_id=pid))
        session.flush()

    @staticmethod
    def any_for(kind: str, subject_id_column):
        """EXISTS a meeting about the subject: a detail reads them only then."""
        return exists().where(MeetingSubject.subject_type == kind, MeetingSubject.subject_id == subject_id_column)

    def about(self, session: Session, kind: str, subject_id: int) -> list[MeetingView]:
        stmt = (select(Meeting).join(MeetingSubject, MeetingSubject.meeting_id == Meeting.id)
                .where(MeetingSubject.subject_type == kind, MeetingSubject.subject_id == subject_id)
                .order_by(Meeting.held_on.desc(), Meeting.id.desc()))
        return [self.view(session, m) for m in session.execute(stmt).scalars()]

    def recent(self, session: Session, limit: int = 50) -> list[MeetingView]:
        stmt = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(limit)
        return [self.view(session, m) for m in session.execute(stmt).scalars()]

    def view(self, session: Session, row: Meeting) -> MeetingView:
        subjects = session.execute(select(MeetingSubject).where(MeetingSubject.meeting_id == row.id)).scalars().all()
        return MeetingView(id=row.id, held_on=row.held_on, title=row.title, units=row.units, decisions=row.decisions,
                           measures=[s.subject_id for s in subjects if s.subject_type == "measure"],
                           problems=[s.subject_id for s in subjects if s.subject_type == "problem"],
                           assigned=[s.subject_id for s in subjects if s.subject_type == "decided"])
