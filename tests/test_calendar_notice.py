"""A State Council holiday notice, pasted as published, becomes exactly the year's days off and make-up days."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from workflows.calendar import WorkCalendar, overrides_from_data
from workflows.calendar_notice import NoticeError, notice_to_override, override_to_toml, parse_notice

DATA = Path(__file__).parent / "data"

# The table of shared/calendar-notices/README.md, as written there: the test oracle.
README_TABLE = {
    2022: ("1.1–1.3, 1.31–2.6, 4.3–4.5, 4.30–5.4, 6.3–6.5, 9.10–9.12, 10.1–10.7",
           "1.29, 1.30, 4.2, 4.24, 5.7, 10.8, 10.9"),
    2017: ("1.1–1.2, 1.27–2.2, 4.2–4.4, 4.29–5.1, 5.28–5.30, 10.1–10.8",
           "1.22, 2.4, 4.1, 5.27, 9.30"),
}


def notice_text(year: int) -> str:
    return (DATA / f"calendar-{year}.txt").read_text(encoding="utf-8")


def table_days(year: int, cell: str) -> set[date]:
    found: set[date] = set()
    for item in cell.split(", "):
        ends = [date(year, *map(int, end.split("."))) for end in item.split("–")]
        found |= {ends[0] + timedelta(days=n) for n in range((ends[-1] - ends[0]).days + 1)}
    return found


def days_of(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


def calendar_of(text: str) -> WorkCalendar:
    notice = parse_notice(text)
    # Neither the package nor the rules: only what the notice says decides.
    return WorkCalendar({notice.year: notice_to_override(notice)}, use_package=False, use_provisional=False)


@pytest.mark.parametrize("year", sorted(README_TABLE))
def test_the_dry_run_lists_every_announced_day_as_the_readme_table(year):
    off, on = (table_days(year, cell) for cell in README_TABLE[year])
    expected = sorted([f"{d} 休" for d in off] + [f"{d} 班" for d in on])
    notice = parse_notice(notice_text(year))
    assert notice.year == year and notice.lines() == expected


@pytest.mark.parametrize("year", sorted(README_TABLE))
def test_every_day_of_the_year_works_as_the_readme_table_says(year):
    off, on = (table_days(year, cell) for cell in README_TABLE[year])
    cal = calendar_of(notice_text(year))
    for day in days_of(year):
        assert cal.is_workday(day) == (day in on or (day.weekday() < 5 and day not in off)), day


@pytest.mark.parametrize("year", [2017, 2022, 2024, 2025, 2026])
def test_every_notice_agrees_with_the_published_calendar(year):
    cal = calendar_of(notice_text(year))
    assert [d for d in days_of(year) if cal.is_workday(d) != chinese_calendar.is_workday(d)] == []


def test_the_2025_format_with_weekdays_and_lunar_notes():
    notice = parse_notice(notice_text(2025))
    by_day = {d.date: d for d in notice.days}
    assert notice.year == 2025
    assert [by_day[date(2025, 1, 28) + timedelta(days=n)].kind for n in range(8)] == ["休"] * 8
    assert by_day[date(2025, 1, 26)].kind == by_day[date(2025, 2, 8)].kind == "班"
    assert by_day[date(2025, 10, 8)].festival == "国庆节、中秋节"
    assert [d.date for d in notice.days] == sorted(by_day)
    assert date(2025, 1, 2) not in by_day  # 元旦 2025 is one day, 不调休


def test_advice_in_a_festival_line_is_not_an_arrangement():
    notice = parse_notice(notice_text(2024))
    assert date(2024, 2, 9) not in {d.date for d in notice.days}  # 除夕 2024: rest encouraged, still a working day
    assert "2024-01-01 休" in notice.lines() and "2023-12-31 休" not in notice.lines()  # 连休 stays in the year


def test_the_override_keeps_only_what_differs_from_the_week():
    override = notice_to_override(parse_notice(notice_text(2022)))
    assert date(2022, 1, 1) not in override.holidays  # a Saturday inside the span needs nothing
    assert date(2022, 1, 3) in override.holidays and override.reason(date(2022, 1, 3)) == "元旦"
    assert all(d.weekday() < 5 for d in override.holidays) and all(d.weekday() >= 5 for d in override.workdays)
    assert override.reason(date(2022, 10, 9)) == "国庆节"


def test_the_toml_block_reads_back_the_same_override():
    override = notice_to_override(parse_notice(notice_text(2017)))
    block = override_to_toml(2017, override)
    assert block.startswith("[years.2017]\n") and '"2017-10-02",  # 中秋节、国庆节' in block
    read = overrides_from_data(tomllib.loads("[years]\n" + block), "dry-run")[2017]
    assert (read.holidays, read.workdays) == (override.holidays, override.workdays)
    assert override_to_toml(2030, type(override)()) == "[years.2030]\nholidays = []\nworkdays = []\n"


def full_width(text: str) -> str:
    return text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}).replace("日（", "日　（")


def test_full_width_digits_spaces_and_weekday_spellings_read_the_same():
    for year in (2017, 2022, 2025):
        assert parse_notice(full_width(notice_text(year))).lines() == parse_notice(notice_text(year)).lines()
    short = notice_text(2017).replace("（星期", "（周")
    assert parse_notice(short).lines() == parse_notice(notice_text(2017)).lines()


TITLE_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n"


def test_the_year_comes_from_the_title_or_the_first_line():
    body = "一、元旦：1月1日（星期五）至3日（星期日）放假，共3天。\n"
    assert parse_notice(TITLE_2027 + body).lines() == ["2027-01-01 休", "2027-01-02 休", "2027-01-03 休"]
    assert parse_notice("2027年部分节假日安排\n" + body).year == 2027
    with pytest.raises(NoticeError, match="年份"):
        parse_notice(body)


def test_a_span_across_months_and_a_make_up_day_off():
    text = TITLE_2027 + ("二、春节：2月5日（农历除夕、周五）至2月11日放假调休，共7天。\n"
                         "三、元旦：1月1日放假，1月4日（星期一）补休。")
    lines = parse_notice(text).lines()
    assert lines[:2] == ["2027-01-01 休", "2027-01-04 休"]
    assert lines[2:] == [f"2027-02-{d:02d} 休" for d in range(5, 12)]


def test_joining_the_weekend_takes_the_touching_weekend_days():
    # 1 May 2027 is a Saturday: nothing before it, Sunday after it.
    notice = parse_notice(TITLE_2027 + "四、劳动节：4月30日放假，与周末连休。")
    assert notice.lines() == ["2027-04-30 休", "2027-05-01 休", "2027-05-02 休"]


@pytest.mark.parametrize(("line", "says"), [
    ("一、元旦：放假一天。", "没有日期"),
    ("一、元旦：", "没有放假日期"),
    ("一、元旦：1月1日（星期四）放假。", "标注为“星期四”，但 2027-01-01 是星期五"),
    ("一、元旦：1月1日至3日放假，共4天。", "共 4 天"),
    ("一、元旦：1月1日（周五）放假2天。", "共 2 天"),
    ("一、元旦：2026年12月31日至2027年1月2日放假。", "不在通知的 2027 年内"),
    ("一、元旦：1月3日至1月1日放假。", "早于开始日"),
    ("一、元旦：1月1日放假。1月5日（星期二）上班。", "本来就上班"),
    ("一、元旦：1月1日至3日放假。1月2日上班。", "既放假又上班"),
    ("一、元旦：1月1日放假，1月2日（星期六）补休。", "补休应在工作日"),
    ("一、元旦：1月1日放假，不调休。1月9日（星期六）上班。", "不调休"),
    ("一、元旦：2月30日放假。", "不存在的日期"),
    ("一、元旦：1月1日（补假）放假。", "括号中的“补假”无法识别"),
    ("一、元旦：1月1日放假，另行通知。", "无法识别“另行通知”"),
    ("一、元旦：3日放假。", "缺少月份"),
    ("元旦1月1日放假。", "无法识别的放假安排"),
    ("一、元旦：1月1日放假。\n二、春节：1月1日放假。", "已在“元旦”中安排过"),
])
def test_what_cannot_be_read_for_certain_is_an_error_naming_the_line(line, says):
    with pytest.raises(NoticeError, match=re.escape(says)) as raised:
        parse_notice(TITLE_2027 + "\n" + line)
    message = str(raised.value)
    assert re.match(r"第 \d+ 行：", message) and "「" in message
    number = int(re.match(r"第 (\d+) 行", message).group(1))
    assert (TITLE_2027 + "\n" + line).splitlines()[number - 1].strip() in message


def test_an_opening_sentence_for_another_year_is_an_error():
    with pytest.raises(NoticeError, match="第 2 行.*2026 年"):
        parse_notice(TITLE_2027 + "现将2026年元旦、春节放假调休日期的具体安排通知如下。\n一、元旦：1月1日放假。")


def test_a_notice_without_any_arrangement_is_an_error():
    with pytest.raises(NoticeError, match="没有找到任何放假安排"):
        parse_notice(TITLE_2027 + "节假日期间，各地区要妥善安排好值班工作。")
