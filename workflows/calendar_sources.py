"""One year's working-day facts from each source: an override, the chinesecalendar package, or the statutory rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version as distribution_version
from types import MappingProxyType

import chinese_calendar

OVERRIDE, PACKAGE, PROVISIONAL = "override", "package", "provisional"


@cache
def rule_years() -> range:
    """The years the statutory rules cover: they need the lunar tables of `holidays`, and outside them a year
    cannot even be guessed. `holidays` loads every country's rules, so it is imported when first asked."""
    from holidays.countries.china import China

    return range(China.start_year, China.end_year + 1)


def __getattr__(name: str):
    if name == "RULE_YEARS":  # the constant's old name
        return rule_years()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class YearOverride:
    """One year's dates that differ from the base: `holidays` are off, `workdays` are on; `reasons` name them."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    reasons: tuple[tuple[date, str], ...] = ()

    def reason(self, day: date) -> str:
        return dict(self.reasons).get(day, "")


@dataclass(frozen=True)
class YearFacts:
    """Only the deviations from the ordinary week: weekdays off and weekend days worked, each with its reason."""

    year: int
    source: str
    off: Mapping[date, str]
    on: Mapping[date, str]

    def is_workday(self, day: date) -> bool:
        return day not in self.off if day.weekday() < 5 else day in self.on

    def days(self) -> list[date]:
        first = date(self.year, 1, 1)
        return [first + timedelta(days=n) for n in range((date(self.year + 1, 1, 1) - first).days)]


def facts(year: int, source: str, off: dict[date, str], on: dict[date, str]) -> YearFacts:
    return YearFacts(year, source, MappingProxyType(dict(off)), MappingProxyType(dict(on)))


@cache
def package_years() -> range:
    known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return range(min(known), max(known) + 1)


_CHINESE = {h.value: h.chinese for h in chinese_calendar.Holiday}


def package_facts(year: int) -> YearFacts:
    # The package's own is_workday is exactly "listed workday, else listed holiday, else Monday-Friday".
    off = {d: _CHINESE.get(n, n) for d, n in chinese_calendar.holidays.items() if d.year == year and d.weekday() < 5}
    on = {d: _CHINESE.get(n, n) for d, n in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= 5}
    return facts(year, PACKAGE, off, on)


def provisional_facts(year: int) -> YearFacts:
    """Weekends plus the statutory days and their weekday 补假; there are never make-up working days."""
    import holidays

    rules = holidays.country_holidays("CN", years=year, language="zh_CN")
    off = {d: "、".join(rules.get_list(d)) for d in rules if d.weekday() < 5}
    return facts(year, PROVISIONAL, off, {})


def override_facts(year: int, override: YearOverride, base: YearFacts | None) -> YearFacts:
    """The override wins date by date over `base` (the package's year), or over plain weekends when there is none."""
    off = dict(base.off) if base else {}
    on = dict(base.on) if base else {}
    reasons = dict(override.reasons)
    for day in override.holidays:
        on.pop(day, None)
        if day.weekday() < 5:
            off[day] = reasons.get(day) or off.get(day, "")
    for day in override.workdays:
        off.pop(day, None)
        if day.weekday() >= 5:
            on[day] = reasons.get(day) or on.get(day, "")
    return facts(year, OVERRIDE, off, on)


@cache
def source_versions(use_package: bool, use_provisional: bool) -> str:
    parts = [f"chinesecalendar={distribution_version('chinesecalendar')}" if use_package else "no-package",
             f"holidays={distribution_version('holidays')}" if use_provisional else "no-provisional"]
    return ";".join(parts)
