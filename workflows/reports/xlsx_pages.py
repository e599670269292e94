"""How a declared sheet prints: A4 and its orientation, 制表单位, 制表日期 and page numbers, and the page breaks."""

from __future__ import annotations

from copy import copy

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from workflows.documents.text import cn_date
from workflows.reports.xlsx_cells import FONT, LINE_PT, Group, Sheet, Stamp, put

# A width unit printed by LibreOffice without 宋体 (the widest seen); Excel prints one narrower (about 5.3 pt).
UNIT_PT = 7.0
PAGE_PT = {False: (210 - 2 * 12) / 25.4 * 72, True: (297 - 2 * 12) / 25.4 * 72}  # A4 width inside 12 mm margins
MARGINS_IN = {"top": 0.79, "bottom": 0.75}  # the header and footer print inside these
BODY_PT = {landscape: (210 if landscape else 297) / 25.4 * 72 - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72
           for landscape in (False, True)}  # the page's height for rows
BREAK_SLACK_PT = 8  # our breaks come a little before the office suite's own, so that it never adds one
SIGN_OFF = "制表人：" + "\u3000" * 8 + "审核人：" + "\u3000" * 8 + "联系电话：" + "\u3000" * 6


def blocks(ws: Worksheet, sheet: Sheet, first: int, end: int, last: int) -> tuple[list[tuple[int, int]], set[int]]:
    """The rows after the header as runs best printed on one page (an item's measures, under its merged cells;
    a group row or 说明 with what follows), and the rows that must not end a page (group rows, 说明)."""
    ends: dict[int, int] = {}  # a merged range's first row -> the last row any range starting there covers
    for rng in ws.merged_cells.ranges:
        if rng.min_row >= first and rng.max_row > rng.min_row:
            ends[rng.min_row] = max(ends.get(rng.min_row, 0), rng.max_row)
    runs, r = [], first
    while r < last:
        stop = max(r, ends.get(r, r))
        runs.append((r, stop))
        r = stop + 1
    heads = {a for a, _ in runs if a < end and isinstance(row_at(sheet, a - first), Group)}
    heads |= {a for a, _ in runs if ws.cell(a, 1).value == "说明："}
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and out[-1][1] in heads:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out, heads


def row_at(sheet: Sheet, index: int) -> object:
    return sheet.rows[index] if 0 <= index < len(sheet.rows) else None


def paginate(ws: Worksheet, head: int, first: int, blocks: tuple[list[tuple[int, int]], set[int]],
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


def page_setup(ws: Worksheet, sheet: Sheet, width: float, stamp: Stamp) -> bool:
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


