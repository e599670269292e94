"""The 情况通报 opens with the totals, gives each late unit a section with a table of its measures, and closes."""

from __future__ import annotations

from dataclasses import replace

from docx.table import Table

from tests import documents_samples as samples
from tests.docx_support import open_docx, parts, rows, squash, texts
from workflows.documents.records import LateMeasure, LateUnit
from workflows.documents.text import cn_date
from workflows.documents.tongbao import TITLE, tongbao_bytes


def build(**changes):
    t = replace(samples.tongbao(), **changes)
    return t, open_docx(tongbao_bytes(t))


def test_header_title_and_opening_totals():
    _, doc = build()
    lines = texts(doc)
    assert lines[:2] == ["重庆市武隆区人民政府督查办公室", "武隆督查通报〔2022〕3号"]
    assert lines[2] == "\n".join(TITLE)  # the title breaks where the meaning allows
    assert squash(lines[2]) == "关于营商环境创新试点改革事项推进滞后情况的通报"
    assert lines[3] == "各改革事项牵头单位："
    opening = lines[4]
    assert "截至2022年7月15日，有5个单位牵头的12项具体举措超过时间节点仍未完成，最长逾期32个工作日" in opening


def test_one_section_per_unit_with_a_table_of_exactly_its_measures():
    t, doc = build()
    seq = parts(doc)
    headings = [i for i, p in enumerate(seq) if not isinstance(p, Table) and p.text.startswith("（")]
    assert [seq[i].text for i in headings] == [f"（{n}）{u}" for n, u in zip("一二三四五", samples.UNITS, strict=True)]
    for at, unit in zip(headings, t.units, strict=True):
        intro, table = seq[at + 1], seq[at + 2]
        assert f"该单位牵头的{len(unit.measures)}项具体举措未按时间节点完成" in intro.text
        assert isinstance(table, Table)
        body = rows(table)[1:]
        assert [squash("".join(r)) for r in body] == [squash(expected_row(m)) for m in unit.measures]


def expected_row(m: LateMeasure) -> str:
    return f"{m.item_no}{m.item_title}{m.text}{cn_date(m.deadline)}{m.workdays_overdue}{m.state}"


def test_every_measure_unit_number_and_date_is_printed_once():
    t, doc = build()
    cells = [squash(c) for tb in doc.tables for r in rows(tb)[1:] for c in r]
    for unit in t.units:
        for m in unit.measures:
            assert cells.count(m.text) == 1
    everything = "".join(texts(doc))
    assert all(u in everything for u in samples.UNITS)


def test_table_header_names_the_columns():
    _, doc = build()
    header = [squash(c) for c in rows(doc.tables[0])[0]]
    assert header == ["序号", "改革事项", "具体举措", "时间节点", "逾期工作日", "当前状态"]


def test_requirements_default_custom_or_none():
    _, doc = build()
    lines = texts(doc)
    assert "二、有关要求" in lines
    assert "整改情况书面报送区政府督查办" in lines[lines.index("二、有关要求") + 1]
    _, doc = build(requirements="请被通报单位于7月22日前书面说明情况。")
    assert "请被通报单位于7月22日前书面说明情况。" in texts(doc)
    _, doc = build(requirements="")
    assert not any("有关要求" in line for line in texts(doc))
    assert texts(doc)[-2:] == ["区政府督查办", "2022年7月15日"]


def test_no_late_units_says_so_and_has_no_tables():
    _, doc = build(units=(LateUnit("区财政局", ()),))
    assert "未发现推进滞后的情况" in texts(doc)[4]
    assert doc.tables == []
    assert "二、有关要求" not in texts(doc) and "一、有关要求" in texts(doc)


def test_a_single_measure_unit_reads_naturally():
    _, doc = build()
    intro = next(line for line in texts(doc) if line.startswith("该单位牵头的1项"))
    assert "已逾期11个工作日" in intro and "最长" not in intro
