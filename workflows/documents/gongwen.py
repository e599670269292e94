"""The shared 公文 layout (GB/T 9704-2012) on python-docx: page, 版头, title, body, 附件, 落款, page numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workflows.documents import ooxml as ox
from workflows.documents.text import cn_date, em_width

# Font names as Chinese offices' machines know them; where one is missing (as on a server with only a
# fallback CJK font) the office suite substitutes, which is why every run names its East Asian font.
XIAOBIAOSONG, HEITI, KAITI, FANGSONG, SONGTI = "方正小标宋简体", "黑体", "楷体", "仿宋", "宋体"
LATIN = "Times New Roman"
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI = Pt(22), Pt(16), Pt(14), Pt(12)
RED = RGBColor(0xFF, 0x00, 0x00)
CENTER, RIGHT, LEFT, JUSTIFY = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT,
                                WD_ALIGN_PARAGRAPH.JUSTIFY)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH = Mm(210 - 28 - 26)  # 156 mm: the 版心 width, also the widest a table may be
# 22 lines of 三号 on the 225 mm 版心: 225 mm / 22 = 28.9 pt.
BODY_LINE = Pt(28.9)
TITLE_LINE = Pt(35)
INDENT_2 = Pt(32)  # two 三号 characters
FOOTER_DISTANCE = Mm(24)  # the page number sits about 7 mm below the 版心

# The 发文机关标志 spells an office in full; the system's units carry the short names.
OFFICE_FULL_NAMES = {
    "区政府督查办": "重庆市武隆区人民政府督查办公室",
    "区营商办": "重庆市武隆区优化营商环境工作领导小组办公室",
    "区优化营商环境工作领导小组办公室": "重庆市武隆区优化营商环境工作领导小组办公室",
}


# --- runs and paragraphs ---------------------------------------------------------------------------

def set_fonts(run: Run, east_asia: str, size: Length, *, bold: bool = False, color: RGBColor | None = None) -> Run:
    """Name the Chinese font in the East Asian slot: run.font.name alone leaves Chinese text in the default."""
    run.font.name = LATIN
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    return run


def add_run(paragraph: Paragraph, text: str, font: str = FANGSONG, size: Length = SAN_HAO, **style) -> Run:
    return set_fonts(paragraph.add_run(text), font, size, **style)


def spacing(paragraph: Paragraph, line: Length, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: Length | None = None):
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = indent
    return paragraph


def paragraph(doc: DocxDocument, text: str = "", *, font: str = FANGSONG, size: Length = SAN_HAO,
              align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: Length | None = INDENT_2, line: Length = BODY_LINE,
              bold: bool = False) -> Paragraph:
    par = spacing(doc.add_paragraph(), line, align=align, indent=indent)
    if text:
        add_run(par, text, font, size, bold=bold)
    return par


def blank(doc: DocxDocument, lines: int = 1) -> None:
    """Empty body lines: GB/T 9704 spaces the parts of a document in whole lines."""
    for _ in range(lines):
        paragraph(doc, indent=None)


def body(doc: DocxDocument, text: str) -> Paragraph:
    """A body paragraph: 仿宋 三号, justified, two characters of first-line indent."""
    return paragraph(doc, text)


def heading1(doc: DocxDocument, text: str) -> Paragraph:
    """A first-level heading such as 一、总体情况 (黑体), kept on the page of what follows it."""
    return keep_with_next(paragraph(doc, text, font=HEITI))


def heading2(doc: DocxDocument, text: str) -> Paragraph:
    """A second-level heading such as （一）区财政局 (楷体), kept on the page of what follows it."""
    return keep_with_next(paragraph(doc, text, font=KAITI))


def keep_with_next(par: Paragraph) -> Paragraph:
    par.paragraph_format.keep_with_next = True
    return par


def keep_last(doc: DocxDocument) -> None:
    """Keep the document's last paragraph with what is added next."""
    if doc.paragraphs:
        keep_with_next(doc.paragraphs[-1])


def lead_paragraph(doc: DocxDocument, lead: str, text: str, *, lead_font: str = KAITI) -> Paragraph:
    """A paragraph opening with its own heading, e.g. （一）区财政局。 in 楷体 followed by 仿宋 text."""
    par = paragraph(doc)
    add_run(par, lead, lead_font)
    add_run(par, text)
    return par


# --- the page --------------------------------------------------------------------------------------

def new_document() -> DocxDocument:
    """An empty A4 公文 with the GB/T 9704 margins, body style and page numbers."""
    doc = Document()
    _page(doc)
    _normal_style(doc)
    _page_numbers(doc)
    doc.core_properties.language = "zh-CN"
    return doc


def _page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.footer_distance = FOOTER_DISTANCE


def _normal_style(doc: DocxDocument) -> None:
    style = doc.styles["Normal"]
    style.font.name, style.font.size = LATIN, SAN_HAO
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    fmt = style.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, BODY_LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False  # a 公文 page holds its 22 lines; widow control would leave gaps
    # No extra gap between Chinese and digits (2022年6月30日) in Word; LibreOffice keeps a small one regardless.
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        off = OxmlElement(tag)
        off.set(qn("w:val"), "0")
        ox.insert_ppr(style.element.get_or_add_pPr(), off)


def _page_numbers(doc: DocxDocument) -> None:
    """— 1 — in 宋体 四号: odd pages at the right, even pages at the left, one character in (GB/T 9704 7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(par: Paragraph, align) -> None:
    spacing(par, Pt(18), align=align)
    fmt = par.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SI_HAO
    else:
        fmt.left_indent = SI_HAO
    add_run(par, "— ", SONGTI, SI_HAO)
    ox.complex_field(par, "PAGE", "1", east_asia=SONGTI, size=SI_HAO)
    add_run(par, " —", SONGTI, SI_HAO)


# --- 版头, title, addressee ---------------------------------------------------------------------------

def masthead_name(office: str) -> str:
    """The full name for the 版头; an office not in OFFICE_FULL_NAMES is printed as given."""
    return OFFICE_FULL_NAMES.get(office, office)


def masthead(doc: DocxDocument, office: str, number: str | None) -> None:
    """发文机关标志 in red, the 文号 centred two lines below it, and the red rule across the 版心."""
    size = Pt(min(36, int(TEXT_WIDTH.pt / max(em_width(office), 1)) - 1))
    head = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, line=Pt(size.pt * 1.3))
    head.paragraph_format.space_before = Mm(8)
    add_run(head, office, XIAOBIAOSONG, size, color=RED)
    blank(doc, 2)
    rule = paragraph(doc, number or "", align=WD_ALIGN_PARAGRAPH.CENTER, indent=None)
    ox.bottom_border(rule, RED, space_pt=11)  # GB/T 9704 7.2.4: the rule is 4 mm below the 文号


def title(doc: DocxDocument, *lines: str) -> Paragraph:
    """The title in 小标宋 二号, centred, two lines below the rule; lines break where the meaning allows."""
    blank(doc, 2)
    par = title_lines(doc, lines)
    blank(doc)
    return par


def title_lines(doc: DocxDocument, lines: Sequence[str]) -> Paragraph:
    par = paragraph(doc, align=CENTER, indent=None, line=TITLE_LINE)
    for i, line in enumerate(lines):
        run = add_run(par, line, XIAOBIAOSONG, ER_HAO)
        if i < len(lines) - 1:
            run.add_break()
    return par


def addressee(doc: DocxDocument, text: str) -> Paragraph:
    """主送机关: flush left, ending with a full-width colon."""
    return paragraph(doc, text.rstrip("：:") + "：", indent=None)


# --- 附件, 落款, 附注 --------------------------------------------------------------------------------

def attachment_list(doc: DocxDocument, titles: Sequence[str]) -> None:
    """附件说明 one line below the body: 附件：1．… with 2．… under 1．, a long name wrapping under its own start."""
    if not titles:
        return
    keep_last(doc)
    keep_with_next(paragraph(doc, indent=None))
    label = "附件："
    for i, name in enumerate(titles, start=1):
        number = f"{i}．" if len(titles) > 1 else ""
        lead = (label if i == 1 else "") + number
        par = body(doc, lead + name)
        hang = em_width(label) + em_width(number)  # continuation lines start under the name
        par.paragraph_format.left_indent = Pt(16 * (2 + hang))
        par.paragraph_format.first_line_indent = Pt(-16 * em_width(lead))
        keep_with_next(par)


def attachment_page(doc: DocxDocument, label: str, *heading: str) -> None:
    """An attachment starts a new page: 附件N in 黑体 flush left, its title centred on the third line."""
    par = paragraph(doc, label, font=HEITI, indent=None)
    par.paragraph_format.page_break_before = True
    blank(doc)
    title_lines(doc, heading)
    blank(doc)


def signature(doc: DocxDocument, office: str, issued: date) -> None:
    """落款: the issuing office centred over the date, the date four characters from the right edge."""
    written = cn_date(issued)
    keep_last(doc)  # GB/T 9704 7.3.5: the 落款 never stands alone on a page, so the last paragraph comes along
    for _ in range(2):  # room for the seal, which overlaps the office name and date
        keep_with_next(paragraph(doc, indent=None))
    date_indent = 4.0
    office_indent = max(0.0, date_indent + (em_width(written) - em_width(office)) / 2)
    for text, indent in ((office, office_indent), (written, date_indent)):
        par = paragraph(doc, text, align=RIGHT, indent=None)
        par.paragraph_format.right_indent = Pt(16 * indent)
    keep_with_next(doc.paragraphs[-2])


def note(doc: DocxDocument, text: str) -> Paragraph:
    """附注 (e.g. the contact person): below the date, two characters in, in round brackets."""
    blank(doc)
    text = text.strip()
    if not text.startswith(("（", "(")):
        text = f"（{text}）"
    return body(doc, text)


def document_bytes(doc: DocxDocument) -> bytes:
    """The finished .docx as bytes."""
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
