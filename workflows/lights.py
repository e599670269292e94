"""Warning lights (红黄绿灯), computed from a measure and an instant; never stored as a state."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.db import utc
from workflows.calendar import CalendarUnknown, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNIT_STATES = frozenset({"assigned", "in_progress"})  # the unit still owes the work
YELLOW_WITHIN = 5  # working days before the due date
REVIEW_WITHIN = 5  # working days 督查办 has to verify a reported measure


def local_day(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("light_info needs an aware instant")
    return instant.astimezone(SHANGHAI).date()


def stored_day(instant: datetime) -> date:
    """The Beijing date of a stored instant (stored instants are UTC)."""
    return utc(instant).astimezone(SHANGHAI).date()


def light_info(measure, now: datetime, calendar: WorkCalendar, missed_milestone: bool = False) -> dict:
    """Light and the figures behind it.

    A calendar gap is reported, never guessed: red needs only the date (past due is past due), so it
    stays red with overdue_workdays None; yellow/green need the calendar, so light is None then.
    `missed_milestone` (倒排时间表: a milestone past its date and not done) turns a green light yellow
    while the unit still owes the work.
    """
    today = local_day(now)
    info = {"light": "green", "due_in_workdays": None, "overdue_workdays": None,
            "reviewer_overdue": False, "calendar_error": None}
    try:
        _fill(info, measure, today, calendar)
    except CalendarUnknown as exc:
        info["calendar_error"] = str(exc)
        if info["light"] != "red":
            info["light"] = None
    if missed_milestone and measure.state in UNIT_STATES:
        info["missed_milestone"] = True
        if info["light"] == "green":
            info["light"] = "yellow"
    return info


def _fill(info: dict, measure, today: date, calendar: WorkCalendar) -> None:
    if measure.state == "reported":
        info["reviewer_overdue"] = reviewer_overdue(measure, today, calendar)
        return
    due = measure.due_date
    if measure.state not in UNIT_STATES or due is None:
        return
    if today > due:
        info["light"] = "red"
        info["overdue_workdays"] = calendar.workdays_between(due, today)
        return
    info["due_in_workdays"] = left = calendar.workdays_between(today, due)
    info["light"] = "yellow" if left <= YELLOW_WITHIN else "green"


def reviewer_overdue(measure, today: date, calendar: WorkCalendar) -> bool:
    if measure.state != "reported" or measure.reported_at is None:
        return False
    return calendar.workdays_between(stored_day(measure.reported_at), today) > REVIEW_WITHIN
