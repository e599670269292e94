"""Declared sheets (title, columns, rows, notes), the one cell writer (a formula-like text stays text), text sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.cell.cell import Cell as XlCell
from openpyxl.worksheet.worksheet import Worksheet

from workflows.reports.periods import SHANGHAI

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT, HEAD_FONT, SIZE, TITLE_SIZE = "宋体", "黑体", 10.5, 16
LINE_PT, PAD_PT = 13.5, 4.0  # one line of 10.5 pt text (Excel's 宋体 row), and the cell's padding
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, WPS or LibreOffice would read as a formula
KINDS = ("text", "center", "int", "count", "score", "points", "rate", "date")


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 12  # Excel's units: one is a digit, a Chinese character takes two
    kind: str = "text"  # text (left, wrapped) | center | int | count | score | points | rate | date
    group: str | None = None  # a merged header over adjacent columns of the same group

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.header!r}")


@dataclass(frozen=True)
class Cell:
    """A value whose format or fill differs from its column's."""

    value: Any
    kind: str | None = None
    fill: str | None = None  # an RGB colour, e.g. FFC7CE


@dataclass(frozen=True)
class Group:
    """A row across the whole table naming the rows below it: a category of the ledger, a unit's lines."""

    label: str


@dataclass(frozen=True)
class Sheet:
    name: str  # the tab
    title: str  # printed above the table
    columns: Sequence[Col]
    rows: Sequence[Sequence[Any] | Group]
    lines: Sequence[str] = ()  # under the title: scope, period, cut-off
    notes: Sequence[str] = ()  # under the table: the rules its figures follow
    total: Sequence[Any] | None = None
    merge_down: Sequence[int] = ()  # columns merged down over consecutive rows with the same key
    keys: Sequence[object] | None = None  # one per row; None never merges
    landscape: bool | None = None  # None: portrait when the table fits the page's width, else landscape
    empty: str = "无"  # what a table without rows shows
    # The 审核人 line: a row under the table, or the page footer where nothing may follow the table (the ledger
    # imports back, and would read a row under it as a measure).
    sign_off_in_footer: bool = False


@dataclass(frozen=True)
class Stamp:
    """What every page carries: who made the report and when."""

    issuer: str  # 制表单位
    made_on: date  # 制表日期
    district: str = "武隆区"  # how titles begin: 武隆区营商环境创新试点……


def excel_value(value: Any) -> Any:
    """Excel has no time zones: instants are written as Beijing wall-clock time."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo else value
    return value


def put(ws: Worksheet, row: int, col: int, value: Any) -> XlCell:
    """Write one cell; a text that starts like a formula is stored as text, and stays text when edited."""
    cell = ws.cell(row, col)
    cell.value = excel_value(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_units(text: str) -> int:
    """Width in Excel's units: a digit or a Latin letter is one, a Chinese character or full-width mark two."""
    return sum(1 if ch.isascii() else 2 for ch in text)


def lines_needed(value: Any, width: float) -> int:
    """The lines a wrapped text takes in a column of `width` units (its padding left out)."""
    if value is None:
        return 1
    per_line = max(width - 1.2, 1)
    return sum(max(1, math.ceil(text_units(part) / per_line)) for part in str(value).split("\n"))


def row_height(lines: int) -> float:
    return round(LINE_PT * lines + PAD_PT, 1)


def day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    return value
