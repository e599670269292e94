"""总览 figures: counts by state, category, unit and light; overdue measures; completions by month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
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
# lead units charted, those with the most measures first: a district has a few dozen (Wulong 24), a city hundreds,
# whose bars would make the page a few metres long on a phone (and 200 KB); the ledger filters by any unit
UNITS_CHARTED = 40


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


def _counted(session: Session, stmt) -> list[tuple]:
    """GROUP BY every labelled column of `stmt` (as a subquery, so an expression is grouped by its label)."""
    rows = stmt.subquery()
    cols = list(rows.c)
    return list(session.execute(select(*cols, func.count()).group_by(*cols)))


def overview(rt: Runtime, session: Session, access: Access, now: datetime) -> Overview:
    """Every figure counted in SQL over the measures this actor may see; lights from the one SQL light. Each
    count groups the measure table alone or joined once, into a handful of groups."""
    lights = rt.measures.light_sql(now)
    seen = access.filter(select(Measure.id)).scalar_subquery() if not access.sees_all else None

    def visible(stmt):
        return stmt if seen is None else stmt.where(Measure.id.in_(seen))

    groups = _counted(session, visible(select(
        Measure.state.label("state"), rt.measures.light_of(lights).label("light"), Measure.key.label("key"),
        lights.reviewer_overdue(Measure.state, Measure.reported_at).label("waiting_late"))))
    states, counted = Counter(), Counter()
    for state, light, _, _, n in groups:
        states[state] += n
        counted[light] += n
    by_cat = _counted(session, visible(select(Item.category_id.label("category"), Measure.state.label("state"))
                                       .join(Item, Item.id == Measure.item_id)))
    cats = {cid: (seq, title) for cid, seq, title in session.execute(
        select(Category.id, Category.seq, Category.title).where(Category.id.in_({c for c, _, _ in by_cat})))}
    by_unit = _counted(session, visible(
        select(MeasureUnit.unit_id.label("unit"), Measure.state.label("state"))
        .join(Measure, Measure.id == MeasureUnit.measure_id)
        .where(MeasureUnit.position == 0, MeasureUnit.part == LEAD)))
    unit_ids = {u for u, _, _ in by_unit}
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    units: dict[str, Counter] = {}
    for uid, state, n in by_unit:
        units.setdefault(names[uid], Counter())[state] += n
    without = Counter(states) - sum(units.values(), Counter())
    if without:
        units["（无）"] = without
    month = month_of(session, Measure.verified_at)
    months = dict(session.execute(visible(select(month, func.count()).where(Measure.verified_at.is_not(None))
                                          .group_by(month))).all())
    this_month = f"{local_day(now):%Y-%m}"
    span = month_span(min([*months, this_month]), max([*months, this_month]))
    late = lights.late(Measure.state, Measure.due_date)
    return Overview(
        total=sum(states.values()),
        by_state={s: states.get(s, 0) for s in REFORM_MEASURE.state_names},
        lights=dict(counted),
        by_category=_per_category(by_cat, cats),
        by_unit=sorted(((u, dict(n)) for u, n in units.items()), key=lambda x: (-sum(x[1].values()), x[0])),
        overdue=rt.measures.every(session, access, where=late, order=(Measure.due_date, Measure.id),
                                  limit=OVERDUE_SHOWN),
        reviewer_overdue=sum(n for _, _, _, late, n in groups if late),
        completions=[(mon, months.get(mon, 0)) for mon in span],
        key_total=sum(n for _, _, key, _, n in groups if key),
        key_done=sum(n for state, _, key, _, n in groups if key and state in DONE),
        due_soon_within=rt.config.ladder.due_soon_within,
    )


def _per_category(rows: list[tuple], cats: dict[int, tuple[int, str]]) -> list[tuple[str, dict[str, int]]]:
    out: dict[str, dict[str, int]] = {}
    for cid, state, n in sorted(rows, key=lambda r: (cats[r[0]][0], r[1])):
        counts = out.setdefault(cats[cid][1], {})
        counts[state] = counts.get(state, 0) + n
    return list(out.items())


def month_label(month: str, short: bool = False) -> str:
    """"2022-06" as 2022年6月, or 6月 under a column where many months share the axis (the caption names the span)."""
    year, mon = (int(p) for p in month.split("-"))
    return f"{mon}月" if short else f"{year}年{mon}月"


def chart_set(ov: Overview) -> dict:
    light_parts = [(LIGHT_LABELS.get(k, "未知"), ov.lights.get(k, 0), LIGHT_COLOURS[k])
                   for k in ("red", "yellow", "green", None)]
    colours = {s.name: s.colour for s in REFORM_MEASURE.states}
    labels = REFORM_MEASURE.state_labels
    state_parts = [(labels[s], n, colours[s]) for s, n in ov.by_state.items()]
    left = ov.by_unit[UNITS_CHARTED:]  # the units the chart leaves out, said under it
    return {
        "lights": charts.donut(light_parts), "light_parts": light_parts,
        "states": charts.donut(state_parts), "state_parts": state_parts,
        "categories": charts.stacked_bars(ov.by_category, colours, labels),
        "units": charts.stacked_bars(ov.by_unit[:UNITS_CHARTED], colours, labels),
        "units_left": (len(left), sum(sum(n.values()) for _, n in left)),
        "months_span": "–".join(dict.fromkeys(month_label(m) for m in (ov.completions[0][0], ov.completions[-1][0]))),
        "months": charts.columns([(month_label(mon, len(ov.completions) > 4), n) for mon, n in ov.completions],
                                 width=380, height=200),
    }
