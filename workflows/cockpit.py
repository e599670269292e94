"""驾驶舱: the whole pilot at a glance for district leaders and the offices, every figure counted in SQL.

Overdue and due soon are the light's own SQL (workflows.lights.LightSQL: red, and yellow by the deadline), from
the cut-off dates computed once per request. A leader with 分管 units sees theirs first.
"""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import and_, case, func, select, true
from sqlmodel import Session

from engine.db import is_postgres
from workflows.access import Access
from workflows.directory import overseen_units
from workflows.instructions.service import InstructionService
from workflows.instructions.views import InstructionView
from workflows.lights import LightSQL
from workflows.models import Category, Item, Measure, MeasureUnit, Unit
from workflows.problems.table import PROBLEM
from workflows.reform.table import REFORM_MEASURE
from workflows.supervision_models import Problem

DONE = sorted(REFORM_MEASURE.tagged("done"))
LIST_SIZE = 20


class Count(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    total: int
    done: int
    overdue: int


class Late(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    item_no: str
    text: str
    unit: str
    due_date: date
    state: str
    state_label: str
    key: bool
    mine: bool  # of a unit this leader oversees


class LaggingUnit(msgspec.Struct, frozen=True, kw_only=True):
    unit: str
    overdue: int
    mine: bool


class Month(msgspec.Struct, frozen=True, kw_only=True):
    month: str
    verified: int


class Cockpit(msgspec.Struct, frozen=True, kw_only=True):
    today: date
    total: int
    by_state: dict[str, int]
    done: int
    on_time_rate: float | None
    due: int
    on_time: int
    overdue: int
    due_soon: int
    key_total: int
    key_done: int
    key_overdue: int
    categories: list[Count]
    overdue_list: list[Late]
    due_soon_list: list[Late]
    key_late: list[Late]
    lagging_units: list[LaggingUnit]
    open_problems: int
    instructions: list[InstructionView]
    trend: list[Month]
    overseen: list[str]


def local_date(session: Session, column):
    """The Beijing date of a stored UTC instant, in SQL."""
    if is_postgres(session):
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def month_of(session: Session, column):
    if is_postgres(session):
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _primary():
    return (select(MeasureUnit.measure_id, MeasureUnit.unit_id).where(MeasureUnit.position == 0)
            .subquery("primary_unit"))


def build(session: Session, access: Access, lights: LightSQL, instructions: InstructionService) -> Cockpit:
    mine, cal = set(overseen_units(session, access.actor.id)), lights.cut
    def ids(column):  # the access filter as a clause: nothing to join for those who see everything
        clause = access.measure_clause(column)
        return true() if clause is None else clause

    late, soon = lights.late(Measure.state, Measure.due_date), lights.due_soon(Measure.state, Measure.due_date)
    on_time_done = and_(Measure.state.in_(DONE), Measure.reported_at.is_not(None),
                        local_date(session, Measure.reported_at) <= func.coalesce(Measure.due_date, date.max))
    row = session.execute(select(
        func.count(), func.sum(case((Measure.state.in_(DONE), 1), else_=0)), func.sum(case((late, 1), else_=0)),
        func.sum(case((soon, 1), else_=0)), func.sum(case((Measure.key, 1), else_=0)),
        func.sum(case((and_(Measure.key, Measure.state.in_(DONE)), 1), else_=0)),
        func.sum(case((and_(Measure.key, late), 1), else_=0)),
        func.sum(case((or_due(Measure, cal), 1), else_=0)), func.sum(case((on_time_done, 1), else_=0)),
    ).where(ids(Measure.id))).one()
    total, done, overdue, due_soon, key_total, key_done, key_overdue, due, on_time = (int(v or 0) for v in row)
    states = dict(session.execute(select(Measure.state, func.count()).where(ids(Measure.id))
                                  .group_by(Measure.state)).all())
    return Cockpit(
        today=cal.today, total=total, by_state={s: states.get(s, 0) for s in REFORM_MEASURE.state_names},
        done=done, on_time_rate=round(on_time / due, 4) if due else None, due=due, on_time=on_time,
        overdue=overdue, due_soon=due_soon, key_total=key_total, key_done=key_done, key_overdue=key_overdue,
        categories=_categories(session, ids, late), overdue_list=_late(session, ids, late, mine, Measure.due_date),
        due_soon_list=_late(session, ids, soon, mine, Measure.due_date),
        key_late=_late(session, ids, and_(Measure.key, late), mine, Measure.due_date),
        lagging_units=_lagging(session, ids, late, mine), open_problems=_open_problems(session, ids),
        instructions=[instructions.view(session, access, r) for r in instructions.open_rows(session, access)][:50],
        trend=_trend(session, ids), overseen=_names(session, mine))


def or_due(table, cal):
    """应完成: due by today, or already verified."""
    return (table.due_date <= cal.today) | table.state.in_(DONE)


def _categories(session: Session, ids, late) -> list[Count]:
    stmt = (select(Category.title, func.count(), func.sum(case((Measure.state.in_(DONE), 1), else_=0)),
                   func.sum(case((late, 1), else_=0)))
            .join(Item, Item.id == Measure.item_id).join(Category, Category.id == Item.category_id)
            .where(ids(Measure.id)).group_by(Category.title, Category.seq).order_by(Category.seq))
    return [Count(name=t, total=n, done=int(d or 0), overdue=int(o or 0)) for t, n, d, o in session.execute(stmt)]


def _late(session: Session, ids, where, mine: set[int], order) -> list[Late]:
    """The first LIST_SIZE by `order` (this leader's units first): their ids from the measure table alone, then
    their items and units for those few."""
    primary = _primary()
    picked: list[int] = []
    if mine:
        picked = list(session.execute(
            select(Measure.id).join(primary, primary.c.measure_id == Measure.id)
            .where(ids(Measure.id), where, primary.c.unit_id.in_(sorted(mine)))
            .order_by(order, Measure.id).limit(LIST_SIZE)).scalars())
    if len(picked) < LIST_SIZE:
        rest = select(Measure.id).where(ids(Measure.id), where)
        if picked:
            rest = rest.where(Measure.id.not_in(picked))
        picked += session.execute(rest.order_by(order, Measure.id).limit(LIST_SIZE - len(picked))).scalars()
    if not picked:
        return []
    stmt = (select(Measure, Item.item_no, Unit.name, primary.c.unit_id)
            .join(Item, Item.id == Measure.item_id).join(primary, primary.c.measure_id == Measure.id)
            .join(Unit, Unit.id == primary.c.unit_id).where(Measure.id.in_(picked)))
    found = {m.id: (m, no, unit, uid) for m, no, unit, uid in session.execute(stmt)}
    return [Late(id=m.id, item_no=no, text=m.text, unit=unit, due_date=m.due_date, state=m.state,
                 state_label=REFORM_MEASURE.label(m.state), key=m.key, mine=uid in mine)
            for m, no, unit, uid in (found[i] for i in picked if i in found)]


def _lagging(session: Session, ids, late, mine: set[int]) -> list[LaggingUnit]:
    primary = _primary()
    stmt = (select(Unit.id, Unit.name, func.count()).join(primary, primary.c.unit_id == Unit.id)
            .join(Measure, Measure.id == primary.c.measure_id)
            .where(ids(Measure.id), late).group_by(Unit.id, Unit.name)
            .order_by(func.count().desc(), Unit.name).limit(LIST_SIZE))
    found = [LaggingUnit(unit=name, overdue=n, mine=uid in mine) for uid, name, n in session.execute(stmt)]
    return sorted(found, key=lambda u: (not u.mine, -u.overdue, u.unit))


def _open_problems(session: Session, ids) -> int:
    stmt = select(func.count()).select_from(Problem).where(ids(Problem.measure_id),
                                                           Problem.state.in_(sorted(PROBLEM.tagged("open"))))
    return session.execute(stmt).scalar_one()


def _trend(session: Session, ids) -> list[Month]:
    month = month_of(session, Measure.verified_at)
    stmt = (select(month, func.count()).where(ids(Measure.id), Measure.verified_at.is_not(None))
            .group_by(month).order_by(month))
    return [Month(month=m, verified=n) for m, n in session.execute(stmt) if m][-12:]


def _names(session: Session, unit_ids: set[int]) -> list[str]:
    if not unit_ids:
        return []
    return list(session.execute(select(Unit.name).where(Unit.id.in_(sorted(unit_ids))).order_by(Unit.id)).scalars())
