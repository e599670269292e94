"""Warning lights (红黄绿灯), computed from a subject's state and deadline and an instant; never stored.

Which states have a running deadline, which wait for 督查办, and how many working days make a light
yellow or a review late all come from the workflow definition's tags and the ladder's levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from engine.db import utc
from engine.definition import WorkflowDefinition
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.ladder import Ladder

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIGHTS = ("green", "yellow", "red")
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f2a600", "green": "#2e7d32", None: "#b0bec5"}
# The one definition of "overdue" the lights, the 月调度, the 督查考核 and the cockpit share: a measure is overdue
# once its due day has ended (24时, Beijing) without a report from the unit (a state tagged awaiting_review or
# beyond); its lateness is the working days after the due day on which the unit still owed that report. A report
# waiting for 督查办 is never the unit's delay.
REPORTED_TAGS = ("awaiting_review", "done")  # reported, or beyond: the unit has done its part


class Workdays(Protocol):
    def is_workday(self, day: date) -> bool: ...

    def workdays_between(self, a: date, b: date) -> int: ...


def reported_states(defn: WorkflowDefinition) -> frozenset[str]:
    """The states in which the unit's report stands: waiting for 督查办, or verified and beyond."""
    return frozenset().union(*(defn.tagged(tag) for tag in REPORTED_TAGS))


def past_due(due: date, instant: datetime) -> bool:
    """True once the due day has ended: from its last instant on (a finished day's cut-off is its 24时)."""
    return local_day(instant + timedelta(microseconds=1)) > due


def overdue_workdays(due: date, until: date, calendar: Workdays, owed_on: Callable[[date], bool] | None = None) -> int:
    """Working days after the due day, up to and including `until`, on which the unit still owed its report.

    `owed_on(day)` answers from the history (the reports); without it every such day counts, as the lights,
    which know only the present state of a measure that owes its report now, count them."""
    if until <= due:
        return 0
    if owed_on is None:
        return calendar.workdays_between(due, until)
    days = (due + timedelta(days=n) for n in range(1, (until - due).days + 1))
    return sum(1 for day in days if calendar.is_workday(day) and owed_on(day))


def local_day(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("local_day needs an aware instant")
    return instant.astimezone(SHANGHAI).date()


def stored_day(instant: datetime) -> date:
    """The Beijing date of a stored instant (stored instants are UTC)."""
    return utc(instant).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class LightRules:
    """The light's rules for one workflow: its tags and the ladder's windows."""

    defn: WorkflowDefinition
    due_soon_within: int
    review_within: int | None

    @classmethod
    def of(cls, defn: WorkflowDefinition, ladder: Ladder) -> LightRules:
        return cls(defn, ladder.due_soon_within, ladder.review_within)

    def owes_work(self, state: str) -> bool:
        return self.defn.has_tag(state, "owes_work")

    def awaiting_review(self, state: str) -> bool:
        return self.defn.has_tag(state, "awaiting_review")

    def reported(self, state: str) -> bool:
        return state in reported_states(self.defn)


@dataclass(frozen=True)
class LightInfo:
    light: str | None
    due_in_workdays: int | None = None
    overdue_workdays: int | None = None
    reviewer_overdue: bool = False
    missed_milestone: bool = False
    calendar: str = "official"  # official | provisional: where the working days behind the figures come from
    calendar_error: str | None = None


def light_info(measure, now: datetime, calendar: WorkCalendar, rules: LightRules,
               missed_milestone: bool = False) -> LightInfo:
    """The light and the figures behind it.

    A calendar gap is reported, never guessed: red needs only the date (past due is past due), so it
    stays red with overdue_workdays None; yellow/green need the calendar, so the light is None then.
    `missed_milestone` (倒排时间表: a milestone past its date and not done) turns a green light yellow
    while the unit still owes the work.
    """
    try:
        info = _info(measure, now, calendar, rules)
    except CalendarUnknown as exc:
        late = not rules.reported(measure.state) and measure.due_date is not None and past_due(measure.due_date, now)
        info = LightInfo("red" if late else None, calendar_error=str(exc))
    if missed_milestone and rules.owes_work(measure.state):
        info = replace(info, missed_milestone=True, light="yellow" if info.light == "green" else info.light)
    return info


def _info(measure, now: datetime, calendar: WorkCalendar, rules: LightRules) -> LightInfo:
    today = local_day(now)
    provisional = "provisional" if calendar.is_provisional(today) else "official"
    if rules.awaiting_review(measure.state):  # reported: 督查办's clock runs, not the unit's
        return LightInfo("green", reviewer_overdue=reviewer_overdue(measure, today, calendar, rules),
                         calendar=provisional)
    due = measure.due_date
    if rules.reported(measure.state) or due is None:
        return LightInfo("green", calendar=provisional)
    if calendar.is_provisional(due):
        provisional = "provisional"
    if past_due(due, now):
        return LightInfo("red", overdue_workdays=overdue_workdays(due, today, calendar), calendar=provisional)
    left = calendar.workdays_between(today, due)
    return LightInfo("yellow" if left <= rules.due_soon_within else "green", due_in_workdays=left,
                     calendar=provisional)


def reviewer_overdue(measure, today: date, calendar: WorkCalendar, rules: LightRules) -> bool:
    if rules.review_within is None or not rules.awaiting_review(measure.state) or measure.reported_at is None:
        return False
    return review_late(calendar.workdays_between(stored_day(measure.reported_at), today), rules.review_within)


def review_late(waited_workdays: int, review_within: int | None) -> bool:
    """督查办 has `review_within` working days after the day of the report; a longer wait is 核验超时."""
    return review_within is not None and waited_workdays > review_within
