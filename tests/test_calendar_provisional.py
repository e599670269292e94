"""Every year 1950-2100 has a calendar: an override, the package, or the statutory rules marked provisional."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from workflows.calendar import (
    CalendarUnknown,
    WorkCalendar,
    YearOverride,
    overrides_from_data,
)
from workflows.calendar_sources import RULE_YEARS, package_years

CAL = WorkCalendar()
LAST_PUBLISHED = max(package_years())
FIRST_UNPUBLISHED = LAST_PUBLISHED + 1


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def test_each_year_names_its_source():
    assert CAL.source_of(2022) == "package"
    assert CAL.source_of(FIRST_UNPUBLISHED) == "provisional"
    assert CAL.known_until == LAST_PUBLISHED
    assert CAL.is_provisional(date(FIRST_UNPUBLISHED, 3, 1)) and not CAL.is_provisional(date(2022, 3, 1))
    ahead = WorkCalendar({FIRST_UNPUBLISHED: YearOverride()})
    assert ahead.source_of(FIRST_UNPUBLISHED) == "override" and ahead.known_until == FIRST_UNPUBLISHED
    assert not ahead.is_provisional(date(FIRST_UNPUBLISHED, 3, 1))


def test_a_package_year_is_the_package_day_by_day():
    for year in (2004, 2017, 2022, LAST_PUBLISHED):
        assert [CAL.is_workday(d) for d in days_of(year)] == [chinese_calendar.is_workday(d) for d in days_of(year)]


def test_provisional_2027_has_the_statutory_days_of_the_2025_rules():
    # 2027: lunar new year's day is Saturday 6 February, 清明 Monday 5 April, 端午 9 June, 中秋 15 September.
    rules = WorkCalendar(use_package=False)  # still the rules once a package release knows 2027
    off = {d for d, kind, _ in rules.non_ordinary_days(2027) if kind == "休"}
    assert {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 4, 5), date(2027, 6, 9),
            date(2027, 9, 15), date(2027, 10, 1)} <= off  # 元旦, 除夕, 初三, 清明, 端午, 中秋, 国庆
    # 补假: the statutory days on a weekend are made up on weekdays (春节 2, 劳动节 2, 国庆节 2 in 2027).
    assert len(off) == 13
    assert not rules.is_workday(date(2027, 5, 3)) and not rules.is_workday(date(2027, 5, 4))
    assert rules.is_workday(date(2027, 5, 6)) and rules.source_of(2027) == "provisional"


def test_provisional_years_never_have_make_up_days_and_never_raise():
    for year in range(FIRST_UNPUBLISHED, RULE_YEARS.stop, 7):
        assert all(kind == "休" for _, kind, _ in CAL.non_ordinary_days(year)), year
        assert not any(CAL.is_workday(d) for d in days_of(year) if d.weekday() >= 5), year
    assert CAL.add_workdays(date(LAST_PUBLISHED, 12, 31), 250).year == FIRST_UNPUBLISHED + 1
    assert CAL.is_workday(date(RULE_YEARS.start, 3, 1)) in (True, False)


def test_the_rules_never_contradict_a_published_year():
    # Every weekday the rules alone would give off was also off in the published calendar.
    rules_only = WorkCalendar(use_package=False)
    for year in (2017, 2022, 2025, LAST_PUBLISHED):
        ruled = {d for d, kind, _ in rules_only.non_ordinary_days(year) if kind == "休"}
        assert ruled and all(not chinese_calendar.is_workday(d) for d in ruled), year


def test_outside_the_rules_a_year_is_unknown_and_said_in_chinese():
    for day in (date(RULE_YEARS.start - 1, 6, 1), date(RULE_YEARS.stop, 6, 1)):
        with pytest.raises(CalendarUnknown, match=f"{day.year} 年") as raised:
            CAL.is_workday(day)
        assert raised.value.day == day
    with pytest.raises(CalendarUnknown, match=str(FIRST_UNPUBLISHED)):
        WorkCalendar(use_provisional=False).is_workday(date(FIRST_UNPUBLISHED, 1, 4))
    with pytest.raises(CalendarUnknown):
        CAL.source_of(RULE_YEARS.stop)


def test_an_override_year_is_its_lists_on_plain_weekends():
    monday, saturday = date(2027, 3, 1), date(2027, 3, 6)
    cal = WorkCalendar({2027: YearOverride(frozenset({monday}), frozenset({saturday}))})
    assert not cal.is_workday(monday) and cal.is_workday(saturday)
    assert cal.is_workday(date(2027, 1, 1))  # the override replaces the rules: it names every day off
    assert cal.non_ordinary_days(2027) == [(monday, "休", ""), (saturday, "班", "")]


def test_an_override_of_a_package_year_corrects_it_date_by_date():
    cal = WorkCalendar({2022: YearOverride(frozenset({date(2022, 6, 6), date(2022, 5, 7)}))})
    assert not cal.is_workday(date(2022, 6, 6)) and not cal.is_workday(date(2022, 5, 7))
    assert cal.is_workday(date(2022, 4, 24)) and not cal.is_workday(date(2022, 5, 4))  # the rest is the package's


def test_non_ordinary_days_of_a_package_year_name_the_festival():
    rows = CAL.non_ordinary_days(2022)
    assert (date(2022, 10, 8), "班", "国庆节") in rows and (date(2022, 2, 1), "休", "春节") in rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert all((kind == "休") == (d.weekday() < 5) for d, kind, _ in rows)


def test_overrides_from_data_reads_the_toml_structure():
    data = tomllib.loads('[years.2027]\nholidays = ["2027-02-09", 2027-02-10]\nworkdays = ["2027-02-14"]\n')
    found = overrides_from_data(data, "calendar.toml")
    assert found == {2027: YearOverride(frozenset({date(2027, 2, 9), date(2027, 2, 10)}),
                                        frozenset({date(2027, 2, 14)}))}
    assert overrides_from_data({}, "x") == {} and overrides_from_data({"years": {}}, "x") == {}


@pytest.mark.parametrize(("spec", "says"), [
    ({"holidays": ["2026-02-09"]}, "不属于 2027 年"),
    ({"holidays": ["2027-02-09"], "workdays": ["2027-02-09"]}, "同时列为放假和上班"),
    ({"holidays": ["2027-02-30"]}, "不是日期"),
    ({"holiday": ["2027-02-09"]}, "无法识别的键 holiday"),
    ({"holidays": "2027-02-09"}, "应为日期列表"),
    ("2027-02-09", "应为表"),
])
def test_bad_override_data_names_the_source_and_year(spec, says):
    with pytest.raises(ValueError, match=says) as raised:
        overrides_from_data({"years": {"2027": spec}}, "config/calendar.toml")
    assert "config/calendar.toml [years.2027]" in str(raised.value)


def test_a_year_key_must_be_a_year():
    with pytest.raises(ValueError, match="四位数字"):
        overrides_from_data({"years": {"27": {}}}, "x.toml")


def test_lights_keep_counting_into_an_unpublished_year():
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from tests.conftest import CONFIG
    from workflows.lights import LightRules, light_info
    from workflows.reform.table import REFORM_MEASURE

    rules = LightRules.of(REFORM_MEASURE, CONFIG.ladder)

    def light(due: date, today: datetime):
        return light_info(SimpleNamespace(state="in_progress", due_date=due, reported_at=None), today, CAL, rules)

    now = datetime(FIRST_UNPUBLISHED, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    due = date(FIRST_UNPUBLISHED, 3, 31)
    ahead = light(due, now)
    assert ahead.calendar_error is None and ahead.due_in_workdays == CAL.workdays_between(now.date(), due)
    assert ahead.calendar == "provisional"
    late = light(date(2022, 6, 30), now)
    assert late.light == "red" and late.overdue_workdays == CAL.workdays_between(date(2022, 6, 30), now.date())
    gap = light(date(RULE_YEARS.stop, 3, 31), now)
    assert gap.light is None and str(RULE_YEARS.stop) in gap.calendar_error
