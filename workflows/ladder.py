"""The escalation ladder as data, and the pure decision of which rungs are due for a subject on a day.

Anchors: `due` rungs run while the unit owes the work (states tagged `owes_work`), counted from the deadline;
`signoff` rungs while a clerk's report waits for the head's 审签 (`awaiting_signoff`), counted from the day it was
submitted; `review` rungs while a report waits for 督查办 (`awaiting_review`), counted from the day it was reported;
`instruction` and `problem` rungs for a leader's 批示 waiting for its 落实情况 and a problem past its due date.
Each anchor is its own ladder: catching up after downtime sends only its highest new rung. The ladder's own
levels also say when a light turns yellow (the earliest warning before the deadline) and when a report is
overdue for 督查办 (the first review rung).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.errors import WorkflowError
from workflows.calendar import WorkCalendar
from workflows.roles import ORG

ANCHORS = ("due", "signoff", "review", "instruction", "problem")

# Not a role: the measure's 配合单位 (their clerks and heads), who may be copied on a rung (escalation.toml).
COOPERATING_UNITS = "cooperating_units"


class LadderError(WorkflowError, ValueError):
    code = "bad_config"


@dataclass(frozen=True)
class Level:
    code: str
    label: str  # 提醒, 催办, …
    anchor: str  # "due" or "review"
    offset: int  # working days from the anchor
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    rank: int = 0
    title: str = ""  # how a report column names it: "L0 提醒"

    @property
    def heading(self) -> str:
        return self.title or f"{self.code} {self.label}"


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

    @property
    def labels(self) -> dict[str, str]:
        return {lvl.code: lvl.label for lvl in self.levels}

    @property
    def headings(self) -> dict[str, str]:
        return {lvl.code: lvl.heading for lvl in self.levels}

    @property
    def due_soon_within(self) -> int:
        """Working days before the deadline at which the first warning fires: the yellow light's window."""
        early = [-lvl.offset for lvl in self.anchored("due") if lvl.offset < 0]
        return max(early, default=0)

    @property
    def review_within(self) -> int | None:
        """Working days 督查办 has before the first review rung; None when the ladder has none."""
        return min((lvl.offset for lvl in self.anchored("review")), default=None)


@dataclass(frozen=True)
class LadderSubject:
    """What the ladder needs to know of a subject; `reported_on` is the Beijing date it was reported."""

    owes_work: bool
    awaiting_review: bool
    due_date: date | None
    deadline_version: int
    extension_pending: bool
    reported_on: date | None
    awaiting_signoff: bool = False
    submitted_on: date | None = None


@dataclass(frozen=True)
class Rung:
    """One level of one ladder for one subject: fires on fire_on, at most once per key_version."""

    level: Level
    deadline: date  # the subject's due date, or the reviewer's deadline for the review ladder
    fire_on: date
    key_version: int


def anchors_of(m: LadderSubject) -> list[tuple[str, date, int]]:
    """(anchor, its date, the version that keys its rungs) for each ladder that runs for the subject now.

    A new report or submission is a new deadline for the reviewer or the head: keyed by its date."""
    found = []
    if m.owes_work and m.due_date is not None and not m.extension_pending:
        found.append(("due", m.due_date, m.deadline_version))
    if m.awaiting_signoff and m.submitted_on is not None:
        found.append(("signoff", m.submitted_on, m.submitted_on.toordinal()))
    if m.awaiting_review and m.reported_on is not None:
        found.append(("review", m.reported_on, m.reported_on.toordinal()))
    return found


def rungs(ladder: Ladder, m: LadderSubject, today: date, calendar: WorkCalendar) -> list[Rung]:
    """The rungs that are due on `today` (fire_on <= today), by anchor, lowest first within each."""
    found = []
    for anchor, day, version in anchors_of(m):
        found += anchored_rungs(ladder.anchored(anchor), day, version, today, calendar)
    return found


def next_fire_on(ladder: Ladder, m: LadderSubject, today: date, calendar: WorkCalendar) -> date | None:
    """The first day after `today` on which a rung of the subject's ladders fires, as the subject is now; None when
    no rung ever will (every ladder through, or none running)."""
    later = [fire_on for anchor, day, _ in anchors_of(m) for lvl in ladder.anchored(anchor)
             if (fire_on := calendar.add_workdays(day, lvl.offset)) > today]
    return min(later, default=None)


def anchored_rungs(levels: tuple[Level, ...], day: date, version: int, today: date, calendar: WorkCalendar
                   ) -> list[Rung]:
    """The due rungs of one ladder anchored on `day`."""
    found = []
    for lvl in levels:
        fire_on = calendar.add_workdays(day, lvl.offset)
        if fire_on <= today:
            deadline = day if lvl.anchor in ("due", "problem") else calendar.add_workdays(day, max(lvl.offset, 0))
            found.append(Rung(lvl, deadline, fire_on, version))
    return sorted(found, key=lambda r: r.level.rank)


def by_anchor(due: list[Rung]) -> dict[str, list[Rung]]:
    out: dict[str, list[Rung]] = {}
    for rung in due:
        out.setdefault(rung.level.anchor, []).append(rung)
    return out


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
        problems.append(f"anchor 须为 {' 或 '.join(ANCHORS)}")
    roles = [*spec.get("to", []), *spec.get("cc", [])]
    problems += [f"未知角色 {r!r}" for r in roles if r not in ORG.names and r != COOPERATING_UNITS]
    if not spec.get("to"):
        problems.append("至少需要一个收件角色（to）")
    if not isinstance(spec.get("offset"), int) or isinstance(spec.get("offset"), bool):
        problems.append("offset 须为整数（工作日）")
    if not spec.get("code"):
        problems.append("缺少 code")
    if problems:
        raise LadderError(f"{where} 预警级别 {spec.get('code')!r}：" + "；".join(problems))
    return Level(code=str(spec["code"]), label=str(spec.get("label", spec["code"])), anchor=spec["anchor"],
                 offset=spec["offset"], to=tuple(spec["to"]), cc=tuple(spec.get("cc", [])), rank=rank,
                 title=str(spec.get("title", "")))


def parse_ladder(data: dict, source: str = "escalation.toml") -> Ladder:
    """The ladder a TOML document declares; a Chinese error naming the file and level otherwise."""
    levels = tuple(_level(rank, spec, source) for rank, spec in enumerate(data.get("level", [])))
    codes = [lvl.code for lvl in levels]
    if not levels or len(set(codes)) != len(codes):
        raise LadderError(f"{source}：预警阶梯须至少有一个级别且代码不重复，现为 {codes}")
    return Ladder(levels)
