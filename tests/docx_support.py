"""Reading a generated .docx back in tests: its parts in order, their text, fonts and layout flags."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph


def open_docx(data: bytes) -> DocxDocument:
    assert data[:2] == b"PK", "a .docx is a zip file"
    return Document(io.BytesIO(data))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def parts(doc: DocxDocument) -> list[Paragraph | Table]:
    """Body paragraphs (the empty ones left out) and tables, in document order."""
    return [p for p in doc.iter_inner_content() if isinstance(p, Table) or p.text.strip()]


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text.strip()]


def paragraph_with(doc: DocxDocument, fragment: str) -> Paragraph:
    found = [p for p in doc.paragraphs if fragment in p.text]
    assert len(found) == 1, f"{fragment!r} in {len(found)} paragraphs: {[p.text for p in found]}"
    return found[0]


def rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def east_asian_fonts(par: Paragraph) -> set[str | None]:
    return {run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in par.runs if run.text}


def sizes_pt(par: Paragraph) -> set[float]:
    return {run.font.size.pt for run in par.runs if run.text}


def is_repeating_header(row) -> bool:
    tr_pr = row._tr.trPr
    flag = None if tr_pr is None else tr_pr.find(qn("w:tblHeader"))
    return flag is not None and flag.get(qn("w:val"), "true") in ("true", "1", "on")


def table_width_mm(table: Table) -> float:
    return sum(col.width.mm for col in table.columns)


def fonts_everywhere(doc: DocxDocument) -> set[str | None]:
    """The East Asian font of every run with text, body and tables alike."""
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs if r.text]
    return {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs}
