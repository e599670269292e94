"""Who may see and act on what: one module, a SQL filter for lists and counts and a check for single items.

Every measure-bound object (evidence, milestones, escalations, reports, instructions, problems) is visible
exactly when its measure is; the offices and operators see everything, unit users their units' measures.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import Session

from engine.decide import Actor
from engine.errors import NotFound, PermissionDenied
from workflows.models import Measure
from workflows.reform.links import Links, links_of, measures_of_units
from workflows.roles import ORG


@dataclass(frozen=True)
class Access:
    actor: Actor

    @property
    def sees_all(self) -> bool:
        return ORG.in_group(self.actor.role, "see_all")

    @property
    def is_unit_user(self) -> bool:
        return ORG.in_group(self.actor.role, "unit")

    def in_group(self, group: str) -> bool:
        return ORG.in_group(self.actor.role, group)

    def measure_clause(self, measure_id_column=None) -> ColumnElement | None:
        """A WHERE clause limiting a list to the measures this actor may see; None when it sees all."""
        if self.sees_all:
            return None
        column = Measure.id if measure_id_column is None else measure_id_column
        return column.in_(measures_of_units(self.actor.unit_ids))

    def filter(self, stmt, measure_id_column=None):
        clause = self.measure_clause(measure_id_column)
        return stmt if clause is None else stmt.where(clause)

    def measure(self, session: Session, measure_id: int) -> Measure:
        """The measure, or NotFound / PermissionDenied for this actor."""
        row = session.get(Measure, measure_id)
        if row is None:
            raise NotFound("找不到该举措", detail=f"measure {measure_id} not found")
        links = None if self.sees_all else links_of(session, measure_id)
        if links is not None and not (self.actor.unit_ids & links.member_ids):
            leads = "、".join(u.name for u in links.leads) or "其他单位"
            raise PermissionDenied(f"这项举措由{leads}牵头，不是您所在单位承担的举措，所以这里不显示它的办理情况。"
                                   "您单位的举措在工作台和台账中可以找到。",
                                   detail=f"measure {measure_id}: user {self.actor.username!r} is not of a lead unit")
        return row

    def may_see(self, session: Session, measure_id: int) -> bool:
        try:
            self.measure(session, measure_id)
        except (NotFound, PermissionDenied):
            return False
        return True

    def is_lead(self, links: Links, *, primary: bool = False) -> bool:
        """A unit user of one of the measure's lead units (of the primary one when `primary`)."""
        ids = links.primary_ids if primary else links.lead_ids
        return self.is_unit_user and bool(self.actor.unit_ids & ids)

    def require_lead(self, session: Session, measure_id: int, what: str, *, primary: bool = False) -> Links:
        links = links_of(session, measure_id)
        if not self.is_lead(links, primary=primary):
            who = "第一牵头单位" if primary else "牵头单位"
            raise PermissionDenied(f"只有{who}的人员可以{what}",
                                   detail=f"measure {measure_id}: user {self.actor.username!r} may not {what}")
        return links

    def require(self, group: str, what: str) -> None:
        """Only the roles of `group` may do `what` (read the outbox, class items, use the admin pages)."""
        if not self.in_group(group):
            raise PermissionDenied(f"您的角色不能{what}",
                                   detail=f"user {self.actor.username!r} (role {self.actor.role}) may not {what}")

    def require_own(self, owner_id: int | None, not_found: str, detail: str) -> None:
        """Something kept for the person who asked for it (an export's file): anyone else, whatever their role,
        is told it is not found, so that even its existence is not told."""
        if owner_id is None or owner_id != self.actor.id:
            raise NotFound(not_found, detail=f"{detail}: not {self.actor.username!r}'s")

    @property
    def own_unit_id(self) -> int | None:
        return next(iter(sorted(self.actor.unit_ids)), None)


def access_for(actor: Actor) -> Access:
    return Access(actor)
