"""总览 figures: counts by state, category, unit and light; overdue measures; completions by month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from engine.decide import Actor
from web.ui import charts
from web.ui.fetch import visible
from workflows.lights import local_day
from workflows.reform.table import REFORM_MEASURE, STATE_LABELS

LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", None: "未知"}


@dataclass
class Overview:
    total: int
    by_state: dict[str, int]
    lights: dict[str | None, int]
    by_category: list[tuple[str, dict[str, int]]]
    by_unit: list[tuple[str, dict[str, int]]]
    overdue: list[dict]
    reviewer_overdue: list[dict]
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


def overview(session: Session, actor: Actor, now: datetime) -> Overview:
    rows = list(visible(session, actor, now))
    states = REFORM_MEASURE.state_names
    by_category: dict[str, Counter] = {}
    by_unit: dict[str, Counter] = {}
    for m in rows:
        by_category.setdefault(m["category"], Counter())[m["state"]] += 1
        by_unit.setdefault(m["units"][0] if m["units"] else "（无）", Counter())[m["state"]] += 1
    done_states = {"verified", "evaluated", "replicated"}
    months = Counter(m["verified_at"][:7] for m in rows if m.get("verified_at"))
    this_month = f"{local_day(now):%Y-%m}"
    span = month_span(min([*months, this_month]), max([*months, this_month]))
    overdue = sorted((m for m in rows if m["light"] == "red"),
                     key=lambda m: (-(m["light_detail"].get("overdue_workdays") or 0), m["id"]))
    return Overview(
        total=len(rows),
        by_state={s: sum(1 for m in rows if m["state"] == s) for s in states},
        lights=dict(Counter(m["light"] for m in rows)),
        by_category=[(c, dict(n)) for c, n in by_category.items()],
        by_unit=sorted(((u, dict(n)) for u, n in by_unit.items()), key=lambda x: (-sum(x[1].values()), x[0])),
        overdue=overdue,
        reviewer_overdue=[m for m in rows if m["light_detail"].get("reviewer_overdue")],
        completions=[(mon, months.get(mon, 0)) for mon in span],
        key_total=sum(1 for m in rows if m["key"]),
        key_done=sum(1 for m in rows if m["key"] and m["state"] in done_states),
    )


def chart_set(ov: Overview) -> dict:
    light_parts = [(LIGHT_NAMES[k], ov.lights.get(k, 0), charts.LIGHT_COLOURS[k])
                   for k in ("red", "yellow", "green", None)]
    state_parts = [(STATE_LABELS[s], n, charts.STATE_COLOURS[s]) for s, n in ov.by_state.items()]
    return {
        "lights": charts.donut(light_parts), "light_parts": light_parts,
        "states": charts.donut(state_parts), "state_parts": state_parts,
        "categories": charts.stacked_bars(ov.by_category, charts.STATE_COLOURS, STATE_LABELS),
        "units": charts.stacked_bars(ov.by_unit, charts.STATE_COLOURS, STATE_LABELS),
        "months": charts.columns(ov.completions, width=380, height=200),
    }
