"""The 督办通知单 names the unit, the overdue measure, its deadline and working days, what to do and the reply date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from docx.table import Table

from tests import documents_samples as samples
from tests.docx_support import open_docx, parts, texts
from workflows.documents.duban import DEFAULT_REQUIRED, duban_notice_bytes


def build(**changes):
    notice = replace(samples.duban(), **changes)
    return notice, open_docx(duban_notice_bytes(notice))


def test_header_block_title_and_addressee():
    notice, doc = build()
    lines = texts(doc)
    assert lines[:4] == ["重庆市武隆区人民政府督查办公室", "武隆督办〔2022〕12号", "督办通知单", "区财政局："]
    assert notice.document_number == "武隆督办〔2022〕12号"


def test_the_facts_paragraph_names_the_measure_and_how_late_it_is():
    notice, doc = build()
    facts = texts(doc)[4]
    assert "武隆区营商环境创新试点" in facts
    assert f"第3项“{notice.item_title}”" in facts
    assert notice.measure.rstrip("。") in facts
    assert "时间节点为2022年6月30日" in facts
    assert "截至2022年7月7日，该举措已逾期5个工作日" in facts
    assert "“督办”环节" in facts
    assert "《重庆市武隆区营商环境创新试点实施方案》（武隆府发〔2022〕9号）" in facts


def test_required_then_reply_by_then_signature_and_contact():
    _, doc = build()
    lines = texts(doc)
    assert lines[5] == DEFAULT_REQUIRED
    assert lines[6].startswith("请于2022年7月14日前将该举措推进情况") and "书面报送区政府督查办" in lines[6]
    assert lines[7:] == ["区政府督查办", "2022年7月7日", "（联系人：王明，联系电话：023-77722345）"]


def test_what_is_required_is_editable_and_the_contact_optional():
    _, doc = build(required="请于3个工作日内召开专题会议研究整改。", contact=None, issue_date=date(2022, 7, 8))
    lines = texts(doc)
    assert lines[5] == "请于3个工作日内召开专题会议研究整改。"
    assert DEFAULT_REQUIRED not in lines
    assert lines[-2:] == ["区政府督查办", "2022年7月8日"]


def test_quotation_marks_in_an_item_title_are_nested():
    _, doc = build(item_no="1", item_title="开展“一照多址”“一证多址”改革")
    assert "第1项“开展‘一照多址’‘一证多址’改革”" in texts(doc)[4]


def test_a_configured_number_format_and_no_tables():
    _, doc = build(number_format="武隆府督办〔{year}〕{n}号", number=7)
    assert texts(doc)[1] == "武隆府督办〔2022〕7号"
    assert not any(isinstance(p, Table) for p in parts(doc))
