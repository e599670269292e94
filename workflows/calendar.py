"""Working days of the PRC official calendar: chinesecalendar plus config/calendar.toml overrides."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar

OVERRIDE_FILE = Path(__file__).resolve().parents[1] / "config" / "calendar.toml"


class CalendarUnknown(ValueError):
    """The calendar has no data for the year of a date; never guessed."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            f"工作日历缺少 {day.year} 年的数据（日期 {day.isoformat()}）："
            f"请升级 chinesecalendar 或在 config/calendar.toml 中补充该年的放假与调休安排"
        )


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


def _package_years() -> frozenset[int]:
    known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return frozenset(range(min(known), max(known) + 1))


class WorkCalendar:
    """Answers working-day questions; a date in a year nobody knows raises CalendarUnknown."""

    def __init__(self, overrides: dict[int, YearOverride] | None = None, use_package: bool = True) -> None:
        self._overrides = dict(overrides or {})
        self._package_years = _package_years() if use_package else frozenset()
        self._cache: dict[date, bool] = {}

    @property
    def known_years(self) -> frozenset[int]:
        return self._package_years | frozenset(self._overrides)

    def is_provisional(self, day: date) -> bool:
        """Whether the day's year is only known by rule (compatibility stub until the provisional calendar)."""
        return False

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._decide(day)
        return cached

    def _decide(self, day: date) -> bool:
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
        if day.year in self._package_years:
            return bool(chinese_calendar.is_workday(day))
        if override is not None:
            return day.weekday() < 5
        raise CalendarUnknown(day)

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself when n == 0."""
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a, so add_workdays(a, result) lands on b's working day."""
        if b < a:
            return -self.workdays_between(b, a)
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


def _dates(values: list[str], where: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def load_overrides(path: Path) -> dict[int, YearOverride]:
    """Compatibility, to be removed: the composition root reads the file and calls overrides_from_data."""
    if not path.exists():
        return {}
    return overrides_from_data(tomllib.loads(path.read_text(encoding="utf-8")), str(path))


def overrides_from_data(data: dict, source: str) -> dict[int, YearOverride]:
    result: dict[int, YearOverride] = {}
    for year_text, spec in (data.get("years") or {}).items():
        year, where = int(year_text), f"{source} [years.{year_text}]"
        holidays = _dates(spec.get("holidays", []), where)
        workdays = _dates(spec.get("workdays", []), where)
        bad = sorted(d for d in holidays | workdays if d.year != year) or sorted(holidays & workdays)
        if bad:
            raise ValueError(f"{where}: 日期不属于该年或同时列为放假和上班：{'、'.join(map(str, bad))}")
        result[year] = YearOverride(holidays, workdays)
    return result


@lru_cache
def default_calendar(path: Path = OVERRIDE_FILE) -> WorkCalendar:
    return WorkCalendar(load_overrides(path))
