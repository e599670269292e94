"""举措编号: a measure's stable key within its plan (WL22-033-1), given at its first import and never reused."""

from __future__ import annotations

import re
from collections.abc import Iterable

KNOWN_PREFIXES = {"wulong-2022": "WL22"}
KEY_FORMAT = re.compile(r"^[A-Z0-9]{1,12}-\d{3,6}-\d{1,4}$")


def key_prefix(plan_code: str) -> str:
    """The plan's part of every key: WL22 for wulong-2022; otherwise its letters (4 at most) and the year's last
    two digits (t-2022 -> T22)."""
    if plan_code in KNOWN_PREFIXES:
        return KNOWN_PREFIXES[plan_code]
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", plan_code) if p]
    letters = "".join(p for p in parts if not p.isdigit()).upper()[:4] or "P"
    years = [p for p in parts if p.isdigit()]
    return letters + (years[-1][-2:] if years else "")


def measure_key(prefix: str, item_no: str, n: int) -> str:
    number = int(item_no) if item_no.isdigit() else 0
    return f"{prefix}-{number:03d}-{n}"


def next_keys(prefix: str, item_no: str, taken: Iterable[str], count: int) -> list[str]:
    """`count` new keys for an item, after every key the plan ever gave it (so none is given twice)."""
    head = measure_key(prefix, item_no, 0).rsplit("-", 1)[0] + "-"
    used = [int(k[len(head):]) for k in taken if k.startswith(head) and k[len(head):].isdigit()]
    start = max(used, default=0) + 1
    return [measure_key(prefix, item_no, n) for n in range(start, start + count)]


class KeyCounter:
    """next_keys for a whole import: the highest number each item's keys reached, kept as they are given, so
    that naming 10⁴ new measures is linear rather than a scan of every key per measure."""

    def __init__(self, prefix: str, taken: Iterable[str]) -> None:
        self.prefix, self.top = prefix, {}
        for code in taken:
            self.add(code)

    def add(self, code: str) -> None:
        head, _, n = code.rpartition("-")
        if n.isdigit():
            self.top[head] = max(self.top.get(head, 0), int(n))

    def next(self, item_no: str) -> str:
        code = measure_key(self.prefix, item_no, 0)
        head = code.rsplit("-", 1)[0]
        n = self.top.get(head, 0) + 1
        self.top[head] = n
        return f"{head}-{n}"
