"""Declared sheets: a sheet is a title, columns, rows and notes; how it prints lives here, once for every report.

A4, portrait or landscape by the table's width; the header rows repeated on every page; row heights that fit
wrapped Chinese text; 制表单位 and 制表日期 in the page header, 第 N 页 共 M 页 in the footer; a 审核人 line
under the table; integers without decimals and dates as 2022年6月30日. Every text cell goes through `put`,
so a text that a spreadsheet would run as a formula (= + - @, a tab, a CR) stays text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from workflows.documents.text import cn_date
from workflows.reports.periods import SHANGHAI

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT, HEAD_FONT, SIZE, TITLE_SIZE = "宋体", "黑体", 10.5, 16
LINE_PT, PAD_PT = 13.5, 4.0  # one line of 10.5 pt text (Excel's 宋体 row), and the cell's padding
# A width unit printed by LibreOffice without 宋体 (the widest seen); Excel prints one narrower (about 5.3 pt).
UNIT_PT = 7.0
PAGE_PT = {False: (210 - 2 * 12) / 25.4 * 72, True: (297 - 2 * 12) / 25.4 * 72}  # A4 width inside 12 mm margins
MARGINS_IN = {"top": 0.79, "bottom": 0.75}  # the header and footer print inside these
BODY_PT = {landscape: (210 if landscape else 297) / 25.4 * 72 - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72
           for landscape in (False, True)}  # the page's height for rows
BREAK_SLACK_PT = 8  # our breaks come a little before the office suite's own, so that it never adds one
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, WPS or LibreOffice would read as a formula
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
SIGN_OFF = "制表人：" + "\u3000" * 8 + "审核人：" + "\u3000" * 8 + "联系电话：" + "\u3000" * 6
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


def workbook_bytes(title: str, when: datetime, sheets: Sequence[Sheet], stamp: Stamp) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title, wb.properties.creator = title, stamp.issuer
    wb.properties.created = wb.properties.modified = excel_value(when).replace(microsecond=0)
    for sheet in sheets:
        write_sheet(wb.create_sheet(sheet.name), sheet, stamp)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


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


def write_sheet(ws: Worksheet, sheet: Sheet, stamp: Stamp) -> None:
    cols, width = sheet.columns, sum(c.width for c in sheet.columns)
    head = _title(ws, sheet, width)
    first_data = _headers(ws, head, cols)
    end = _body(ws, first_data, sheet)
    r = _notes(ws, end, sheet.notes, len(cols), width)
    if not sheet.sign_off_in_footer:
        _sign_off(ws, r + 1, len(cols))
        r += 2
    for idx, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = ws.cell(first_data, 1)
    ws.print_title_rows = f"{head}:{first_data - 1}"
    landscape = _page_setup(ws, sheet, width, stamp)
    _paginate(ws, head, first_data, _blocks(ws, sheet, first_data, end, r), landscape)


def _title(ws: Worksheet, sheet: Sheet, width: float) -> int:
    """The title, the lines under it and a thin gap; returns the header's row."""
    n = len(sheet.columns)
    _merged(ws, 1, n, sheet.title, Font(name=HEAD_FONT, size=TITLE_SIZE, bold=True), "center",
            LINE_PT * TITLE_SIZE / SIZE * lines_needed(sheet.title, width * SIZE / TITLE_SIZE) + 10)
    for r, line in enumerate(sheet.lines, start=2):
        _merged(ws, r, n, line, Font(name=FONT, size=SIZE), "left", row_height(lines_needed(line, width)))
    gap = len(sheet.lines) + 2
    ws.row_dimensions[gap].height = 6
    return gap + 1


def _merged(ws: Worksheet, r: int, ncols: int, text: str, font: Font, horizontal: str, height: float) -> None:
    cell = put(ws, r, 1, text)
    cell.font, cell.alignment = font, Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    if ncols > 1:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    ws.row_dimensions[r].height = height


def _grouped(cols: Sequence[Col]) -> bool:
    return any(c.group for c in cols)


def _headers(ws: Worksheet, top: int, cols: Sequence[Col]) -> int:
    """Headers at `top` (two rows when columns are grouped); returns the first data row."""
    grouped = _grouped(cols)
    for idx, col in enumerate(cols, start=1):
        if grouped and col.group:
            _head(put(ws, top + 1, idx, col.header))
            _head(put(ws, top, idx, col.group))
        else:
            _head(put(ws, top, idx, col.header))
            if grouped:
                _head(ws.cell(top + 1, idx))
                ws.merge_cells(start_row=top, start_column=idx, end_row=top + 1, end_column=idx)
    for start, end in _group_spans(cols) if grouped else ():
        ws.merge_cells(start_row=top, start_column=start, end_row=top, end_column=end)
    _header_heights(ws, top, cols)
    return top + (2 if grouped else 1)


def _header_heights(ws: Worksheet, top: int, cols: Sequence[Col]) -> None:
    """Each header row as tall as its longest label; a label over both rows shares their height."""
    if not _grouped(cols):
        ws.row_dimensions[top].height = row_height(max(lines_needed(c.header, c.width) for c in cols))
        return
    sub = max(lines_needed(c.header, c.width) for c in cols if c.group)
    widths: dict[str, float] = {}
    for c in cols:
        if c.group:
            widths[c.group] = widths.get(c.group, 0) + c.width
    upper = max(lines_needed(group, width) for group, width in widths.items())
    tall = max((lines_needed(c.header, c.width) for c in cols if not c.group), default=1)
    ws.row_dimensions[top].height = row_height(max(upper, tall - sub))
    ws.row_dimensions[top + 1].height = row_height(sub)


def _group_spans(cols: Sequence[Col]) -> list[tuple[int, int]]:
    spans, idx = [], 0
    while idx < len(cols):
        end = idx
        while cols[idx].group and end + 1 < len(cols) and cols[end + 1].group == cols[idx].group:
            end += 1
        if cols[idx].group and end > idx:
            spans.append((idx + 1, end + 1))
        idx = end + 1
    return spans


def _head(cell: XlCell) -> None:
    cell.font = Font(name=HEAD_FONT, size=SIZE)
    cell.fill, cell.border = HEAD_FILL, BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _body(ws: Worksheet, r: int, sheet: Sheet) -> int:
    """The rows, group rows, merged item cells and the total; returns the row after the table."""
    cols, n = sheet.columns, len(sheet.columns)
    if not sheet.rows:
        _merged(ws, r, n, sheet.empty, Font(name=FONT, size=SIZE), "center", row_height(1))
        for idx in range(1, n + 1):
            ws.cell(r, idx).border = BORDER
        return r + 1
    spans = _Spans(sheet)
    for index, values in enumerate(sheet.rows):
        if isinstance(values, Group):
            _group_row(ws, r, n, values.label, sum(c.width for c in cols))
        else:
            write_row(ws, r, cols, values, skip=spans.covered(index))
        spans.at(index, r)
        r += 1
    spans.merge(ws)
    if sheet.total is not None:
        write_row(ws, r, cols, sheet.total, bold=True, fill=GROUP_FILL)
        r += 1
    return r


class _Spans:
    """Cells merged down over rows that share a key (an item's 序号 and 改革事项 over its measures)."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet, self.rows = sheet, {}  # row index -> sheet row
        keys = sheet.keys or [None] * len(sheet.rows)
        self.runs: list[list[int]] = []
        for index, (values, key) in enumerate(zip(sheet.rows, keys, strict=True)):
            same = (self.runs and key is not None and not isinstance(values, Group)
                    and keys[self.runs[-1][-1]] == key)
            if same:
                self.runs[-1].append(index)
            elif not isinstance(values, Group):
                self.runs.append([index])

    def covered(self, index: int) -> set[int]:
        """The merged columns of this row that an earlier row of its run already shows."""
        run = next((run for run in self.runs if index in run), [index])
        return set(self.sheet.merge_down) if run[0] != index else set()

    def at(self, index: int, sheet_row: int) -> None:
        self.rows[index] = sheet_row

    def merge(self, ws: Worksheet) -> None:
        for run in (run for run in self.runs if len(run) > 1):
            first, last = self.rows[run[0]], self.rows[run[-1]]
            for col in self.sheet.merge_down:
                ws.merge_cells(start_row=first, start_column=col + 1, end_row=last, end_column=col + 1)
                self._fit(ws, first, last, col)

    def _fit(self, ws: Worksheet, first: int, last: int, col: int) -> None:
        """A merged cell's text may need more height than its rows have: the last row takes the rest."""
        column = self.sheet.columns[col]
        need = row_height(lines_needed(ws.cell(first, col + 1).value, column.width))
        have = sum(ws.row_dimensions[r].height or LINE_PT for r in range(first, last + 1))
        if need > have:
            ws.row_dimensions[last].height = (ws.row_dimensions[last].height or LINE_PT) + need - have


def _group_row(ws: Worksheet, r: int, ncols: int, label: str, width: float) -> None:
    _merged(ws, r, ncols, label, Font(name=HEAD_FONT, size=SIZE), "left", row_height(lines_needed(label, width)))
    for idx in range(1, ncols + 1):
        ws.cell(r, idx).border, ws.cell(r, idx).fill = BORDER, GROUP_FILL


def write_row(ws: Worksheet, r: int, cols: Sequence[Col], values: Sequence[Any], *, bold: bool = False,
              fill: PatternFill | None = None, skip: set[int] = frozenset()) -> None:
    lines = 1
    for idx, (col, value) in enumerate(zip(cols, values, strict=True)):
        kind = value.kind if isinstance(value, Cell) and value.kind else col.kind
        colour = value.fill if isinstance(value, Cell) else None
        value = value.value if isinstance(value, Cell) else value
        cell = put(ws, r, idx + 1, None if idx in skip else value)
        cell.border, cell.font = BORDER, Font(name=FONT, size=SIZE, bold=bold)
        if isinstance(value, int | float) and not isinstance(value, bool):
            cell.number_format = number_format(kind, value)
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        cell.alignment = Alignment(vertical="center", wrap_text=True,
                                   horizontal="left" if kind == "text" else "center")
        if colour or fill:
            cell.fill = PatternFill("solid", fgColor=colour) if colour else fill
        if isinstance(value, str) and idx not in skip:
            lines = max(lines, lines_needed(value, col.width))
    ws.row_dimensions[r].height = row_height(lines)


def number_format(kind: str, value: float) -> str:
    """Integers without decimals; a fraction with the decimals it has (at most two); points signed, 0 blank."""
    if kind == "rate":
        return "0.0%"
    places = _decimals(value) if kind in ("count", "score", "points") else 0
    digits = "0" + ("." + "0" * places if places else "")
    return f'+{digits};-{digits};""' if kind == "points" else digits


def _decimals(value: float) -> int:
    for places in (0, 1):
        if abs(value * 10 ** places - round(value * 10 ** places)) < 1e-9:
            return places
    return 2


def _notes(ws: Worksheet, r: int, notes: Sequence[str], ncols: int, width: float) -> int:
    if not notes:
        return r
    r += 1
    _merged(ws, r, ncols, "说明：", Font(name=HEAD_FONT, size=SIZE), "left", row_height(1))
    for n, note in enumerate(notes, start=1):
        text = f"{n}．{note}" if len(notes) > 1 else note
        _merged(ws, r + n, ncols, text, Font(name=FONT, size=SIZE), "left", row_height(lines_needed(text, width)))
    return r + len(notes) + 1


def _sign_off(ws: Worksheet, r: int, ncols: int) -> None:
    _merged(ws, r, ncols, SIGN_OFF, Font(name=FONT, size=SIZE), "left", row_height(1) + 10)


def _blocks(ws: Worksheet, sheet: Sheet, first: int, end: int, last: int) -> tuple[list[tuple[int, int]], set[int]]:
    """The rows after the header as runs best printed on one page (an item's measures, under its merged cells;
    a group row or 说明 with what follows), and the rows that must not end a page (group rows, 说明)."""
    merged = sorted((rng.min_row, rng.max_row) for rng in ws.merged_cells.ranges
                    if rng.min_row >= first and rng.max_row > rng.min_row)
    runs, r = [], first
    while r < last:
        stop = max([r, *[b for a, b in merged if a == r]])
        runs.append((r, stop))
        r = stop + 1
    heads = {a for a, _ in runs if a < end and isinstance(_row_at(sheet, a - first), Group)}
    heads |= {a for a, _ in runs if ws.cell(a, 1).value == "说明："}
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and out[-1][1] in heads:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out, heads


def _row_at(sheet: Sheet, index: int) -> object:
    return sheet.rows[index] if 0 <= index < len(sheet.rows) else None


def _paginate(ws: Worksheet, head: int, first: int, blocks: tuple[list[tuple[int, int]], set[int]],
              landscape: bool) -> None:
    """Page breaks placed by the workbook, so the office suite adds none: a block that does not fit on what is
    left of the page starts the next one, unless most of the page would stay empty; then it is split between
    its rows, and an item's merged cells are repeated on the page it continues on."""
    runs, heads = blocks
    page = BODY_PT[landscape] - BREAK_SLACK_PT
    last = runs[-1][1] if runs else first
    height = {r: ws.row_dimensions[r].height or LINE_PT for r in range(1, last + 1)}
    header = sum(height[r] for r in range(head, first))
    used = sum(height[r] for r in range(1, first))
    for a, b in runs:
        need = sum(height[r] for r in range(a, b + 1))
        if used + need <= page:
            used += need
        elif need <= page - header and page - used < page / 3:
            ws.row_breaks.append(Break(id=a - 1))
            used = header + need
        else:
            used = _split(ws, a, b, used, page, header, height, heads)


def _split(ws: Worksheet, a: int, b: int, used: float, page: float, header: float, height: dict[int, float],
           heads: set[int]) -> float:
    for r in range(a, b + 1):
        if used + height[r] > page and used > header:
            at = r - 1 if r - 1 in heads and r - 1 >= a else r  # a group row goes with the row it heads
            ws.row_breaks.append(Break(id=at - 1))
            _continue_merges(ws, at)
            used = header + sum(height[x] for x in range(at, r))
        used += height[r]
    return used


def _continue_merges(ws: Worksheet, r: int) -> None:
    """Row r starts a page inside merged cells: split them there and show their text again."""
    for rng in [rng for rng in ws.merged_cells.ranges if rng.min_row < r <= rng.max_row]:
        top, bottom, col = rng.min_row, rng.max_row, rng.min_col
        value = ws.cell(top, col).value
        ws.unmerge_cells(rng.coord)
        if r - 1 > top:
            ws.merge_cells(start_row=top, start_column=col, end_row=r - 1, end_column=rng.max_col)
        source, cell = ws.cell(top, col), put(ws, r, col, value)
        cell.font, cell.border, cell.alignment = copy(source.font), copy(source.border), copy(source.alignment)
        cell.fill, cell.number_format = copy(source.fill), source.number_format
        if bottom > r:
            ws.merge_cells(start_row=r, start_column=col, end_row=bottom, end_column=rng.max_col)


def _page_setup(ws: Worksheet, sheet: Sheet, width: float, stamp: Stamp) -> bool:
    landscape = sheet.landscape if sheet.landscape is not None else width * UNIT_PT > PAGE_PT[False]
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # At 100 % when the table fits the page's width (the columns are declared to); shrunk to it only if it does
    # not (a ladder with more levels, a deployment with more rules), never split across pages side by side.
    if width * UNIT_PT > PAGE_PT[landscape]:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.47, right=0.47, header=0.35, footer=0.35, **MARGINS_IN)
    parts = [(ws.oddHeader.left, f"制表单位：{_escaped(stamp.issuer)}"),
             (ws.oddHeader.right, f"制表日期：{cn_date(stamp.made_on)}"), (ws.oddFooter.center, "第 &P 页 共 &N 页")]
    if sheet.sign_off_in_footer:
        parts.append((ws.oddFooter.left, SIGN_OFF.strip()))
    for part, text in parts:
        part.text, part.font, part.size = text, f"{FONT},常规", 9
    return landscape


def _escaped(text: str) -> str:
    return text.replace("&", "&&")


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
