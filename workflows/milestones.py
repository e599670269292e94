"""倒排时间表: milestones a lead unit sets on its measure, marked done, and which of them are missed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, select

from engine import history
from engine.decide import Actor
from engine.errors import MissingField, NotFound, PermissionDenied, TransitionNotAllowed
from workflows.accounts_models import UNIT_ROLES
from workflows.models import Measure, MeasureUnit, Milestone
from workflows.reform.table import STATE_LABELS

WORKFLOW = "milestone"
PLANNING_STATES = frozenset({"assigned", "in_progress"})  # a timetable is for work not yet reported
SEE_ALL = frozenset({"supervisor", "office", "admin"})


def is_missed(ms: Milestone, today: date) -> bool:
    """Past its date and not done: what turns a measure's light yellow."""
    return ms.done_at is None and ms.due_date < today


def missed_measure_ids(session: Session, today: date, measure_ids: Iterable[int] | None = None) -> set[int]:
    stmt = select(Milestone.measure_id).where(Milestone.done_at.is_(None), Milestone.due_date < today)
    if measure_ids is not None:
        stmt = stmt.where(Milestone.measure_id.in_(list(measure_ids)))
    return set(session.exec(stmt))


def may_plan(session: Session, measure_id: int, actor: Actor) -> bool:
    """Whether the timetable page should offer its forms to `actor`."""
    try:
        _planned_by(session, measure_id, actor)
    except (PermissionDenied, TransitionNotAllowed, NotFound):
        return False
    return True


def for_measure(session: Session, measure_id: int, actor: Actor) -> list[Milestone]:
    _visible(session, measure_id, actor)
    stmt = select(Milestone).where(Milestone.measure_id == measure_id).order_by(Milestone.due_date, Milestone.id)
    return list(session.exec(stmt))


def add(session: Session, measure_id: int, actor: Actor, fields: dict, now: datetime) -> Milestone:
    measure = _planned_by(session, measure_id, actor)
    due, text = _fields(fields, measure)
    ms = Milestone(measure_id=measure_id, due_date=due, description=text, created_by=actor.id, created_at=now)
    session.add(ms)
    session.flush()
    history.append(session, workflow=WORKFLOW, subject_id=ms.id, action="add_milestone", from_state=None,
                   to_state="planned", version=1, actor_id=actor.id, actor_name=actor.username, at=now,
                   comment=text, data={"measure_id": measure_id, "due_date": due.isoformat()})
    return ms


def complete(session: Session, measure_id: int, milestone_id: int, actor: Actor, now: datetime) -> Milestone:
    _planned_by(session, measure_id, actor, any_state=True)
    ms = session.get(Milestone, milestone_id)
    if ms is None or ms.measure_id != measure_id:
        raise NotFound(f"milestone {milestone_id} of measure {measure_id} not found")
    if ms.done_at is not None:
        raise TransitionNotAllowed(f"milestone {milestone_id} refused: 该节点已标记完成")
    ms.done_at = now
    session.add(ms)
    history.append(session, workflow=WORKFLOW, subject_id=ms.id, action="complete_milestone", from_state="planned",
                   to_state="done", version=2, actor_id=actor.id, actor_name=actor.username, at=now,
                   comment=ms.description, data={"measure_id": measure_id})
    session.flush()
    return ms


def as_json(ms: Milestone, today: date) -> dict:
    return {"id": ms.id, "measure_id": ms.measure_id, "due_date": ms.due_date.isoformat(),
            "description": ms.description, "done": ms.done_at is not None,
            "done_at": ms.done_at.isoformat() if ms.done_at else None, "missed": is_missed(ms, today)}


def _units(session: Session, measure_id: int) -> list[tuple[int, int]]:
    stmt = select(MeasureUnit.unit_id, MeasureUnit.position).where(MeasureUnit.measure_id == measure_id)
    return list(session.exec(stmt))


def _visible(session: Session, measure_id: int, actor: Actor) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFound(f"measure {measure_id} not found")
    if actor.role not in SEE_ALL and not actor.unit_ids & {u for u, _ in _units(session, measure_id)}:
        raise PermissionDenied(f"measure {measure_id}: user {actor.username!r} may not see it")
    return measure


def _planned_by(session: Session, measure_id: int, actor: Actor, any_state: bool = False) -> Measure:
    """The measure, when `actor` belongs to its primary lead unit (主办) and it is still being worked on."""
    measure = _visible(session, measure_id, actor)
    primary = {u for u, pos in _units(session, measure_id) if pos == 0}
    if actor.role not in UNIT_ROLES or not actor.unit_ids & primary:
        raise PermissionDenied(f"measure {measure_id}: only its lead unit may set milestones, "
                               f"not {actor.username!r}")
    if not any_state and measure.state not in PLANNING_STATES:
        raise TransitionNotAllowed(f"measure {measure_id} refused: 举措已{STATE_LABELS[measure.state]}，"
                                   f"不能再添加倒排节点")
    return measure


def _fields(fields: dict, measure: Measure) -> tuple[date, str]:
    problems: dict[str, str] = {}
    text = str(fields.get("description") or "").strip()
    if not text:
        problems["description"] = "请填写节点内容"
    due = None
    try:
        raw = fields.get("due_date")
        due = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except (TypeError, ValueError):
        problems["due_date"] = "节点日期格式应为 YYYY-MM-DD"
    if due and measure.due_date and due > measure.due_date:
        problems["due_date"] = f"节点日期不能晚于举措时间节点 {measure.due_date.isoformat()}"
    if problems:
        raise MissingField("add_milestone", list(problems), problems)
    return due, text
