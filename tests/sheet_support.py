"""Reading a declared sheet back in tests: the header row(s), then the table's rows down to the blank row after it
(the notes and the 审核人 line come after that blank row)."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet


def header_row(ws: Worksheet, first: str) -> int:
    """The row whose first cell is `first` (e.g. 序号): the table's header."""
    return next(r for r in range(1, 20) if ws.cell(r, 1).value == first)


def titles(ws: Worksheet, head: int) -> list[str]:
    """Column titles; under a merged group header (two header rows) the lower one."""
    two = ws.freeze_panes == f"A{head + 2}"
    return [(ws.cell(head + 1, c).value if two else None) or ws.cell(head, c).value
            for c in range(1, ws.max_column + 1)]


def table_rows(ws: Worksheet, head: int) -> list[list]:
    """The cells of every row of the table, down to the first blank row."""
    first = head + (2 if ws.freeze_panes == f"A{head + 2}" else 1)
    out = []
    for r in range(first, ws.max_row + 1):
        cells = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        if all(v is None for v in cells):
            break
        out.append(cells)
    return out


def records(ws: Worksheet, first: str) -> list[dict]:
    """The table as {column title: value} rows (group rows, with one filled cell, left out)."""
    head = header_row(ws, first)
    names = titles(ws, head)
    rows = [dict(zip(names, cells, strict=True)) for cells in table_rows(ws, head)]
    return [row for row in rows if sum(v is not None for v in row.values()) > 1]


def notes(ws: Worksheet, first: str) -> list[str]:
    """The texts under the table: 说明, the rules, and the 审核人 line."""
    head = header_row(ws, first)
    start = int(ws.freeze_panes[1:]) + len(table_rows(ws, head))
    return [ws.cell(r, 1).value for r in range(start, ws.max_row + 1) if ws.cell(r, 1).value]
