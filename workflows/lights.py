"""Warning lights (红黄绿灯), computed from a subject's state and deadline and an instant; never stored.

Which states have a running deadline, which wait for 督查办, and how many working days make a light
yellow or a review late all come from the workflow definition's tags and the ladder's levels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.db import utc
from engine.definition import WorkflowDefinition
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.ladder import Ladder

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIGHTS = ("green", "yellow", "red")
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f2a600", "green": "#2e7d32", None: "#b0bec5"}


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
    today = local_day(now)
    try:
        info = _info(measure, today, calendar, rules)
    except CalendarUnknown as exc:
        past_due = rules.owes_work(measure.state) and measure.due_date is not None and today > measure.due_date
        info = LightInfo("red" if past_due else None, calendar_error=str(exc))
    if missed_milestone and rules.owes_work(measure.state):
        info = replace(info, missed_milestone=True, light="yellow" if info.light == "green" else info.light)
    return info


def _info(measure, today: date, calendar: WorkCalendar, rules: LightRules) -> LightInfo:
    provisional = "provisional" if calendar.is_provisional(today) else "official"
    if rules.awaiting_review(measure.state):
        return LightInfo("green", reviewer_overdue=reviewer_overdue(measure, today, calendar, rules),
                         calendar=provisional)
    due = measure.due_date
    if not rules.owes_work(measure.state) or due is None:
        return LightInfo("green", calendar=provisional)
    if calendar.is_provisional(due):
        provisional = "provisional"
    if today > due:
        return LightInfo("red", overdue_workdays=calendar.workdays_between(due, today), calendar=provisional)
    left = calendar.workdays_between(today, due)
    return LightInfo("yellow" if left <= rules.due_soon_within else "green", due_in_workdays=left,
                     calendar=provisional)


def reviewer_overdue(measure, today: date, calendar: WorkCalendar, rules: LightRules) -> bool:
    if rules.review_within is None or not rules.awaiting_review(measure.state) or measure.reported_at is None:
        return False
    return calendar.workdays_between(stored_day(measure.reported_at), today) > rules.review_within
