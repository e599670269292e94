"""总览 figures: counts by state, category, unit and light; overdue measures; completions by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from runtime.core import Runtime
from web.ui import charts
from workflows.access import Access
from workflows.cockpit import month_of
from workflows.lights import LIGHT_COLOURS, LIGHT_LABELS, local_day
from workflows.models import LEAD, Category, Item, Measure, MeasureUnit, Unit
from workflows.reform.table import REFORM_MEASURE

DONE = REFORM_MEASURE.tagged("done")
OVERDUE_SHOWN = 50  # the most overdue first; the ledger lists them all (light=red)


@dataclass
class Overview:
    total: int
    by_state: dict[str, int]
    lights: dict[str | None, int]
    by_category: list[tuple[str, dict[str, int]]]
    by_unit: list[tuple[str, dict[str, int]]]
    overdue: list  # the OVERDUE_SHOWN most overdue; lights["red"] counts them all
    reviewer_overdue: int
    completions: list[tuple[str, int]]
    key_total: int
    key_done: int
    due_soon_within: int = 0


def month_span(first: str, last: str) -> list[str]:
    """Every YYYY-MM from first to last."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _grouped(session: Session, label, stmt) -> list[tuple[str, dict[str, int]]]:
    """(label, {state: count}) in the statement's order of first appearance."""
    out: dict[str, dict[str, int]] = {}
    for name, state, n in session.execute(stmt):
        out.setdefault(name if name is not None else label, {})[state] = n
    return list(out.items())


def overview(rt: Runtime, session: Session, access: Access, now: datetime) -> Overview:
    """Every figure counted in SQL over the measures this actor may see; lights from the one SQL light."""
    lights = rt.measures.light_sql(now)
    seen = access.filter(select(Measure.id)).scalar_subquery() if not access.sees_all else None

    def visible(stmt):
        return stmt if seen is None else stmt.where(Measure.id.in_(seen))

    states = dict(session.execute(visible(select(Measure.state, func.count()).group_by(Measure.state))).all())
    light = rt.measures.light_of(lights).label("light")
    by_light = visible(select(light, Measure.id)).subquery()
    counted = dict(session.execute(select(by_light.c.light, func.count()).group_by(by_light.c.light)).all())
    categories = _grouped(session, "", visible(
        select(Category.title, Measure.state, func.count()).join(Item, Item.id == Measure.item_id)
        .join(Category, Category.id == Item.category_id).group_by(Category.seq, Category.title, Measure.state)
        .order_by(Category.seq, Measure.state)))
    primary = (select(MeasureUnit.measure_id, Unit.name).join(Unit, Unit.id == MeasureUnit.unit_id)
               .where(MeasureUnit.position == 0, MeasureUnit.part == LEAD).subquery())
    units = _grouped(session, "（无）", visible(
        select(primary.c.name, Measure.state, func.count()).outerjoin(primary, primary.c.measure_id == Measure.id)
        .group_by(primary.c.name, Measure.state)))
    month = month_of(session, Measure.verified_at)
    months = dict(session.execute(visible(select(month, func.count()).where(Measure.verified_at.is_not(None))
                                          .group_by(month))).all())
    key_total, key_done, waiting = session.execute(visible(select(
        func.sum(case((Measure.key, 1), else_=0)),
        func.sum(case((and_(Measure.key, Measure.state.in_(sorted(DONE))), 1), else_=0)),
        func.sum(case((lights.reviewer_overdue(Measure.state, Measure.reported_at), 1), else_=0))))).one()
    this_month = f"{local_day(now):%Y-%m}"
    span = month_span(min([*months, this_month]), max([*months, this_month]))
    late = lights.late(Measure.state, Measure.due_date)
    return Overview(
        total=sum(states.values()),
        by_state={s: states.get(s, 0) for s in REFORM_MEASURE.state_names},
        lights=counted, by_category=categories,
        by_unit=sorted(units, key=lambda x: (-sum(x[1].values()), x[0])),
        overdue=rt.measures.every(session, access, where=late, order=(Measure.due_date, Measure.id),
                                  limit=OVERDUE_SHOWN),
        reviewer_overdue=int(waiting or 0),
        completions=[(mon, months.get(mon, 0)) for mon in span],
        key_total=int(key_total or 0), key_done=int(key_done or 0),
        due_soon_within=rt.config.ladder.due_soon_within,
    )


def chart_set(ov: Overview) -> dict:
    light_parts = [(LIGHT_LABELS.get(k, "未知"), ov.lights.get(k, 0), LIGHT_COLOURS[k])
                   for k in ("red", "yellow", "green", None)]
    colours = {s.name: s.colour for s in REFORM_MEASURE.states}
    labels = REFORM_MEASURE.state_labels
    state_parts = [(labels[s], n, colours[s]) for s, n in ov.by_state.items()]
    return {
        "lights": charts.donut(light_parts), "light_parts": light_parts,
        "states": charts.donut(state_parts), "state_parts": state_parts,
        "categories": charts.stacked_bars(ov.by_category, colours, labels),
        "units": charts.stacked_bars(ov.by_unit, colours, labels),
        "months": charts.columns(ov.completions, width=380, height=200),
    }
