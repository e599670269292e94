"""The 2022 working-day calendar (Labour Day with its make-up days, Dragon Boat) and the exact day each rung fires."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from config.loader import read_overrides as load_overrides
from tests.conftest import CONFIG
from tests.world import bj, sweep_at
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.lights import LightRules, light_info
from workflows.reform.table import REFORM_MEASURE

CAL = CONFIG.calendar
RULES = LightRules.of(REFORM_MEASURE, CONFIG.ladder)


def test_labour_day_and_dragon_boat_2022_are_off_and_make_up_days_on():
    assert CAL.is_workday(date(2022, 4, 24))  # Sunday, make-up working day
    assert CAL.is_workday(date(2022, 5, 7))  # Saturday, make-up working day
    assert not any(CAL.is_workday(date(2022, 4, 30) + timedelta(days=n)) for n in range(5))  # 4-30 .. 5-4
    assert not any(CAL.is_workday(date(2022, 6, 3) + timedelta(days=n)) for n in range(3))  # 6-3 .. 6-5
    assert CAL.is_workday(date(2022, 6, 6)) and not CAL.is_workday(date(2022, 5, 8))


def test_adding_working_days_steps_over_the_breaks():
    assert CAL.add_workdays(date(2022, 4, 29), 1) == date(2022, 5, 5)
    assert CAL.add_workdays(date(2022, 5, 10), -5) == date(2022, 4, 29)  # counts Saturday 5-7
    assert CAL.add_workdays(date(2022, 6, 2), 1) == date(2022, 6, 6)
    assert CAL.add_workdays(date(2022, 6, 4), 0) == date(2022, 6, 4)
    assert CAL.workdays_between(date(2022, 4, 29), date(2022, 5, 10)) == 5
    assert CAL.workdays_between(date(2022, 5, 10), date(2022, 4, 29)) == -5


def test_without_provisional_years_a_year_nobody_knows_is_an_error_not_a_guess(tmp_path):
    strict = WorkCalendar(use_provisional=False)
    with pytest.raises(CalendarUnknown, match="2099"):
        strict.is_workday(date(2099, 3, 2))
    assert CAL.is_provisional(date(2099, 3, 2)) and not CAL.is_provisional(date(2022, 3, 2))
    file = tmp_path / "calendar.toml"
    file.write_text('[years.2099]\nholidays = ["2099-03-02"]\nworkdays = ["2099-03-07"]\n', encoding="utf-8")
    cal = WorkCalendar(load_overrides(file), use_provisional=False)
    assert not cal.is_workday(date(2099, 3, 2))  # a Monday declared off
    assert cal.is_workday(date(2099, 3, 7))  # a Saturday declared on
    assert cal.is_workday(date(2099, 3, 3)) and not cal.is_workday(date(2099, 3, 8))
    with pytest.raises(CalendarUnknown):
        cal.is_workday(date(2100, 1, 4))
    file.write_text('[years.2099]\nholidays = ["2098-03-02"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="2098-03-02"):
        load_overrides(file)


def lit(state: str, due: date | None, reported=None) -> SimpleNamespace:
    return SimpleNamespace(state=state, due_date=due, reported_at=reported)


def test_lights_count_working_days_in_beijing():
    due = date(2022, 5, 10)
    assert light_info(lit("in_progress", due), bj("2022-04-28 23:59"), CAL, RULES).light == "green"
    assert light_info(lit("in_progress", due), bj("2022-04-29 00:01"), CAL, RULES).due_in_workdays == 5
    assert light_info(lit("in_progress", due), bj("2022-04-29 00:01"), CAL, RULES).light == "yellow"
    assert light_info(lit("assigned", due), bj("2022-05-10 23:59"), CAL, RULES).light == "yellow"
    late = light_info(lit("assigned", due), bj("2022-05-11 00:01"), CAL, RULES)
    assert (late.light, late.overdue_workdays) == ("red", 1)
    assert light_info(lit("reported", due), bj("2022-06-30 09:00"), CAL, RULES).light == "green"


def test_reviewer_clock_is_five_working_days_after_reporting():
    m = lit("reported", None, bj("2022-04-28 10:00"))
    assert not light_info(m, bj("2022-05-09 18:00"), CAL, RULES).reviewer_overdue  # 5th working day
    assert light_info(m, bj("2022-05-10 08:00"), CAL, RULES).reviewer_overdue


def test_a_calendar_gap_keeps_what_is_certain_and_says_so():
    strict = WorkCalendar(use_provisional=False)
    gap = light_info(lit("in_progress", date(2027, 3, 31)), bj("2027-03-01 09:00"), strict, RULES)
    assert gap.light is None and "2027" in gap.calendar_error
    late = light_info(lit("in_progress", date(2022, 6, 30)), bj("2027-03-01 09:00"), strict, RULES)
    assert late.light == "red" and late.overdue_workdays is None and late.calendar_error


def test_a_provisional_year_keeps_the_lights_on_and_says_so():
    soon = light_info(lit("in_progress", date(2027, 3, 31)), bj("2027-03-29 09:00"), CAL, RULES)
    assert soon.light == "yellow" and soon.calendar == "provisional" and soon.calendar_error is None
    late = light_info(lit("in_progress", date(2026, 12, 31)), bj("2027-01-06 12:00"), CAL, RULES)
    assert late.light == "red" and late.overdue_workdays >= 2 and late.calendar == "provisional"


def fire_days(rt, measure_id: int, first: date, last: date) -> dict[str, date]:
    """Sweep twice a day (00:05 and 23:55 Beijing) and note the day each level was first written."""
    from tests.world import escalations

    seen: dict[str, date] = {}
    day = first
    while day <= last:
        for hhmm in ("00:05", "23:55"):
            result = sweep_at(rt, f"{day.isoformat()} {hhmm}")
            assert not result.superseded, f"daily sweeps never need catching up ({day})"
            for level, _version, _status in escalations(rt, measure_id):
                seen.setdefault(level, day)
        day += timedelta(days=1)
    return seen


@pytest.fixture
def unit_people(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"),
           ("rev", "supervisor", "区政府督查办"))


def test_due_the_day_before_labour_day(rt, unit_people):
    m = measure(rt, date(2022, 4, 29))
    # L0 lands on Sunday 4-24, a make-up working day; L1 on the first working day after the break.
    assert fire_days(rt, m, date(2022, 4, 20), date(2022, 5, 20)) == {
        "L0": date(2022, 4, 24), "L1": date(2022, 5, 5), "L2": date(2022, 5, 10), "L3": date(2022, 5, 17)}


def test_due_after_labour_day_counts_the_saturday_make_up_day(rt, unit_people):
    m = measure(rt, date(2022, 5, 10))
    days = fire_days(rt, m, date(2022, 4, 25), date(2022, 5, 12))
    assert days == {"L0": date(2022, 4, 29), "L1": date(2022, 5, 11)}


def test_due_before_dragon_boat(rt, unit_people):
    m = measure(rt, date(2022, 6, 2))
    assert fire_days(rt, m, date(2022, 5, 24), date(2022, 6, 17)) == {
        "L0": date(2022, 5, 26), "L1": date(2022, 6, 6), "L2": date(2022, 6, 10), "L3": date(2022, 6, 17)}


def test_reviewer_reminder_across_labour_day(rt, unit_people):
    m = measure(rt, date(2022, 6, 30), state="reported", reported_at=bj("2022-04-28 16:00"))
    assert fire_days(rt, m, date(2022, 4, 28), date(2022, 5, 12)) == {"review": date(2022, 5, 9)}
