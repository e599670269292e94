"""The on-time-rate chart of the report pages (bars with a threshold line); stacked bars come from web/ui/charts.py."""

from __future__ import annotations

from dataclasses import dataclass

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
