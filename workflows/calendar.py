"""Working days of the PRC official calendar for any year: overrides, then chinesecalendar, then the statutory rules.

Each year's facts come from one source. "override": dates given to the constructor (config/calendar.toml, or a
State Council notice imported into it) win date by date over the package's year, or over plain weekends in a year
the package does not know. "package": chinesecalendar knows the year (2004-2026 in 1.11.0). "provisional": nobody
has published the year yet, so weekends are off plus the statutory public holidays of 全国年节及纪念日放假办法 with
their weekday 补假 (Art. 6: a holiday on a weekend is made up on a working day), and no make-up working days, since
the 调休 swaps are decided anew each year and cannot be predicted.

The statutory days come from the `holidays` package, not from rules of our own: 春节, 端午 and 中秋 need the lunar
calendar and 清明 a solar term, astronomical tables we should not maintain by hand. `holidays` carries them for
1950-2100, follows the 2025 revision (春节 is 除夕 plus three days, 劳动节 is 1-2 May) and the 补假 rule, and is
released monthly. Its entries for published years are never used: those come from chinesecalendar or an override.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from workflows.calendar_index import WorkdayIndex
from workflows.calendar_sources import (
    OVERRIDE,
    PACKAGE,
    PROVISIONAL,
    YearFacts,
    YearOverride,
    override_facts,
    package_facts,
    package_years,
    provisional_facts,
    rule_years,
    source_versions,
)

__all__ = ["CalendarUnknown", "WorkCalendar", "YearOverride", "overrides_from_data"]

# Compatibility, to be removed: callers should read the file in the composition root and pass the data in.


class CalendarUnknown(ValueError):
    """No source can say anything about the year (outside 1950-2100 and not overridden); never guessed."""

    def __init__(self, day: date | int) -> None:
        self.day = day if isinstance(day, date) else date(day, 1, 1)
        self.year = self.day.year
        when = f"（日期 {day.isoformat()}）" if isinstance(day, date) else ""
        super().__init__(
            f"工作日历缺少 {self.year} 年的数据{when}：请升级 chinesecalendar 或在 config/calendar.toml 中补充该年的"
            f"放假与调休安排（按法定节假日规则推算只覆盖 {rule_years().start}–{rule_years().stop - 1} 年）"
        )


class WorkCalendar:
    """Answers working-day questions; the facts of one instance never change, so `version` names them."""

    def __init__(self, overrides: dict[int, YearOverride] | None = None, use_package: bool = True,
                 use_provisional: bool = True) -> None:
        self._overrides = dict(overrides or {})
        self._package_years = package_years() if use_package else range(0)
        self._flags = (use_package, use_provisional)
        self._facts: dict[int, YearFacts] = {}
        self._index = WorkdayIndex(self._facts_of)
        self._version = _version(self._overrides, source_versions(use_package, use_provisional))

    @property
    def version(self) -> str:
        """Changes whenever the facts may: other override data, another package version, other sources enabled."""
        return self._version

    def with_overrides(self, overrides: dict[int, YearOverride] | None) -> WorkCalendar:
        """A new calendar (new index, new version) with other overrides: changed facts never leak into old answers."""
        return WorkCalendar(overrides, *self._flags)

    @property
    def overrides(self) -> dict[int, YearOverride]:
        """The override years this calendar was built with (a copy), to merge others over them."""
        return dict(self._overrides)

    @property
    def known_years(self) -> frozenset[int]:
        """Years known officially (package or override)."""
        return frozenset(self._package_years) | frozenset(self._overrides)

    @property
    def known_until(self) -> int | None:
        """The last year known officially; later years are provisional."""
        return max(self.known_years, default=None)

    def source_of(self, year: int) -> str:
        source = self._source(year)
        if source is None:
            raise CalendarUnknown(year)
        return source

    def is_provisional(self, day: date) -> bool:
        return self.source_of(day.year) == PROVISIONAL

    def is_workday(self, day: date) -> bool:
        return self._facts_of(day.year, day).is_workday(day)

    def non_ordinary_days(self, year: int) -> list[tuple[date, str, str]]:
        """(date, "休" for a weekday off or "班" for a weekend worked, reason or "") in date order."""
        found = self._facts_of(year)
        rows = [(d, "休", r) for d, r in found.off.items()] + [(d, "班", r) for d, r in found.on.items()]
        return sorted(rows)

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself when n == 0."""
        if n == 0:
            return day
        if n > 0:
            after = day + timedelta(days=1)
            return self._index.nth(self._index.before(after) + n, after.year)
        previous = day - timedelta(days=1)
        return self._index.nth(self._index.through(previous) + n + 1, previous.year)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a, so add_workdays(a, result) lands on b's working day."""
        if b < a:
            return -self.workdays_between(b, a)
        if a == b:
            return 0
        # before(a + 1) equals through(a) but reads only the years of (a, b], as the day-by-day count did.
        return self._index.through(b) - self._index.before(a + timedelta(days=1))

    def _source(self, year: int) -> str | None:
        if year in self._overrides:
            return OVERRIDE
        if year in self._package_years:
            return PACKAGE
        return PROVISIONAL if self._flags[1] and year in rule_years() else None

    def _facts_of(self, year: int, day: date | None = None) -> YearFacts:
        found = self._facts.get(year)
        if found is None:
            found = self._facts[year] = self._build(year, day)
        return found

    def _build(self, year: int, day: date | None) -> YearFacts:
        source = self._source(year)
        if source is None:
            raise CalendarUnknown(day or year)
        if source == OVERRIDE:
            base = package_facts(year) if year in self._package_years else None
            return override_facts(year, self._overrides[year], base)
        return package_facts(year) if source == PACKAGE else provisional_facts(year)


def _version(overrides: dict[int, YearOverride], sources: str) -> str:
    data = {str(y): [sorted(map(str, o.holidays)), sorted(map(str, o.workdays)), sorted(map(str, o.reasons))]
            for y, o in sorted(overrides.items())}
    text = json.dumps([sources, data], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def overrides_from_data(data: Mapping, source: str) -> dict[int, YearOverride]:
    """The `[years.YYYY] holidays=[...] workdays=[...]` tables of config/calendar.toml, already parsed."""
    years = data.get("years") or {}
    if not isinstance(years, Mapping):
        raise ValueError(f"{source}: [years] 应为表（每年一个 [years.YYYY]）")
    result: dict[int, YearOverride] = {}
    for key, spec in years.items():
        year, override = _year_override(str(key), spec, f"{source} [years.{key}]")
        result[year] = override
    return result


_KEYS = {"holidays", "workdays"}


def _year_override(key: str, spec: object, where: str) -> tuple[int, YearOverride]:
    if not (key.isascii() and key.isdigit() and len(key) == 4):
        raise ValueError(f"{where}: 年份应为四位数字")
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: 应为表，包含 holidays 和/或 workdays 两个日期列表")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: 无法识别的键 {'、'.join(unknown)}（只允许 holidays、workdays）")
    year = int(key)
    holidays, workdays = _dates(spec, "holidays", where), _dates(spec, "workdays", where)
    outside = sorted(d for d in holidays | workdays if d.year != year)
    if outside:
        raise ValueError(f"{where}: 日期不属于 {year} 年：{'、'.join(map(str, outside))}")
    both = sorted(holidays & workdays)
    if both:
        raise ValueError(f"{where}: 日期同时列为放假和上班：{'、'.join(map(str, both))}")
    return year, YearOverride(holidays, workdays)


def _dates(spec: Mapping, key: str, where: str) -> frozenset[date]:
    values = spec.get(key, [])
    if not isinstance(values, list):
        raise ValueError(f"{where}: {key} 应为日期列表，例如 [\"2027-01-01\"]")
    return frozenset(_date(v, key, where) for v in values)


def _date(value: object, key: str, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # TOML's bare local date
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: {key} 中的 {value!r} 不是日期（应写成 \"2027-01-01\"）") from None
