"""Ledgers kept in Excel (.xlsx) or as .csv: find the header under any title rows, read rows by column."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from workflows.ledger.cells import clean
from workflows.ledger.errors import LedgerError
from workflows.ledger.rows import CATEGORY, COLUMNS, OPTIONAL, REQUIRED, RawRow

CATEGORY_ALIASES = ("类别", "分类", "所属类别")
HEADER_SCAN = 30
Table = list[tuple[int, list[object]]]


def read_xlsx(path: Path) -> Table:
    """Rows of the first sheet that has a ledger header. Cells are read as written, never evaluated: a formula
    (or text that starts with = + - @) arrives as its text."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerError(f"无法读取 Excel 文件“{path.name}”：{type(exc).__name__}") from exc
    try:
        sheets = [[(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
                  for ws in book.worksheets]
    finally:
        book.close()
    for table in sheets:
        if _find_header(table) is not None:
            return table
    return next((t for t in sheets if any(any(c is not None for c in r) for _, r in t)), [])


def read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    return [(i, list(r)) for i, r in enumerate(reader, start=1)]


def _delimiter(text: str) -> str:
    """The separator most used on the header line: Chinese text uses full-width punctuation elsewhere."""
    lines = text.splitlines()[:HEADER_SCAN]
    line = next((ln for ln in lines if "具体举措" in ln), lines[0] if lines else "")
    return max(",\t;", key=line.count) if any(d in line for d in ",\t;") else ","


def _names(cells: list[object]) -> list[str]:
    return ["".join(clean(c).split()) for c in cells]


def _find_header(table: Table) -> int | None:
    """Index of the first row naming at least three ledger columns."""
    known = set(COLUMNS) | set(CATEGORY_ALIASES) | set(OPTIONAL)
    for index, (_, cells) in enumerate(table[:HEADER_SCAN]):
        if sum(1 for n in _names(cells) if n in known) >= 3:
            return index
    return None


def to_rows(table: Table) -> tuple[list[RawRow], str]:
    """Rows keyed by column, and the title written above the header (if any)."""
    if not any(any(clean(c) for c in cells) for _, cells in table):
        raise LedgerError("文件为空：没有任何数据行")
    at = _find_header(table)
    if at is None:
        raise LedgerError(f"未找到表头：前 {HEADER_SCAN} 行中没有包含“{'”“'.join(COLUMNS)}”等列名的行")
    header_row, cells = table[at]
    names = _names(cells)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise LedgerError(f"表头缺少列：{'、'.join(missing)}", header_row)
    columns: dict[int, str] = {}
    for index, name in enumerate(names):
        column = CATEGORY if name in CATEGORY_ALIASES else name
        if column in COLUMNS + OPTIONAL and column not in columns.values():
            columns[index] = column
    rows = [RawRow(number, {col: clean(cells[i]) if i < len(cells) else "" for i, col in columns.items()})
            for number, cells in table[at + 1:]]
    title = next((clean(c) for _, r in table[:at] for c in r if clean(c)), "")
    return rows, title
