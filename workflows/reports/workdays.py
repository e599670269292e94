"""The working-day test reports count with: the project's calendar, its gaps turned into a clear report error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from workflows.calendar import CalendarUnknown, WorkCalendar, default_calendar
from workflows.reports.periods import ReportInputError


def workday_test(calendar: WorkCalendar | None = None) -> Callable[[date], bool]:
    cal = calendar or default_calendar()

    def is_workday(day: date) -> bool:
        try:
            return cal.is_workday(day)
        except CalendarUnknown as exc:
            raise ReportInputError(f"无法生成报表：{exc}") from exc

    return is_workday
