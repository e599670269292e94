"""Reads a State Council notice (国务院办公厅关于某年部分节假日安排的通知) into the year's days off and days worked."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from workflows.calendar_sources import YearOverride

OFF, ON = "休", "班"
WEEKDAYS = "一二三四五六日"
FESTIVAL_WORDS = ("元旦", "春节", "清明", "劳动节", "五一", "端午", "中秋", "国庆", "十一")

_ITEM = re.compile(r"^(?:(?P<ordinal>[一二三四五六七八九十]+)[、.])?(?P<head>[^:,。()]{1,40}):(?P<body>.*)$")
_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\((?P<note>[^()]*)\))?")
_ANY_DATE = re.compile(r"\d{1,2}月\d{1,2}日")
_ARRANGEMENT = re.compile(r"放假|上班|补休|调休")
_COMMA = re.compile(r",(?![^()]*\))")  # a comma inside brackets belongs to the note
_SPAN = re.compile(r"^#(?:至#)?放假(?:调休|公休)?(?:(?P<n>\d+)天)?$")
_LIST = re.compile(r"^#(?:、#)*(?P<what>上班|补休)$")
_TOTAL = re.compile(r"^共(?P<n>\d+)天$")
_WEEKDAY = re.compile(r"^(?:星期|周|礼拜)(?P<w>[一二三四五六日天])$")


class NoticeError(ValueError):
    """The notice says something the parser cannot read for certain; the message names the line."""


@dataclass(frozen=True, order=True)
class NoticeDay:
    date: date
    kind: str  # "休" or "班"
    festival: str


@dataclass(frozen=True)
class Notice:
    """Every date of each announced 放假 span is 休, its weekend dates too, so that “与周末连休” and
    “补休” read as the notice announces them; every 上班 date is 班. Sorted by date."""

    year: int
    days: list[NoticeDay]

    def lines(self) -> list[str]:
        """What `reform calendar import FILE --dry-run` prints: `YYYY-MM-DD 休` / `YYYY-MM-DD 班`, in date order."""
        return [f"{d.date.isoformat()} {d.kind}" for d in self.days]


@dataclass
class _Line:
    number: int
    text: str  # as pasted, for messages
    flat: str  # NFKC (full-width digits, brackets, colons, spaces) with every space removed

    def error(self, what: str) -> NoticeError:
        return NoticeError(f"第 {self.number} 行：{what}：「{self.text}」")


@dataclass
class _Festival:
    """One item line being read; `block` is the run of days off the last 放假 clause started."""

    line: _Line
    name: str
    year: int
    days: dict[date, str] = field(default_factory=dict)
    block: set[date] = field(default_factory=set)
    no_swaps: bool = False


def parse_notice(text: str) -> Notice:
    lines = [_Line(n, raw.strip(), re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)))
             for n, raw in enumerate(text.splitlines(), start=1)]
    year = _year(lines)
    days: dict[date, NoticeDay] = {}
    for line in lines:
        festival = _festival(line, year)
        if festival is not None:
            _merge(days, festival)
    if not days:
        raise NoticeError("通知中没有找到任何放假安排（应有“一、元旦：1月1日放假……”这样的条目）")
    return Notice(year, sorted(days.values()))


def _year(lines: list[_Line]) -> int:
    """The title's year (or the first line's); the opening sentence, when it names one, must agree."""
    title = next((ln for ln in lines if re.search(r"关于\d{4}年.*(节假日|放假)", ln.flat)), None)
    first = next((ln for ln in lines if ln.flat), None)
    source = title or (first if first and re.search(r"\d{4}年", first.flat) else None)
    if source is None:
        raise NoticeError("找不到通知的年份：请保留标题“国务院办公厅关于YYYY年部分节假日安排的通知”")
    year = int(re.search(r"(\d{4})年", source.flat.split("关于", 1)[-1]).group(1))
    for line in lines:
        stated = re.search(r"现将(\d{4})年", line.flat)
        if stated and int(stated.group(1)) != year:
            raise line.error(f"这里写的是 {stated.group(1)} 年，与标题的 {year} 年不一致")
    return year


def _festival(line: _Line, year: int) -> _Festival | None:
    match = _ITEM.match(line.flat)
    is_item = match is not None and (match["ordinal"] or any(w in match["head"] for w in FESTIVAL_WORDS))
    if not is_item:
        if _ANY_DATE.search(line.flat) and _ARRANGEMENT.search(line.flat):
            raise line.error("无法识别的放假安排（应写成“一、元旦：1月1日放假……”这样的条目）")
        return None
    festival = _Festival(line, match["head"], year)
    for sentence in filter(None, re.split(r"[。;]", match["body"])):
        if not _ARRANGEMENT.search(sentence):
            continue  # advice, not an arrangement (2024: 鼓励各单位……安排职工在除夕（2月9日）休息)
        festival.block = set()
        for clause in filter(None, _COMMA.split(sentence)):
            _clause(festival, clause)
    if not festival.days:
        raise line.error(f"“{festival.name}”没有放假日期")
    if festival.no_swaps and ON in festival.days.values():
        raise line.error("写了“不调休”，却又安排了上班日期")
    return festival


def _clause(festival: _Festival, clause: str) -> None:
    dates = _dates(festival, clause)
    shape = _DATE.sub("#", clause)
    if span := _SPAN.match(shape):
        _days_off(festival, dates, span["n"])
    elif listed := _LIST.match(shape):
        for day in dates:
            (_work if listed["what"] == "上班" else _make_up)(festival, day)
    elif total := _TOTAL.match(shape):
        _check_total(festival, int(total["n"]))
    elif shape == "与周末连休":
        _join_weekends(festival)
    elif shape in ("不调休", "调休", "公休"):
        festival.no_swaps = festival.no_swaps or shape == "不调休"
    elif not dates and _ARRANGEMENT.search(clause):
        raise festival.line.error(f"“{festival.name}”的“{clause}”没有日期")
    else:
        raise festival.line.error(f"无法识别“{clause}”")


def _dates(festival: _Festival, clause: str) -> list[date]:
    """Every date of a clause; a date without its month (“1月1日至3日”) takes the month of the one before it."""
    found, month = [], None
    for match in _DATE.finditer(clause):
        month = int(match["m"]) if match["m"] else month
        if month is None:
            raise festival.line.error(f"“{match[0]}”缺少月份")
        found.append(_date(festival, match, month))
    return found


def _date(festival: _Festival, match: re.Match, month: int) -> date:
    line, year = festival.line, festival.year
    if match["y"] and int(match["y"]) != year:
        raise line.error(f"{match[0]} 不在通知的 {year} 年内（跨年的安排请直接写入 config/calendar.toml 的"
                         f" [years.{match['y']}]，并从文本中删去）")
    try:
        day = date(year, month, int(match["d"]))
    except ValueError:
        raise line.error(f"不存在的日期“{month}月{match['d']}日”") from None
    for part in filter(None, re.split(r"[、,]", match["note"] or "")):
        _check_note(line, day, part)
    return day


def _check_note(line: _Line, day: date, part: str) -> None:
    """A bracketed weekday must be the date's own: the best defence against a mistyped date."""
    weekday = _WEEKDAY.match(part)
    if weekday:
        stated = WEEKDAYS.index(weekday["w"].replace("天", "日"))
        if stated != day.weekday():
            actual = WEEKDAYS[day.weekday()]
            raise line.error(f"{day.month}月{day.day}日标注为“{part}”，但 {day.isoformat()} 是星期{actual}")
    elif not part.startswith("农历"):
        raise line.error(f"括号中的“{part}”无法识别（只能写星期几或农历日期）")


def _days_off(festival: _Festival, dates: list[date], stated: str | None) -> None:
    first, last = dates[0], dates[-1]
    if last < first:
        raise festival.line.error(f"放假结束日 {last.isoformat()} 早于开始日 {first.isoformat()}")
    festival.block = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    for day in festival.block:
        _put(festival, day, OFF)
    if stated is not None:
        _check_total(festival, int(stated))


def _make_up(festival: _Festival, day: date) -> None:
    if day.weekday() >= 5:
        raise festival.line.error(f"补休日 {day.isoformat()} 是周末，补休应在工作日")
    festival.block.add(day)
    _put(festival, day, OFF)


def _work(festival: _Festival, day: date) -> None:
    if day.weekday() < 5:
        raise festival.line.error(f"上班日 {day.isoformat()} 是星期{WEEKDAYS[day.weekday()]}，本来就上班，无需调休")
    _put(festival, day, ON)


def _join_weekends(festival: _Festival) -> None:
    """“与周末连休”: the days off take in the weekend days touching them on either side."""
    if not festival.block:
        raise festival.line.error("“与周末连休”前面没有放假日期")
    for step in (-1, 1):
        day = (min if step < 0 else max)(festival.block) + timedelta(days=step)
        while day.weekday() >= 5 and day.year == festival.year:
            festival.block.add(day)
            _put(festival, day, OFF)
            day += timedelta(days=step)


def _check_total(festival: _Festival, stated: int) -> None:
    if not festival.block:
        raise festival.line.error(f"“共{stated}天”前面没有放假日期")
    if stated != len(festival.block):
        first, last = min(festival.block), max(festival.block)
        raise festival.line.error(f"写的是共 {stated} 天，但 {first.isoformat()} 至 {last.isoformat()} 是 "
                                  f"{len(festival.block)} 天")


def _put(festival: _Festival, day: date, kind: str) -> None:
    if festival.days.get(day, kind) != kind:
        raise festival.line.error(f"{day.isoformat()} 既放假又上班")
    festival.days[day] = kind


def _merge(days: dict[date, NoticeDay], festival: _Festival) -> None:
    for day, kind in festival.days.items():
        if day in days:
            raise festival.line.error(f"{day.isoformat()} 已在“{days[day].festival}”中安排过")
        days[day] = NoticeDay(day, kind, festival.name)


def notice_to_override(notice: Notice) -> YearOverride:
    """Weekdays off become holidays, weekend days worked become workdays; weekend days off need nothing."""
    off = frozenset(d.date for d in notice.days if d.kind == OFF and d.date.weekday() < 5)
    on = frozenset(d.date for d in notice.days if d.kind == ON)
    reasons = tuple((d.date, d.festival) for d in notice.days if d.date in off | on)
    return YearOverride(off, on, reasons)


def override_to_toml(year: int, override: YearOverride) -> str:
    """A `[years.YYYY]` block for config/calendar.toml, each date commented with its festival."""
    return f"[years.{year}]\n{_toml_list('holidays', override.holidays, override)}" \
           f"{_toml_list('workdays', override.workdays, override)}"


def _toml_list(key: str, days: frozenset[date], override: YearOverride) -> str:
    if not days:
        return f"{key} = []\n"
    rows = []
    for day in sorted(days):
        reason = re.sub(r"[\r\n]+", " ", override.reason(day)).strip()
        rows.append(f'  "{day.isoformat()}",' + (f"  # {reason}" if reason else ""))
    return f"{key} = [\n" + "\n".join(rows) + "\n]\n"
