"""The escalation ladder as data, and the pure decision of which rungs are due for a measure on a day."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from workflows.calendar import WorkCalendar

LADDER_FILE = Path(__file__).resolve().parents[1] / "config" / "escalation.toml"
ANCHORS = ("due", "reported")
ROLES = ("unit_staff", "unit_head", "supervisor", "office")
UNIT_STATES = frozenset({"assigned", "in_progress"})


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    anchor: str  # "due" or "reported"
    offset: int  # working days from the anchor
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    rank: int = 0


@dataclass(frozen=True)
class Ladder:
    levels: tuple[Level, ...]

    def level(self, code: str) -> Level:
        for lvl in self.levels:
            if lvl.code == code:
                return lvl
        raise LookupError(f"escalation level {code!r} is not in the ladder")

    def anchored(self, anchor: str) -> tuple[Level, ...]:
        return tuple(lvl for lvl in self.levels if lvl.anchor == anchor)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lvl.code for lvl in self.levels)


@dataclass(frozen=True)
class MeasureClock:
    """What the ladder needs to know of a measure; reported_on is the Beijing date it was reported."""

    state: str
    due_date: date | None
    deadline_version: int
    extension_pending: bool
    reported_on: date | None


@dataclass(frozen=True)
class Rung:
    """One level of one ladder for one measure: fires on fire_on, at most once per key_version."""

    level: Level
    deadline: date  # the measure's due date, or the reviewer's deadline for the reported ladder
    fire_on: date
    key_version: int


def rungs(ladder: Ladder, m: MeasureClock, today: date, calendar: WorkCalendar) -> list[Rung]:
    """The rungs that are due on `today` (fire_on <= today), lowest first. Raises CalendarUnknown."""
    if m.state in UNIT_STATES and m.due_date is not None and not m.extension_pending:
        anchor, levels, version = m.due_date, ladder.anchored("due"), m.deadline_version
    elif m.state == "reported" and m.reported_on is not None:
        # A new report is a new reviewer deadline: the ladder is keyed by the report's date.
        anchor, levels, version = m.reported_on, ladder.anchored("reported"), m.reported_on.toordinal()
    else:
        return []
    found = []
    for lvl in levels:
        fire_on = calendar.add_workdays(anchor, lvl.offset)
        if fire_on <= today:
            deadline = anchor if lvl.anchor == "due" else calendar.add_workdays(anchor, max(lvl.offset, 0))
            found.append(Rung(lvl, deadline, fire_on, version))
    return sorted(found, key=lambda r: r.level.rank)


def catch_up(due: list[Rung], recorded: set[tuple[str, int]]) -> tuple[Rung | None, list[Rung]]:
    """(the rung to send, the rungs to record as superseded) given what is already recorded.

    Only the highest new rung is sent, and only if nothing higher was sent before.
    """
    new = [r for r in due if (r.level.code, r.key_version) not in recorded]
    if not new:
        return None, []
    top_recorded = max((r.level.rank for r in due if (r.level.code, r.key_version) in recorded), default=-1)
    highest = new[-1]
    if highest.level.rank < top_recorded:
        return None, new
    return highest, new[:-1]


def _level(rank: int, spec: dict, where: str) -> Level:
    problems = []
    if spec.get("anchor") not in ANCHORS:
        problems.append(f"anchor must be one of {ANCHORS}")
    roles = [*spec.get("to", []), *spec.get("cc", [])]
    problems += [f"unknown role {r!r}" for r in roles if r not in ROLES]
    if not spec.get("to"):
        problems.append("needs at least one `to` role")
    if not isinstance(spec.get("offset"), int):
        problems.append("offset must be an integer number of working days")
    if problems:
        raise ValueError(f"{where} level {spec.get('code')!r}: " + "; ".join(problems))
    return Level(code=spec["code"], label=spec.get("label", spec["code"]), anchor=spec["anchor"],
                 offset=spec["offset"], to=tuple(spec["to"]), cc=tuple(spec.get("cc", [])), rank=rank)


def load_ladder(path: Path = LADDER_FILE) -> Ladder:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    levels = tuple(_level(rank, spec, str(path)) for rank, spec in enumerate(data.get("level", [])))
    codes = [lvl.code for lvl in levels]
    if not levels or len(set(codes)) != len(codes):
        raise ValueError(f"{path}: the ladder needs levels with distinct codes, got {codes}")
    return Ladder(levels)


@lru_cache
def default_ladder() -> Ladder:
    return load_ladder()
