"""A cumulative working-day count per date, built lazily a year at a time, so day arithmetic is a lookup."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from workflows.calendar_sources import YearFacts


@dataclass(frozen=True)
class IndexedYear:
    """`base` counts the working days before 1 January from the index's anchor; `cum[i]` adds days 0..i of the year."""

    base: int
    first: int  # ordinal of 1 January
    cum: tuple[int, ...]
    work: tuple[date, ...]

    @property
    def total(self) -> int:
        return len(self.work)


def index_year(found: YearFacts, base: int) -> IndexedYear:
    days = found.days()
    work = tuple(d for d in days if found.is_workday(d))
    running, cum = 0, []
    for day in days:
        running += found.is_workday(day)
        cum.append(running)
    return IndexedYear(base, days[0].toordinal(), tuple(cum), work)


class WorkdayIndex:
    """Years are indexed contiguously around the first one asked for, so every base is comparable with every other."""

    def __init__(self, facts_of: Callable[[int], YearFacts]) -> None:
        self._facts_of = facts_of
        self._years: dict[int, IndexedYear] = {}
        self._lock = threading.Lock()  # the sweep and the web threads may share one calendar

    def year(self, year: int) -> IndexedYear:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.get(year) or self._extend_to(year)
        return found

    def _extend_to(self, year: int) -> IndexedYear:
        target = self._facts_of(year)  # an unknown year fails before any neighbour is built for it
        years = self._years

        def facts(y: int) -> YearFacts:
            return target if y == year else self._facts_of(y)

        if not years:
            years[year] = index_year(target, 0)
        hi, lo = max(years), min(years)
        while hi < year:
            years[hi + 1] = index_year(facts(hi + 1), years[hi].base + years[hi].total)
            hi += 1
        while lo > year:
            below = index_year(facts(lo - 1), 0)
            years[lo - 1] = replace(below, base=years[lo].base - below.total)
            lo -= 1
        return years[year]

    def through(self, day: date) -> int:
        """Working days from the anchor up to and including `day`."""
        indexed = self.year(day.year)
        return indexed.base + indexed.cum[day.toordinal() - indexed.first]

    def before(self, day: date) -> int:
        """Working days from the anchor up to, not including, `day`; reads only `day`'s own year."""
        indexed = self.year(day.year)
        at = day.toordinal() - indexed.first
        return indexed.base + (indexed.cum[at - 1] if at else 0)

    def nth(self, count: int, near: int) -> date:
        """The working day whose running count is `count`, looking from year `near` (a step per year crossed)."""
        year = near
        while True:
            indexed = self.year(year)
            if count <= indexed.base:
                year -= 1
            elif count > indexed.base + indexed.total:
                year += 1
            else:
                return indexed.work[count - indexed.base - 1]
