"""Figures, their targets, one printed line each, the summary table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from bench.proc import VAR


@dataclass(frozen=True)
class Target:
    text: str
    check: Callable[[Figure], bool]
    backends: tuple[str, ...] = ("pg", "sqlite")
    sizes: tuple[int, ...] | None = None  # None: every size

    def applies(self, backend: str, size: int | None) -> bool:
        return backend in self.backends and (self.sizes is None or size in self.sizes)


# The targets, as data: which figure, what it must satisfy, where it is meant to hold.
TARGETS: dict[str, Target] = {
    "writes": Target("engine >= 0.7 x raw", lambda f: f.ratio >= 0.7),
    "read": Target("p99 < 100 ms (pg 1e5)", lambda f: f.value < 100, ("pg",), (100_000,)),
    "signoff_1": Target("p99 < 150 ms", lambda f: f.value < 150, ("pg",)),
    "signoff_n": Target(">= 1.6 x 1 process (2 proc)", lambda f: f.ratio >= 1.6, ("pg",)),
    "sweep_due": Target("< 15 s (pg 1e6, 1e4 due)", lambda f: f.value < 15, ("pg",), (1_000_000,)),
    "sweep_idle": Target("< 1 s (pg 1e6)", lambda f: f.value < 1, ("pg",), (1_000_000,)),
    "import": Target("<= 4 x raw", lambda f: f.ratio <= 4),
    "help": Target("< 0.5 s", lambda f: f.value < 0.5, ("cli",)),
}


@dataclass
class Figure:
    figure: str
    backend: str
    size: int | None
    kind: str  # a key of TARGETS, or "" for information only
    value: float | None = None
    value_text: str = ""
    baseline: float | None = None
    baseline_text: str = ""
    ratio: float | None = None
    status: str = "ok"  # ok | timeout | error | skipped
    note: str = ""
    data: dict = field(default_factory=dict)
    passed: bool | None = None
    applies: bool = False
    # the machine is shared: the 1-minute load average when the figure was made says how far to trust it
    loadavg: float = field(default_factory=lambda: round(os.getloadavg()[0], 2))

    @property
    def target(self) -> str:
        return TARGETS[self.kind].text if self.kind in TARGETS else "-"

    def judge(self) -> Figure:
        spec = TARGETS.get(self.kind)
        if spec is not None and self.status == "ok" and self.value is not None:
            self.applies = spec.applies(self.backend, self.size)
            try:
                self.passed = bool(spec.check(self))
            except TypeError:  # a ratio that could not be computed
                self.passed = None
        return self

    def verdict(self) -> str:
        if self.status != "ok":
            return self.status
        if self.passed is None:
            return "-"
        word = "pass" if self.passed else "FAIL"
        return word if self.applies else f"({word.lower()})"  # in parentheses: target meant for another size

    def cells(self) -> list[str]:
        where = f"{self.backend} {size_label(self.size)}".strip()
        value = self.value_text if self.status == "ok" else self.status
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        return [where, self.figure, value, self.baseline_text or "-", ratio, self.target, self.verdict()]


def size_label(size: int | None) -> str:
    if not size:
        return ""
    exponent = len(str(size)) - 1
    return f"1e{exponent}" if size == 10 ** exponent else str(size)


def line(fig: Figure) -> str:
    text = " | ".join(fig.cells())
    return text + (f"   [{fig.note}]" if fig.note else "")


def table(figures: list[Figure]) -> str:
    head = ["where", "figure", "value", "baseline", "ratio", "target", "pass/fail"]
    rows = [head] + [f.cells() for f in figures]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for n, row in enumerate(rows):
        out.append(" | ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def save(figures: list[Figure], args: dict, started: datetime) -> Path:
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / f"results-{started:%Y%m%d-%H%M%S}.json"
    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "loadavg_at_end": os.getloadavg()}
    body = {"started": started.isoformat(), "args": args, "machine": machine,
            "figures": [{**asdict(f), "target": f.target, "verdict": f.verdict()} for f in figures]}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def secs(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
