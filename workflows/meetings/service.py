"""Recording a 推进会议 and finding the meetings that discussed a measure or a problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import select
from sqlmodel import Session

from engine.decide import View
from engine.service import WorkflowService
from workflows.access import Access
from workflows.meetings.table import MEETING, RECORD
from workflows.supervision_models import Meeting, MeetingSubject, Problem

NUMBERS = re.compile(r"\d+")


class MeetingView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    held_on: date
    title: str
    units: str
    decisions: str
    measures: list[int]
    problems: list[int]


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
        return self.view(session, row)

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
                           problems=[s.subject_id for s in subjects if s.subject_type == "problem"])
