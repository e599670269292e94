"""Chart geometry for the report pages: plain numbers a template turns into inline SVG (no scripts, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from web.ui.charts import STATE_COLOURS  # one palette for every page

LABEL_W, BAR_H, GAP, WIDTH = 150, 18, 8, 760


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    title: str


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    segments: list[Segment]
    value_text: str
    value_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rows: list[Row]
    legend: list[tuple[float, str, str]]  # (x, label, colour)
    marker_x: float | None = None
    marker_text: str = ""


def legend(entries: list[tuple[str, str]]) -> list[tuple[float, str, str]]:
    """Legend entries laid out left to right, each as wide as its label (12 px a character)."""
    out, x = [], float(LABEL_W)
    for label, colour in entries:
        out.append((x, label, colour))
        x += 24 + 12 * len(label)
    return out


def stacked(rows: list[tuple[str, dict[str, int]]], labels: dict[str, str]) -> Chart:
    """One horizontal bar per row, split by state; all bars on the same scale."""
    biggest = max((sum(parts.values()) for _, parts in rows), default=0) or 1
    scale = (WIDTH - LABEL_W - 50) / biggest
    out = []
    for idx, (label, parts) in enumerate(rows):
        x, segments = float(LABEL_W), []
        for state, count in parts.items():
            if count:
                segments.append(Segment(x, count * scale, STATE_COLOURS.get(state, "#607d8b"),
                                        f"{labels.get(state, state)}：{count}"))
                x += count * scale
        out.append(Row(_y(idx), label, segments, str(sum(parts.values())), x + 4))
    keys = [(labels[s], STATE_COLOURS[s]) for s in STATE_COLOURS if s in labels]
    return Chart(WIDTH, _y(len(rows)) + 4, out, legend(keys))


def rates(rows: list[tuple[str, float | None]], threshold: float) -> Chart:
    """One bar per unit for its on-time rate, red below the threshold, with the threshold drawn as a line."""
    span = WIDTH - LABEL_W - 60
    out = []
    for idx, (label, value) in enumerate(rows):
        width = (value or 0) * span
        colour = "#e53935" if value is not None and value < threshold else "#43a047"
        text = "—" if value is None else f"{value:.1%}"
        out.append(Row(_y(idx), label, [Segment(LABEL_W, width, colour, f"{label}：{text}")], text,
                       LABEL_W + width + 4))
    return Chart(WIDTH, _y(len(rows)) + 4, out, legend([("达标", "#43a047"), ("低于滞后线", "#e53935")]),
                 LABEL_W + threshold * span, f"滞后线 {threshold:.0%}")


def _y(idx: int) -> float:
    return 4 + idx * (BAR_H + GAP)
