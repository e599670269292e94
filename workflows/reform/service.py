"""The measure service behind the API and the pages: who sees what, lists, one measure, and acting on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from engine import history
from engine.decide import Actor
from engine.errors import MissingField, NotFound, PermissionDenied, WorkflowError
from engine.service import WorkflowService
from workflows import lights, milestones
from workflows.calendar import WorkCalendar, default_calendar
from workflows.models import Category, Evidence, Item, Measure, MeasureUnit, Unit
from workflows.reform.binding import pending_evidence
from workflows.reform.table import REFORM_MEASURE
from workflows.reform.views import evidence_json, history_json, measure_json

SEE_ALL = frozenset({"supervisor", "office", "admin"})
LIGHTS = ("green", "yellow", "red")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


class InvalidQuery(WorkflowError, ValueError):
    """A list filter that makes no sense; the message speaks to people."""

    code = "bad_request"
    for_people = True


@dataclass(frozen=True)
class MeasureQuery:
    state: str | None = None
    unit: str | None = None
    light: str | None = None
    item: str | None = None
    q: str | None = None
    key: bool | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def checked(self) -> MeasureQuery:
        """Blank filters dropped; a bad one raises InvalidQuery naming it."""
        clean = {name: (getattr(self, name) or "").strip() or None
                 for name in ("state", "unit", "light", "item", "q")}
        if clean["state"] and clean["state"] not in REFORM_MEASURE.state_names:
            raise InvalidQuery(f"未知状态 {clean['state']!r}，可选：{'、'.join(REFORM_MEASURE.state_names)}")
        if clean["light"] and clean["light"] not in LIGHTS:
            raise InvalidQuery(f"未知灯色 {clean['light']!r}，可选：{'、'.join(LIGHTS)}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidQuery(f"limit 须在 1 到 {MAX_LIMIT} 之间")
        if self.offset < 0:
            raise InvalidQuery("offset 不能为负数")
        return replace(self, **clean)


# -- visibility: every object is checked, reads and writes alike


def sees_all(actor: Actor) -> bool:
    return actor.role in SEE_ALL


def lead_unit_ids(session: Session, measure_id: int) -> set[int]:
    return set(session.exec(select(MeasureUnit.unit_id).where(MeasureUnit.measure_id == measure_id)))


def can_see(session: Session, measure_id: int, actor: Actor) -> bool:
    return sees_all(actor) or bool(actor.unit_ids & lead_unit_ids(session, measure_id))


def visible_measure(session: Session, measure_id: int, actor: Actor) -> Measure:
    """The measure, or NotFound / PermissionDenied for this actor."""
    row = session.get(Measure, measure_id)
    if row is None:
        raise NotFound(f"measure {measure_id} not found")
    if not can_see(session, measure_id, actor):
        raise PermissionDenied(f"measure {measure_id}: user {actor.username!r} is not of one of its lead units")
    return row


# -- reading


def light_of(row: Measure, now: datetime, calendar: WorkCalendar | None = None, missed: bool = False) -> dict:
    """lights.light_info for a measure: {light, due_in_workdays, overdue_workdays, reviewer_overdue, calendar_error}."""
    return lights.light_info(row, now, calendar or default_calendar(), missed_milestone=missed)


def missed_ids(session: Session, now: datetime, measure_ids: list[int] | None = None) -> set[int]:
    """Measures with a milestone past its date and not done (倒排时间表): their light turns yellow."""
    return milestones.missed_measure_ids(session, lights.local_day(now), measure_ids)


def units_of(session: Session, measure_ids: list[int]) -> dict[int, list[Unit]]:
    """Lead units per measure, primary first."""
    found: dict[int, list[Unit]] = {mid: [] for mid in measure_ids}
    if not measure_ids:
        return found
    stmt = (select(MeasureUnit.measure_id, Unit).join(Unit, Unit.id == MeasureUnit.unit_id)
            .where(MeasureUnit.measure_id.in_(measure_ids)).order_by(MeasureUnit.measure_id, MeasureUnit.position))
    for measure_id, unit in session.exec(stmt):
        found[measure_id].append(unit)
    return found


def _with_item():
    return (select(Measure, Item, Category).join(Item, Item.id == Measure.item_id)
            .join(Category, Category.id == Item.category_id))


def _in_units(unit_filter) -> Any:
    return Measure.id.in_(select(MeasureUnit.measure_id).join(Unit, Unit.id == MeasureUnit.unit_id)
                          .where(unit_filter))


def _filtered(actor: Actor, query: MeasureQuery):
    stmt = _with_item()
    if not sees_all(actor):
        stmt = stmt.where(_in_units(Unit.id.in_(sorted(actor.unit_ids))))
    if query.state:
        stmt = stmt.where(Measure.state == query.state)
    if query.unit:
        stmt = stmt.where(_in_units(Unit.name == query.unit))
    if query.item:
        stmt = stmt.where(Item.item_no == query.item)
    if query.key is not None:
        stmt = stmt.where(Measure.key == query.key)
    if query.q:
        stmt = stmt.where(or_(Measure.text.icontains(query.q, autoescape=True),
                              Item.title.icontains(query.q, autoescape=True),
                              _in_units(Unit.name.icontains(query.q, autoescape=True))))
    return stmt.order_by(Measure.plan_id, Measure.seq, Measure.id)


def list_measures(session: Session, actor: Actor, query: MeasureQuery, now: datetime) -> dict:
    """{"items", "total"} of the measures this actor may see, filtered and paged."""
    query = query.checked()
    stmt, calendar = _filtered(actor, query), default_calendar()
    if query.light:
        # the light is computed, not stored: filter the candidates in Python, then page
        missed = missed_ids(session, now)
        rows = [(r, light_of(r[0], now, calendar, r[0].id in missed)) for r in session.exec(stmt)]
        rows = [(r, info) for r, info in rows if info["light"] == query.light]
        total, page = len(rows), rows[query.offset:query.offset + query.limit]
    else:
        total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
        found = list(session.exec(stmt.limit(query.limit).offset(query.offset)))
        missed = missed_ids(session, now, [m.id for m, _, _ in found])
        page = [(r, light_of(r[0], now, calendar, r[0].id in missed)) for r in found]
    units = units_of(session, [m.id for (m, _, _), _ in page])
    items = [measure_json(m, item, cat, units[m.id], info) for (m, item, cat), info in page]
    return {"items": items, "total": total}


def detail(session: Session, service: WorkflowService, measure_id: int, actor: Actor) -> dict:
    """One measure with the caller's allowed actions, its history (oldest first) and evidence."""
    row = visible_measure(session, measure_id, actor)
    return _detail(session, service, row, actor)


def _detail(session: Session, service: WorkflowService, row: Measure, actor: Actor) -> dict:
    _, item, cat = session.exec(_with_item().where(Measure.id == row.id)).one()
    now = service.clock.now()
    info = light_of(row, now, missed=row.id in missed_ids(session, now, [row.id]))
    data = measure_json(row, item, cat, units_of(session, [row.id])[row.id], info)
    data["allowed_actions"] = service.allowed(session, row, actor)
    data["history"] = [history_json(rec) for rec in history.for_subject(session, REFORM_MEASURE.name, row.id)]
    data["evidence"] = [evidence_json(ev) for ev in evidence_of(session, row.id)]
    return data


def evidence_of(session: Session, measure_id: int) -> list[Evidence]:
    return list(session.exec(select(Evidence).where(Evidence.measure_id == measure_id).order_by(Evidence.id)))


# -- acting


def act(session: Session, service: WorkflowService, measure_id: int, action: str, actor: Actor,
        body: Mapping[str, Any]) -> dict:
    """Fire `action` inside the caller's write transaction; the measure as the caller now sees it."""
    row = visible_measure(session, measure_id, actor)
    fields = dict(body)
    version = expected_version(action, fields.pop("version", None))
    if action == "report" and fields.get("evidence") is None:
        fields["evidence"] = [ev.id for ev in pending_evidence(session, row.id)]
    service.fire(session, row, action, actor, fields, version)
    return _detail(session, service, row, actor)


def expected_version(action: str, raw: Any) -> int:
    if raw is None:
        raise MissingField(action, ["version"], {"version": "required"})
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
        raise MissingField(action, ["version"], {"version": "must be a whole number"})
    return int(raw)
