"""倒排时间表 on a measure: list, add and act on milestones through the engine; which measures missed one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from engine.db import constants
from engine.decide import View, refusal
from engine.errors import NotFound
from engine.service import WorkflowService
from workflows.access import Access
from workflows.lights import local_day
from workflows.milestones.binding import subject
from workflows.milestones.table import ADD, MILESTONE
from workflows.models import Milestone
from workflows.reform.links import links_of
from workflows.reform.views import beijing

LIVE = tuple(s.name for s in MILESTONE.states if "removed" not in s.tags)
OPEN = MILESTONE.tagged("open")


def is_missed(ms: Milestone, today: date) -> bool:
    """Past its date and not done: what turns a measure's light yellow."""
    return ms.state in OPEN and ms.due_date < today


def missed_clause(today: date, measure_id_column) -> ColumnElement[bool]:
    """SQL: the measure has a milestone past its date and not done (`is_missed`), for the light in SQL. An
    uncorrelated IN: the database hashes the few missed measures once instead of probing per row."""
    missed = (select(Milestone.measure_id)
              .where(Milestone.state.in_(constants(sorted(OPEN))), Milestone.due_date < today))
    return measure_id_column.in_(missed)


def missed_measure_ids(session: Session, today: date, measure_ids: Iterable[int] | None = None) -> set[int]:
    """The measures (of `measure_ids`, when given) with a milestone missed by `today`. The missed are read whole
    and matched here: they are few, and a city's export names more measures than a statement binds (65,535)."""
    missed = set(session.execute(select(Milestone.measure_id).where(
        Milestone.state.in_(constants(sorted(OPEN))), Milestone.due_date < today)).scalars())
    return missed if measure_ids is None else missed.intersection(measure_ids)


class MilestoneView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    measure_id: int
    due_date: date
    description: str
    state: str
    state_label: str
    done: bool
    done_at: datetime | None
    missed: bool
    version: int
    allowed_actions: list[str]


class MilestoneList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MilestoneView]
    total: int
    may_add: bool


@dataclass
class MilestoneService:
    workflow: WorkflowService

    def list(self, session: Session, access: Access, measure_id: int) -> MilestoneList:
        access.measure(session, measure_id)
        stmt = (select(Milestone).where(Milestone.measure_id == measure_id, Milestone.state.in_(LIVE))
                .order_by(Milestone.due_date, Milestone.id))
        items = [self.view(session, access, ms) for ms in session.execute(stmt).scalars()]
        return MilestoneList(items=items, total=len(items), may_add=self.may_add(session, access, measure_id))

    def view(self, session: Session, access: Access, ms: Milestone) -> MilestoneView:
        today = local_day(self.workflow.clock.now())
        return MilestoneView(id=ms.id, measure_id=ms.measure_id, due_date=ms.due_date, description=ms.description,
                             state=ms.state, state_label=MILESTONE.label(ms.state), done=ms.done_at is not None,
                             done_at=beijing(ms.done_at), missed=is_missed(ms, today), version=ms.version,
                             allowed_actions=self.workflow.allowed(session, ms, access.actor))

    def _new(self, session: Session, access: Access, measure_id: int) -> View:
        """The milestone to be, as the creation action's checks see it."""
        measure = access.measure(session, measure_id)
        links = links_of(session, measure_id)
        return View(id=f"new@{measure_id}", state=ADD.target, owner_ids=links.primary_ids,
                    participant_ids=links.lead_ids, record=subject(session, measure),
                    extra={"measure_due": measure.due_date})

    def may_add(self, session: Session, access: Access, measure_id: int) -> bool:
        return refusal(MILESTONE, ADD, self._new(session, access, measure_id), access.actor, {}) is None

    def add(self, session: Session, access: Access, measure_id: int, data: Mapping[str, Any]) -> MilestoneView:
        """A new milestone, checked like any action and recorded as its first version in the history."""
        view = self._new(session, access, measure_id)
        now = self.workflow.clock.now()

        def build(cleaned: dict) -> Milestone:
            return Milestone(measure_id=measure_id, due_date=cleaned["due_date"], description=cleaned["description"],
                             created_by=access.actor.id, created_at=now, state=ADD.target, version=1)

        ms, _ = self.workflow.create(session, view, access.actor, data, build, extra=view.extra)
        return self.view(session, access, ms)

    def act(self, session: Session, access: Access, measure_id: int, milestone_id: int, action: str,
            body: Mapping[str, Any]) -> MilestoneView:
        access.measure(session, measure_id)
        ms = session.get(Milestone, milestone_id)
        if ms is None or ms.measure_id != measure_id or ms.state not in LIVE:
            raise NotFound("找不到该倒排节点", detail=f"milestone {milestone_id} of measure {measure_id} not found")
        fields = dict(body)
        version = fields.pop("version", None)
        version = int(version) if str(version or "").strip().isdigit() else ms.version
        self.workflow.fire(session, ms, action, access.actor, fields, version)
        return self.view(session, access, ms)
