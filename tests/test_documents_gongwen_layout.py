"""Every 督办文书 has the GB/T 9704 layout: A4, its margins, East Asian fonts, 文号, 落款 and page numbers."""

from __future__ import annotations

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn

from tests import documents_samples as samples
from tests.docx_support import (
    east_asian_fonts,
    fonts_everywhere,
    is_repeating_header,
    open_docx,
    paragraph_with,
    sizes_pt,
    table_width_mm,
    texts,
)
from workflows.documents import gongwen as gw
from workflows.documents.duban import duban_notice_bytes
from workflows.documents.monthly_brief import brief_from_report, monthly_tongbao_bytes
from workflows.documents.tongbao import tongbao_bytes

DOCUMENTS = {
    "duban": (lambda: duban_notice_bytes(samples.duban()), "武隆督办〔2022〕12号", "督办通知单",
              "区政府督查办", "2022年7月7日"),
    "tongbao": (lambda: tongbao_bytes(samples.tongbao()), "武隆督查通报〔2022〕3号", "推进滞后情况的通报",
                "区政府督查办", "2022年7月15日"),
    "monthly": (lambda: monthly_tongbao_bytes(brief_from_report(samples.june_report(), number=5,
                                                                issue_date=samples.JUNE)),
                "武隆营商办〔2022〕5号", "工作推进情况的通报", "区优化营商环境工作领导小组办公室", "2022年6月30日"),
}
KNOWN_FONTS = {gw.XIAOBIAOSONG, gw.HEITI, gw.KAITI, gw.FANGSONG, gw.SONGTI}


@pytest.fixture(params=sorted(DOCUMENTS), scope="module")
def built(request):
    make, number, title, office, issued = DOCUMENTS[request.param]
    return open_docx(make()), number, title, office, issued


def test_a4_with_the_gb_margins(built):
    section = built[0].sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]


def test_every_run_names_its_chinese_font_in_the_east_asian_slot(built):
    fonts = fonts_everywhere(built[0])
    assert None not in fonts
    assert fonts <= KNOWN_FONTS


def test_masthead_number_and_rule(built):
    doc, number = built[0], built[1]
    lines = texts(doc)
    assert lines[0] == gw.masthead_name(built[3])
    red = {r.font.color.rgb for r in doc.paragraphs[0].runs}
    assert red == {gw.RED}
    par = paragraph_with(doc, number)
    assert par.text == number and lines[1] == number
    assert par.alignment == WD_ALIGN_PARAGRAPH.CENTER
    border = par._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"


def test_title_in_xiaobiaosong_erhao_centred(built):
    par = paragraph_with(built[0], built[2])
    assert east_asian_fonts(par) == {gw.XIAOBIAOSONG}
    assert sizes_pt(par) == {22.0}
    assert par.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_addressee_flush_left_ending_with_a_full_width_colon(built):
    lines = texts(built[0])
    addressee = lines[3]
    assert addressee.endswith("：")
    assert paragraph_with(built[0], addressee).paragraph_format.first_line_indent is None


def test_body_in_fangsong_sanhao_indented_two_characters_fixed_line_spacing(built):
    body = [p for p in built[0].paragraphs if p.text.strip() and east_asian_fonts(p) == {gw.FANGSONG}
            and p.paragraph_format.first_line_indent is not None and p.paragraph_format.first_line_indent > 0]
    assert len(body) >= 3
    for par in body:
        fmt = par.paragraph_format
        assert sizes_pt(par) == {16.0}
        assert fmt.first_line_indent.pt == 32
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and 28 <= fmt.line_spacing.pt <= 29


def test_headings_in_heiti_and_kaiti(built):
    for par in built[0].paragraphs:
        first = par.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) if par.runs else None
        if par.text[:2] in {"一、", "二、", "三、", "四、", "五、"}:
            assert first == gw.HEITI, par.text
        if par.text[:3] in {"（一）", "（二）", "（三）"}:
            assert first == gw.KAITI, par.text


def test_tables_fit_the_text_area_and_repeat_their_header_row(built):
    for table in built[0].tables:
        assert table_width_mm(table) <= 156.0
        assert is_repeating_header(table.rows[0])
        assert not any(is_repeating_header(r) for r in table.rows[1:])
        cells = [p for row in table.rows for c in row.cells for p in c.paragraphs if p.text]
        assert {s for p in cells for s in sizes_pt(p)} == {12.0}


def test_signature_and_date_right_aligned_at_the_end_of_the_body(built):
    doc, office, issued = built[0], built[3], built[4]
    pars = [p for p in doc.paragraphs if p.text.strip()]
    dates = [i for i, p in enumerate(pars) if p.text == issued]
    assert len(dates) == 1
    office_par, date_par = pars[dates[0] - 1], pars[dates[0]]
    assert office_par.text == office
    assert office_par.alignment == date_par.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date_par.paragraph_format.right_indent.pt == 64  # four characters from the right edge


def test_page_numbers_are_a_page_field_between_dashes_on_odd_and_even_pages(built):
    doc = built[0]
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = (section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    for footer, align in (odd, even):
        par = footer.paragraphs[0]
        xml = par._p.xml
        assert "PAGE" in "".join(t.text for t in par._p.iter(qn("w:instrText")))
        assert par.text.replace(" ", "") == "—1—" and par.text.startswith("— ") and par.text.endswith(" —")
        assert par.alignment == align
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
