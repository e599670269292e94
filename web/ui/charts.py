"""Chart geometry computed on the server; templates draw it as inline SVG (no scripts, no CDN, works offline)."""

from __future__ import annotations

from dataclasses import dataclass

BAR_H, GAP, LABEL_W, WIDTH = 18, 7, 250, 640


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    colour: str
    title: str


@dataclass(frozen=True)
class BarRow:
    y: float
    label: str
    full_label: str
    bars: list[Bar]
    total: int
    total_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_w: int
    rows: list[BarRow]
    legend: list[tuple[str, str, float, float]]  # name, colour, x, y


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    base: float
    columns: list[Column]
    ticks: list[tuple[float, int]]


@dataclass(frozen=True)
class Slice:
    colour: str
    dash: str  # stroke-dasharray on a circle whose circumference is 100
    offset: float
    title: str


def short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def stacked_bars(rows: list[tuple[str, dict[str, int]]], colours: dict, names: dict) -> BarChart:
    """One horizontal bar per row, split by key, all on the same scale."""
    biggest = max((sum(parts.values()) for _, parts in rows), default=0) or 1
    scale = (WIDTH - LABEL_W - 40) / biggest
    out = []
    for idx, (label, parts) in enumerate(rows):
        x, bars = float(LABEL_W), []
        for key, colour in colours.items():
            count = parts.get(key, 0)
            if count:
                bars.append(Bar(x, count * scale, colour, f"{label} · {names.get(key, key)}：{count}"))
                x += count * scale
        y = 6 + idx * (BAR_H + GAP)
        out.append(BarRow(y, short(label), label, bars, sum(parts.values()), x + 5))
    top = 12 + len(rows) * (BAR_H + GAP)
    legend, x, y = [], float(LABEL_W), float(top)
    for key, colour in colours.items():
        if any(parts.get(key) for _, parts in rows):
            name = names.get(key, key)
            width = 26 + 11 * len(name)  # a Chinese character is about as wide as the font size
            if x + width > WIDTH:
                x, y = float(LABEL_W), y + 16
            legend.append((name, colour, x, y))
            x += width
    return BarChart(WIDTH, int(y) + 24, LABEL_W, out, legend)


def value_ticks(biggest: int, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 in steps of 1, 2, 5, 10, 20, …, at least four steps high: one month with one
    measure reads 0–4, not a bare 0–1."""
    step = 1
    while max(biggest, 4) > step * most:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    top = max(-(-biggest // step) * step, 4 * step)
    return list(range(0, top + 1, step))


def columns(points: list[tuple[str, int]], width: int = WIDTH, height: int = 220) -> ColumnChart:
    """A column per point (for example one per month), on a whole-number axis with a few ticks."""
    tick_values = value_ticks(max((v for _, v in points), default=0))
    top = tick_values[-1]
    base, left, plot_h = height - 28.0, 36.0, height - 48.0
    step = (width - left - 10) / max(len(points), 1)
    bar = min(step * .7, 56.0)
    cols = [Column(left + i * step + (step - bar) / 2, base - v / top * plot_h, bar, v / top * plot_h, label, v)
            for i, (label, v) in enumerate(points)]
    ticks = [(base - t / top * plot_h, t) for t in tick_values]
    return ColumnChart(width, height, base, cols, ticks)


def donut(parts: list[tuple[str, int, str]]) -> list[Slice]:
    """(name, count, colour) as slices of a ring drawn with stroke-dasharray; the ring starts at 12 o'clock."""
    total = sum(n for _, n, _ in parts) or 1
    slices, done = [], 0.0
    for name, count, colour in parts:
        if not count:
            continue
        share = count / total * 100
        slices.append(Slice(colour, f"{share:.3f} {100 - share:.3f}", 25 - done, f"{name}：{count}"))
        done += share
    return slices
