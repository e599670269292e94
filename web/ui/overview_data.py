"""总览 figures: counts by state, category, unit and light; overdue measures; completions by month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from runtime.core import Runtime
from web.ui import charts
from workflows.access import Access
from workflows.lights import LIGHT_COLOURS, LIGHT_LABELS, local_day
from workflows.reform.table import REFORM_MEASURE

DONE = REFORM_MEASURE.tagged("done")


@dataclass
class Overview:
    total: int
    by_state: dict[str, int]
    lights: dict[str | None, int]
    by_category: list[tuple[str, dict[str, int]]]
    by_unit: list[tuple[str, dict[str, int]]]
    overdue: list
    reviewer_overdue: list
    completions: list[tuple[str, int]]
    key_total: int
    key_done: int


def month_span(first: str, last: str) -> list[str]:
    """Every YYYY-MM from first to last."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def overview(rt: Runtime, session: Session, access: Access, now: datetime) -> Overview:
    rows = rt.measures.every(session, access)
    by_category: dict[str, Counter] = {}
    by_unit: dict[str, Counter] = {}
    for m in rows:
        by_category.setdefault(m.category, Counter())[m.state] += 1
        by_unit.setdefault(m.primary_unit or "（无）", Counter())[m.state] += 1
    months = Counter(f"{local_day(m.verified_at):%Y-%m}" for m in rows if m.verified_at)
    this_month = f"{local_day(now):%Y-%m}"
    span = month_span(min([*months, this_month]), max([*months, this_month]))
    overdue = sorted((m for m in rows if m.light == "red"),
                     key=lambda m: (-(m.light_detail.overdue_workdays or 0), m.id))
    return Overview(
        total=len(rows),
        by_state={s: sum(1 for m in rows if m.state == s) for s in REFORM_MEASURE.state_names},
        lights=dict(Counter(str(m.light) if m.light else None for m in rows)),
        by_category=[(c, dict(n)) for c, n in by_category.items()],
        by_unit=sorted(((u, dict(n)) for u, n in by_unit.items()), key=lambda x: (-sum(x[1].values()), x[0])),
        overdue=overdue,
        reviewer_overdue=[m for m in rows if m.light_detail.reviewer_overdue],
        completions=[(mon, months.get(mon, 0)) for mon in span],
        key_total=sum(1 for m in rows if m.key),
        key_done=sum(1 for m in rows if m.key and m.state in DONE),
    )


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
    return {
        "lights": charts.donut(light_parts), "light_parts": light_parts,
        "states": charts.donut(state_parts), "state_parts": state_parts,
        "categories": charts.stacked_bars(ov.by_category, colours, labels),
        "units": charts.stacked_bars(ov.by_unit, colours, labels),
        "months_span": "–".join(dict.fromkeys(month_label(m) for m in (ov.completions[0][0], ov.completions[-1][0]))),
        "months": charts.columns([(month_label(mon, len(ov.completions) > 4), n) for mon, n in ov.completions],
                                 width=380, height=200),
    }
