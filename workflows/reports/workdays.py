"""The working-day test reports count with: the deployment's calendar, its gaps turned into a clear report error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.reports.periods import ReportInputError


def workday_test(calendar: WorkCalendar) -> Callable[[date], bool]:
    def is_workday(day: date) -> bool:
        try:
            return calendar.is_workday(day)
        except CalendarUnknown as exc:
            raise ReportInputError(f"无法生成报表：{exc}") from exc

    return is_workday
