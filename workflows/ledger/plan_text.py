"""The plan as text: its heading (title, number, date, issuer) and its annex, one tabbed cell a line."""

from __future__ import annotations

import re
from datetime import date

from workflows.ledger.cells import clean
from workflows.ledger.errors import LedgerError
from workflows.ledger.rows import CATEGORY, COLUMNS, REQUIRED, PlanMeta, RawRow

_DOC_NO = re.compile(r"\S+〔\d{4}〕\d+号")
_ISSUED = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_TITLE = re.compile(r"关于印发(.+?)的通知")
_HEADING_LINES = 40


def parse_meta(lines: list[str]) -> PlanMeta:
    """Title, document number, issue date and issuer from the plan's heading, where they are written."""
    head = [clean(line) for line in lines[:_HEADING_LINES]]
    issuer = next((line for line in head if line), "")
    doc_no = next((line for line in head if _DOC_NO.fullmatch(line)), "")
    found = _TITLE.search("".join(head))
    title = found[1] if found else ""
    issued = None
    for line in head:
        if m := _ISSUED.fullmatch(line):
            try:
                issued = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            break
    return PlanMeta(title=title, doc_no=doc_no, issued_on=issued, issuer=issuer)


def _header_at(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if line.startswith("\t") and clean(line) == "序号":
            return i
    raise LedgerError("未找到附件清单的表头（以制表符缩进的“序号”“改革事项”“具体举措”…各占一行）")


def blocks(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """(line number, cells) per row: a tab starts a cell, an untabbed line continues it, "" ends the row."""
    found: list[tuple[int, list[str]]] = []
    cells: list[str] = []
    first = start
    for i in range(start, len(lines)):
        line = lines[i].rstrip("\r")
        if line == "":
            if cells:
                found.append((first + 1, cells))
            cells = []
            continue
        if not cells:
            first = i
        if line.startswith("\t") or not cells:
            cells.append(line[1:] if line.startswith("\t") else line)
        else:
            cells[-1] += line
    if cells:
        found.append((first + 1, cells))
    return found


def parse_annex(lines: list[str]) -> tuple[list[RawRow], str]:
    """Rows of the annex keyed by its own header, and the annex title above it."""
    at = _header_at(lines)
    rows = blocks(lines, at)
    header_line, header = rows[0]
    names = [clean(c) for c in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise LedgerError(f"附件表头缺少列：{'、'.join(missing)}", header_line)
    columns = [n if n in COLUMNS else (CATEGORY if n in ("类别", "分类", "所属类别") else "") for n in names]
    raws = []
    for line_no, cells in rows[1:]:
        if len(cells) > len(columns):
            raise LedgerError(f"本行有 {len(cells)} 个单元格，多于表头的 {len(columns)} 列", line_no)
        values = {col: clean(cell) for col, cell in zip(columns, cells, strict=False) if col}
        raws.append(RawRow(line_no, values))
    title = next((clean(line) for line in reversed(lines[:at]) if clean(line)), "")
    return raws, title


def parse(text: str) -> tuple[PlanMeta, list[RawRow]]:
    lines = text.splitlines()
    rows, annex_title = parse_annex(lines)
    meta = parse_meta(lines)
    if not meta.title:
        meta = PlanMeta(annex_title, meta.doc_no, meta.issued_on, meta.issuer)
    return meta, rows
