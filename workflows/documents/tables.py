"""Tables in a 公文: ruled, no wider than the 版心, the header row repeated on each page, rows kept whole."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

from workflows.documents import gongwen as gw
from workflows.documents import ooxml as ox
from workflows.documents.text import em_width

TABLE_LINE = Pt(18)
CELL_MARGIN = Mm(1.2)
# A row up to this many lines moves whole to the next page; a taller one may break, so that one long measure
# does not leave most of a page empty (the header row is repeated above the continuation either way).
KEEP_WHOLE_LINES = 8


@dataclass(frozen=True)
class Group:
    """A row across the whole table naming the group of rows below it, e.g. a unit in a list of measures."""

    label: str


def table(doc: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[str] | Group],
          widths_mm: Sequence[float], *, centred: Sequence[int] = ()) -> Table:
    """A ruled table no wider than the 版心; the header row repeats on every page and short rows never split."""
    if sum(widths_mm) > gw.TEXT_WIDTH.mm + 0.01:
        raise ValueError(f"table is {sum(widths_mm)} mm wide, the text area only {gw.TEXT_WIDTH.mm:.0f} mm")
    tbl = doc.add_table(rows=0, cols=len(header))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(tbl, widths_mm)
    _row(tbl, header, widths_mm, font=gw.HEITI, centred=range(len(header)))
    repeat_header(tbl.rows[0])
    for values in rows:
        if isinstance(values, Group):
            _group_row(tbl, values.label)
        else:
            _row(tbl, values, widths_mm, font=gw.FANGSONG, centred=centred)
    _gap(doc)
    return tbl


def _gap(doc: DocxDocument) -> None:
    """A thin empty line, so that the text after a table does not touch its last rule."""
    gw.paragraph(doc, indent=None, line=Pt(10))


def _fixed_layout(tbl: Table, widths_mm: Sequence[float]) -> None:
    tbl.autofit = False  # w:tblLayout fixed: the office suite keeps the widths given here
    tbl_pr = tbl._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))  # python-docx's new table always carries one
    width.set(qn("w:w"), str(sum(int(column_width(mm).twips) for mm in widths_mm)))
    width.set(qn("w:type"), "dxa")
    for col, mm in zip(tbl.columns, widths_mm, strict=True):
        col.width = column_width(mm)
    # Narrow margins, so that 6月30日 fits one line of the date column.
    ox.cell_margins(tbl_pr, CELL_MARGIN)


def column_width(mm: float) -> Twips:
    """Whole twips, rounded down: the file stores twips, and rounding up could make a table overhang the 版心."""
    return Twips(math.floor(mm / 25.4 * 1440))


def _row(tbl: Table, values: Sequence[str], widths_mm: Sequence[float], *, font: str, centred) -> None:
    row = tbl.add_row()
    if estimated_lines(values, widths_mm) <= KEEP_WHOLE_LINES:
        ox.row_flag(row, "w:cantSplit")
    for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
        cell.width = column_width(widths_mm[i])
        _cell_text(cell, str(value), font, gw.CENTER if i in centred else gw.LEFT)


def _group_row(tbl: Table, label: str) -> None:
    row = tbl.add_row()
    ox.row_flag(row, "w:cantSplit")
    merged = row.cells[0].merge(row.cells[-1])
    _cell_text(merged, label, gw.KAITI, gw.LEFT)
    merged.paragraphs[0].paragraph_format.keep_with_next = True


def _cell_text(cell, value: str, font: str, align) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    par = cell.paragraphs[0]
    # Left, not justified: in a narrow cell justification spreads a line that breaks before a quotation mark.
    gw.spacing(par, TABLE_LINE, align=align)
    lines = value.split("\n")  # a header may break where a word allows, e.g. 逾期\n工作日
    for n, line in enumerate(lines):
        run = gw.add_run(par, line, font, gw.XIAO_SI)
        if n < len(lines) - 1:
            run.add_break()


def estimated_lines(values: Sequence[str], widths_mm: Sequence[float]) -> int:
    """The lines the tallest cell needs, from the character count and the column width."""
    usable = [Mm(w - 2 * CELL_MARGIN.mm).pt / gw.XIAO_SI.pt for w in widths_mm]
    return max((sum(math.ceil(em_width(line) / per_line) or 1 for line in str(value).split("\n"))
                for value, per_line in zip(values, usable, strict=True)), default=1)


def repeat_header(row) -> None:
    """Mark a row as the table header Word and LibreOffice repeat at the top of each page (w:tblHeader)."""
    ox.row_flag(row, "w:tblHeader")


def caption(doc: DocxDocument, text: str) -> Paragraph:
    """A table's title, centred in 黑体 above it and kept on its page."""
    return gw.keep_with_next(gw.paragraph(doc, text, font=gw.HEITI, align=gw.CENTER, indent=None))
