"""The working days reports count with: the deployment's calendar, its gaps turned into a clear report error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.reports.periods import ReportInputError


@dataclass(frozen=True)
class ReportCalendar:
    """The calendar as workflows.lights.Workdays; a year it does not know stops the report with a message."""

    calendar: WorkCalendar

    def is_workday(self, day: date) -> bool:
        try:
            return self.calendar.is_workday(day)
        except CalendarUnknown as exc:
            raise ReportInputError(f"无法生成报表：{exc}") from exc

    def workdays_between(self, a: date, b: date) -> int:
        try:
            return self.calendar.workdays_between(a, b)
        except CalendarUnknown as exc:
            raise ReportInputError(f"无法生成报表：{exc}") from exc
