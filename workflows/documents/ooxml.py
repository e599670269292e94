"""WordprocessingML that python-docx has no API for: fields, borders, row flags, cell margins, property order."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, RGBColor
from docx.text.paragraph import Paragraph

# w:pPr's children in schema order: Word refuses a document whose children are out of order.
PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
             "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
             "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
             "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
             "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
             "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def insert_ppr(ppr, element) -> None:
    """Insert a paragraph property at its schema position (python-docx has no setter for some of them)."""
    tag = element.tag.split("}")[1]
    successors = PPR_ORDER[PPR_ORDER.index(f"w:{tag}") + 1:]
    ppr.insert_element_before(element, *successors)


def complex_field(par: Paragraph, instruction: str, shown: str, *, east_asia: str, size: Length) -> None:
    """A complex field (begin, instruction, separate, cached result, end) that Word and LibreOffice update."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", shown), ("end", None)):
        run = par.add_run()
        run.font.size = size
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._element.append(el)


def bottom_border(par: Paragraph, color: RGBColor, *, space_pt: int, eighths: int = 12) -> None:
    """A rule under the paragraph, space_pt below its text; eighths is the width in eighths of a point."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", str(space_pt)), ("color", str(color))):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    insert_ppr(par._p.get_or_add_pPr(), borders)


def cell_margins(tbl_pr, side: Length) -> None:
    """Left and right cell margins for the whole table (w:tblCellMar)."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(side.twips)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def row_flag(row, tag: str) -> None:
    """Switch on a row property such as w:tblHeader or w:cantSplit (w:trPr children may come in any order)."""
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)
