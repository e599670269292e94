"""Cleaning every cell gets, and the cell formats with a meaning: deadlines, units, category numbers."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache

from workflows.ledger.errors import LedgerError

MARKER = re.compile(r"\[(?:image|bookmark):[^\]]*\]")
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
# a space beside a Chinese character is layout left over from the document, not content
_LAYOUT_SPACE = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")
DONE = "已完成"
DONE_NOTE = "方案印发时已完成"
KEY_MARK = "重点改革事项"
_MONTH = re.compile(r"(\d{4})年(\d{1,2})月(?:底|末|前|以前)?")
_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|以前)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UNIT_SEP = re.compile(r"[、，,；;]")
_SPACES = re.compile(r"\s+")
UNIT_MARKS = "（）()·-"  # besides letters and digits of any script (汉字 included), what a unit name may contain
NUMERALS = "一二三四五六七八九"
CATEGORY_PREFIX = re.compile(r"^([一二三四五六七八九十]+)、")


def clean(value: object) -> str:
    """Text of a cell without image/bookmark markers and stray spaces."""
    if value is None:
        return ""
    # most cells: no marker, no space of any kind (every other whitespace character is unprintable), so nothing
    # below would change them
    if type(value) is str and "[" not in value and " " not in value and value.isprintable():
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    text = MARKER.sub("", str(value)).replace("\u3000", " ").replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return _LAYOUT_SPACE.sub("", text)


def parse_due(text: str, row: int, column: str = "时间节点") -> tuple[date | None, bool]:
    """(due date, declared done): `2022年6月` is the month's last day; `已完成` has no date."""
    if text == DONE:
        return None, True
    if not text:
        raise LedgerError("时间节点不能为空（应为如“2022年6月”或“已完成”）", row, column)
    found = _DAY.fullmatch(text) or _ISO.fullmatch(text)
    try:
        if found:
            return date(int(found[1]), int(found[2]), int(found[3])), False
        found = _MONTH.fullmatch(text)
        if found:
            year, month = int(found[1]), int(found[2])
            return date(year, month, calendar.monthrange(year, month)[1]), False
    except ValueError:
        pass
    raise LedgerError(f"无法识别的时间节点“{text}”（应为如“2022年6月”或“已完成”）", row, column)


def split_units(text: str, row: int, column: str = "牵头单位", required: bool = True) -> tuple[str, ...]:
    """Units in the order written: of 牵头单位, the first is the 第一牵头单位."""
    names = _unit_names(text or "")
    if not names and required:
        raise LedgerError(f"{column}不能为空", row, column)
    for name in names:
        if len(name) > 128:
            raise LedgerError(f"单位名称过长（{len(name)} 字，最多 128 字）：“{name[:20]}…”", row, column)
        bad = _bad_characters(name)
        if bad:
            shown = "”“".join(bad)
            raise LedgerError(f"单位名称“{name[:40]}”含有不允许的字符“{shown}”（单位名称只能由汉字、字母、数字和"
                              f"（）()·- 组成，多个单位用“、”分隔）", row, column)
    return names


@lru_cache(maxsize=16384)
def _unit_names(text: str) -> tuple[str, ...]:
    """A cell's unit names, once per distinct cell: a ledger repeats the same few hundred on every row."""
    names: list[str] = []
    for part in _UNIT_SEP.split(text):
        name = _SPACES.sub("", part)
        if name and name not in names:
            names.append(name)
    return tuple(names)


@lru_cache(maxsize=4096)
def _bad_characters(name: str) -> tuple[str, ...]:
    """What a unit name may not contain: a ledger names the same few hundred units on every row."""
    return tuple(sorted({c for c in name if not (c.isalnum() or c in UNIT_MARKS)}))


def numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (category numbers up to 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def category_title(text: str, seq: int) -> str:
    """Titles carry their number as the plan prints them (`一、…`), whichever way the file wrote them."""
    return text if CATEGORY_PREFIX.match(text) else f"{numeral(seq)}、{text}"


def bare_category(text: str) -> str:
    return CATEGORY_PREFIX.sub("", text)
