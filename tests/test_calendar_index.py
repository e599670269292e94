"""Working-day arithmetic by cumulative index gives exactly what counting day by day gives, in every source."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar import CalendarUnknown, WorkCalendar, YearOverride
from workflows.calendar_index import WorkdayIndex
from workflows.calendar_sources import package_facts, package_years

FIRST, LAST = date(2004, 1, 1), date(2035, 12, 31)
LAST_PUBLISHED = max(package_years())


def naive_add(cal: WorkCalendar, day: date, n: int) -> date:
    step, remaining = timedelta(days=1 if n > 0 else -1), abs(n)
    while remaining:
        day += step
        remaining -= cal.is_workday(day)
    return day


def naive_between(cal: WorkCalendar, a: date, b: date) -> int:
    lo, hi = min(a, b), max(a, b)
    count = sum(cal.is_workday(lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1))
    return count if b >= a else -count


def overrides_strategy():
    day_in = st.dates(date(2020, 1, 1), date(2032, 12, 31))
    return st.lists(day_in, max_size=12).flatmap(lambda offs: st.lists(day_in, max_size=6).map(
        lambda ons: _overrides(offs, [d for d in ons if d not in offs])))


def _overrides(offs: list[date], ons: list[date]) -> dict[int, YearOverride]:
    years = {d.year for d in offs + ons}
    return {y: YearOverride(frozenset(d for d in offs if d.year == y), frozenset(d for d in ons if d.year == y))
            for y in years}


CALENDARS = [WorkCalendar(), WorkCalendar(use_package=False),
             WorkCalendar({2022: YearOverride(frozenset({date(2022, 6, 6)}), frozenset({date(2022, 6, 11)})),
                           2028: YearOverride(frozenset({date(2028, 1, 3)}), frozenset({date(2028, 1, 8)})),
                           # 1 January worked and 31 December off: the edges of a year's index change.
                           2030: YearOverride(frozenset({date(2030, 12, 31)}), frozenset({date(2030, 1, 1)})),
                           2031: YearOverride(workdays=frozenset({date(2031, 1, 1)}))})]
dates = st.dates(FIRST, LAST)
slow = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow
@given(cal=st.sampled_from(CALENDARS), a=dates, b=dates)
def test_workdays_between_matches_counting(cal, a, b):
    assert cal.workdays_between(a, b) == naive_between(cal, a, b)


@slow
@given(cal=st.sampled_from(CALENDARS), day=dates, n=st.integers(-400, 400))
def test_add_workdays_matches_stepping(cal, day, n):
    assert cal.add_workdays(day, n) == naive_add(cal, day, n)


@slow
@given(overrides=overrides_strategy(), day=st.dates(date(2019, 6, 1), date(2033, 6, 30)), n=st.integers(-90, 90))
def test_random_overrides_keep_both_operations_exact(overrides, day, n):
    cal = WorkCalendar(overrides)
    target = cal.add_workdays(day, n)
    assert target == naive_add(cal, day, n)
    assert cal.workdays_between(day, target) == naive_between(cal, day, target)


@given(cal=st.sampled_from(CALENDARS), day=dates, n=st.integers(-300, 300))
@settings(max_examples=100, deadline=None)
def test_adding_then_counting_returns_n(cal, day, n):
    if n == 0 or cal.is_workday(day):
        assert cal.workdays_between(day, cal.add_workdays(day, n)) == n


@pytest.mark.parametrize("cal", CALENDARS, ids=["package", "rules", "overrides"])
def test_around_every_new_year_exactly(cal):
    for year in range(FIRST.year + 1, LAST.year + 1):
        for day in (date(year - 1, 12, 30) + timedelta(days=k) for k in range(5)):
            for n in range(-4, 5):
                assert cal.add_workdays(day, n) == naive_add(cal, day, n), (day, n)
                other = day + timedelta(days=n)
                assert cal.workdays_between(day, other) == naive_between(cal, day, other), (day, other)


def test_the_documented_2022_examples():
    cal = WorkCalendar()
    assert cal.add_workdays(date(2022, 4, 29), 1) == date(2022, 5, 5)
    assert cal.add_workdays(date(2022, 5, 10), -5) == date(2022, 4, 29)
    assert cal.workdays_between(date(2022, 4, 29), date(2022, 5, 10)) == 5
    assert cal.workdays_between(date(2022, 5, 10), date(2022, 4, 29)) == -5


def test_only_the_days_crossed_must_be_known():
    # As with day-by-day counting, the edge of the known calendar is reached only when it is crossed.
    cal = WorkCalendar(use_provisional=False)
    end = date(LAST_PUBLISHED, 12, 31)
    assert cal.add_workdays(end, 0) == end and cal.workdays_between(end, end) == 0
    assert cal.workdays_between(end - timedelta(days=3), end) == naive_between(cal, end - timedelta(days=3), end)
    first_known = date(min(package_years()), 1, 1)
    assert cal.workdays_between(first_known - timedelta(days=1), first_known + timedelta(days=9)) \
        == naive_between(cal, first_known, first_known + timedelta(days=9))
    assert cal.add_workdays(first_known - timedelta(days=1), 1) == naive_add(cal, first_known - timedelta(days=1), 1)
    with pytest.raises(CalendarUnknown):
        cal.add_workdays(end, 5)
    with pytest.raises(CalendarUnknown):
        cal.workdays_between(end, end + timedelta(days=1))


def test_each_year_is_built_once_and_then_only_looked_up():
    asked: list[int] = []

    def facts_of(year):
        asked.append(year)
        return package_facts(year)

    index = WorkdayIndex(facts_of)
    first = index.nth(index.through(date(2010, 5, 5)) + 2000, 2010)
    assert first.year > 2016
    built = sorted(asked)
    assert built == sorted(set(built)) == list(range(2010, first.year + 1))
    asked.clear()
    assert index.nth(index.through(date(2010, 5, 5)) + 2000, 2010) == first
    assert index.before(date(2012, 1, 1)) == index.through(date(2011, 12, 31))
    assert asked == []


def test_threads_sharing_a_calendar_agree():
    shared, days = WorkCalendar(), [date(2004 + k, 3, 1) for k in range(0, 32, 3)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda d: shared.add_workdays(d, 300), days * 4))
    assert got == [naive_add(WorkCalendar(), d, 300) for d in days * 4]


def test_version_names_the_facts():
    base = WorkCalendar()
    extra = {2027: YearOverride(frozenset({date(2027, 3, 1)}))}
    assert WorkCalendar().version == base.version
    changed = base.with_overrides(extra)
    assert changed.version != base.version and changed.version == WorkCalendar(extra).version
    assert base.is_workday(date(2027, 3, 1)) and not changed.is_workday(date(2027, 3, 1))
    assert WorkCalendar(use_provisional=False).version != base.version
    assert WorkCalendar(use_package=False).version != base.version
