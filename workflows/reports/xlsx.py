"""Workbook building blocks: titles, merged two-row headers, widths, frozen headers and Chinese formats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workflows.reports.periods import SHANGHAI

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "宋体"
FORMATS = {
    "int": "#,##0",
    "rate": "0.0%",
    "score": "0.00",
    "points": "+0.00;-0.00;0.00",
    "date": 'yyyy"年"m"月"d"日"',
    "datetime": 'yyyy"年"m"月"d"日" hh:mm',
}
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 12
    kind: str = "text"  # text | wrap | int | rate | score | points | date | datetime
    group: str | None = None  # a merged header over adjacent columns of the same group


@dataclass(frozen=True)
class Typed:
    """A value whose cell format differs from its column's."""

    value: Any
    kind: str


def new_workbook(title: str, when: datetime) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title, wb.properties.creator = title, "reform 改革事项督办"
    wb.properties.created = wb.properties.modified = excel_value(when).replace(microsecond=0)
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def excel_value(value: Any) -> Any:
    """Excel has no time zones: instants are written as Beijing wall-clock time."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo else value
    return value


def title_block(ws: Worksheet, title: str, lines: Sequence[str], ncols: int) -> int:
    """A merged bold title and merged note lines; returns the next free row."""
    ws.cell(1, 1, title).font = Font(name=FONT, size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(ncols, 1))
    ws.row_dimensions[1].height = 30
    for offset, line in enumerate(lines, start=2):
        cell = ws.cell(offset, 1, line)
        cell.font, cell.alignment = Font(name=FONT, size=10), Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=max(ncols, 1))
    return len(lines) + 3


def table(ws: Worksheet, top: int, cols: Sequence[Col], rows: Iterable[Sequence[Any]],
          total: Sequence[Any] | None = None, freeze: bool = True) -> int:
    """Headers at `top` (two rows when columns are grouped), then the rows; returns the row after the table."""
    first_data = _headers(ws, top, cols)
    r = first_data
    for values in rows:
        write_row(ws, r, cols, values)
        r += 1
    if total is not None:
        write_row(ws, r, cols, total, fill=TOTAL_FILL, bold=True)
        r += 1
    for idx, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    if freeze:
        ws.freeze_panes = ws.cell(first_data, 1)
        ws.print_title_rows = f"{top}:{first_data - 1}"
    return r


def _headers(ws: Worksheet, top: int, cols: Sequence[Col]) -> int:
    grouped = any(c.group for c in cols)
    for idx, col in enumerate(cols, start=1):
        if grouped and col.group:
            _head(ws.cell(top + 1, idx, col.header))
            _head(ws.cell(top, idx, col.group))
        else:
            _head(ws.cell(top, idx, col.header))
            if grouped:
                _head(ws.cell(top + 1, idx))
                ws.merge_cells(start_row=top, start_column=idx, end_row=top + 1, end_column=idx)
    if grouped:
        for start, end in _group_spans(cols):
            ws.merge_cells(start_row=top, start_column=start, end_row=top, end_column=end)
    return top + (2 if grouped else 1)


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


def _head(cell) -> None:
    cell.font = Font(name=FONT, bold=True)
    cell.fill, cell.border = HEAD_FILL, BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_row(ws: Worksheet, r: int, cols: Sequence[Col], values: Sequence[Any], fill=None, bold=False) -> None:
    for idx, (col, value) in enumerate(zip(cols, values, strict=True), start=1):
        kind = value.kind if isinstance(value, Typed) else col.kind
        value = value.value if isinstance(value, Typed) else value
        cell = ws.cell(r, idx, excel_value(value))
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text (openpyxl would write a formula)
        cell.border, cell.font = BORDER, Font(name=FONT, bold=bold)
        if kind in FORMATS and value is not None:
            cell.number_format = FORMATS[kind]
        cell.alignment = Alignment(vertical="center", wrap_text=kind in ("wrap", "text"),
                                   horizontal="left" if kind == "wrap" else None)
        if fill is not None:
            cell.fill = fill


def landscape(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    return value
