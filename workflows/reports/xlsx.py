"""Declared sheets written into a workbook: the title, the headers, the rows and group rows, notes, the 审核人 line."""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from workflows.reports.xlsx_cells import (  # noqa: F401 (the names the report writers use, from one place)
    DATE_FORMAT,
    FONT,
    HEAD_FONT,
    LINE_PT,
    SIZE,
    TITLE_SIZE,
    XLSX_TYPE,
    Cell,
    Col,
    Group,
    Sheet,
    Stamp,
    day,
    excel_value,
    lines_needed,
    put,
    row_height,
    text_units,
)
from workflows.reports.xlsx_pages import PAGE_PT, SIGN_OFF, UNIT_PT, blocks, page_setup, paginate  # noqa: F401

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")


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
    landscape = page_setup(ws, sheet, width, stamp)
    paginate(ws, head, first_data, blocks(ws, sheet, first_data, end, r), landscape)


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
        self.inside: set[int] = set()  # rows of a run after its first: their merged columns are covered
        for index, (values, key) in enumerate(zip(sheet.rows, keys, strict=True)):
            same = (self.runs and key is not None and not isinstance(values, Group)
                    and keys[self.runs[-1][-1]] == key)
            if same:
                self.runs[-1].append(index)
                self.inside.add(index)
            elif not isinstance(values, Group):
                self.runs.append([index])

    def covered(self, index: int) -> set[int]:
        """The merged columns of this row that an earlier row of its run already shows."""
        return set(self.sheet.merge_down) if index in self.inside else set()

    def at(self, index: int, sheet_row: int) -> None:
        self.rows[index] = sheet_row

    def merge(self, ws: Worksheet) -> None:
        for run in (run for run in self.runs if len(run) > 1):
            first, last = self.rows[run[0]], self.rows[run[-1]]
            for col in self.sheet.merge_down:
                _merge(ws, first, last, col + 1)
                self._fit(ws, first, last, col)

    def _fit(self, ws: Worksheet, first: int, last: int, col: int) -> None:
        """A merged cell's text may need more height than its rows have: the last row takes the rest."""
        column = self.sheet.columns[col]
        need = row_height(lines_needed(ws.cell(first, col + 1).value, column.width))
        have = sum(ws.row_dimensions[r].height or LINE_PT for r in range(first, last + 1))
        if need > have:
            ws.row_dimensions[last].height = (ws.row_dimensions[last].height or LINE_PT) + need - have


def _merge(ws: Worksheet, first: int, last: int, column: int) -> None:
    """ws.merge_cells for a column's rows first..last, without its check of the new range against every range
    merged before (quadratic: a 10⁵-measure ledger's export never finished). The runs never overlap."""
    merged = MergedCellRange(ws, CellRange(min_col=column, min_row=first, max_col=column, max_row=last).coord)
    ws.merged_cells.ranges.add(merged)
    ws._clean_merge_range(merged)  # what merge_cells does next: the covered cells become MergedCells


def _group_row(ws: Worksheet, r: int, ncols: int, label: str, width: float) -> None:
    _merged(ws, r, ncols, label, Font(name=HEAD_FONT, size=SIZE), "left", row_height(lines_needed(label, width)))
    for idx in range(1, ncols + 1):
        ws.cell(r, idx).border, ws.cell(r, idx).fill = BORDER, GROUP_FILL


def write_row(ws: Worksheet, r: int, cols: Sequence[Col], values: Sequence[Any], *, bold: bool = False,
              fill: PatternFill | None = None, skip: set[int] = frozenset()) -> None:
    lines = 1
    styles = _styles_of(ws)
    for idx, (col, value) in enumerate(zip(cols, values, strict=True)):
        kind = value.kind if isinstance(value, Cell) and value.kind else col.kind
        colour = value.fill if isinstance(value, Cell) else None
        value = value.value if isinstance(value, Cell) else value
        cell = put(ws, r, idx + 1, None if idx in skip else value)
        quoted = cell.quotePrefix  # a formula-like text kept as text (put): part of the style, so of the key
        if isinstance(value, int | float) and not isinstance(value, bool):
            fmt = number_format(kind, value)
        else:
            fmt = DATE_FORMAT if isinstance(value, date) else None
        key = (bold, kind == "text", fmt, colour, id(fill) if fill and not colour else None, quoted)
        if (style := styles.get(key)) is not None:
            cell._style = copy(style)
        else:
            cell.border, cell.font = BORDER, Font(name=FONT, size=SIZE, bold=bold)
            if fmt is not None:
                cell.number_format = fmt
            cell.alignment = Alignment(vertical="center", wrap_text=True,
                                       horizontal="left" if kind == "text" else "center")
            if colour or fill:
                cell.fill = PatternFill("solid", fgColor=colour) if colour else fill
            styles[key] = copy(cell._style)
        if isinstance(value, str) and idx not in skip:
            lines = max(lines, lines_needed(value, col.width))
    ws.row_dimensions[r].height = row_height(lines)


def _styles_of(ws: Worksheet) -> dict:
    """The styles write_row has built in this sheet, by what decides them: openpyxl hashes a new Font and Alignment
    against the workbook's for every cell it is given, 87 % of a 10⁵-row ledger's export (over 200 s)."""
    styles = getattr(ws, "_reform_styles", None)
    if styles is None:
        styles = ws._reform_styles = {}
    return styles


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


