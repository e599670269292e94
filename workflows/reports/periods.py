"""Report periods (a month, a year) in Asia/Shanghai, with the cut-off a report is computed as of."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from engine.db import utc as as_utc  # aware UTC; the one definition is engine.db.utc
from engine.errors import WorkflowError

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2099
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class ReportInputError(WorkflowError, ValueError):
    """A report parameter a person got wrong; the message is for people, in Chinese (HTTP 400, exit 2)."""

    code = "bad_request"
    for_people = True  # web.errors shows the message itself, not a generic one


class BadPeriod(ReportInputError):
    """A month or year a report cannot be made for."""


@dataclass(frozen=True)
class Period:
    """[first, last] as calendar days; `cutoff` is the instant the figures are taken at."""

    label: str
    key: str
    first: date
    last: date
    cutoff: datetime

    @cached_property  # read for every measure's every event by a report: worked out once
    def start(self) -> datetime:
        return local_start(self.first)

    @property
    def cutoff_day(self) -> date:
        return self.cutoff.astimezone(SHANGHAI).date()

    @property
    def running(self) -> bool:
        """True while the period has not ended: the figures are as of now, not of its last day."""
        return self.cutoff < end_of_day(self.last)

    def contains(self, instant: datetime) -> bool:
        return self.start <= as_utc(instant) <= self.cutoff


def local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC)


def local_day(instant: datetime) -> date:
    return as_utc(instant).astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The last instant of a Shanghai calendar day."""
    return local_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def parse_month(text: str | None, now: datetime) -> Period:
    if not text or not str(text).strip():
        raise BadPeriod("请指定月份，格式为 YYYY-MM，例如 2022-06")
    found = _MONTH.match(str(text))
    if not found:
        raise BadPeriod(f"月份格式不正确：{text!r}，应为 YYYY-MM，例如 2022-06")
    year, month = int(found[1]), int(found[2])
    _check_year(year, text)
    if not 1 <= month <= 12:
        raise BadPeriod(f"月份不正确：{text!r}，月份应在 01 至 12 之间")
    first = date(year, month, 1)
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))
    return _bounded(f"{year}年{month}月", f"{year:04d}-{month:02d}", first, last, now, "月份")


def parse_year(text: str | int | None, now: datetime) -> Period:
    if text is None or not str(text).strip():
        raise BadPeriod("请指定年度，格式为 YYYY，例如 2022")
    found = _YEAR.match(str(text))
    if not found:
        raise BadPeriod(f"年度格式不正确：{text!r}，应为四位数字，例如 2022")
    year = int(found[1])
    _check_year(year, text)
    return _bounded(f"{year}年", f"{year:04d}", date(year, 1, 1), date(year, 12, 31), now, "年度")


def _check_year(year: int, text: object) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadPeriod(f"年份超出范围：{text!r}，应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间")


def _bounded(label: str, key: str, first: date, last: date, now: datetime, noun: str) -> Period:
    if local_start(first) > as_utc(now):
        raise BadPeriod(f"{noun} {key} 尚未开始，无法生成报表（当前日期 {local_day(now).isoformat()}）")
    cutoff = min(end_of_day(last), as_utc(now))
    return Period(label=label, key=key, first=first, last=last, cutoff=cutoff)
