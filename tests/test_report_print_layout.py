"""Every workbook is set up for print as the district hands it over: A4, header rows repeated, 制表单位, page numbers,
a 审核人 line, titles 武隆区……, plain integers, 2022年6月30日, 24时, 已完成, row heights for wrapped text."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from runtime import reports as reporting
from tests.sheet_support import records
from tests.world import bj, june_scenario
from workflows.reports import xlsx


@pytest.fixture
def world(rt):
    w = june_scenario(rt)
    w.act(w.measures[5], "evaluate", "office", "2022-06-17 10:00", rating="较好", satisfaction=85, typical_case=True,
          case_text="电子证照互认，群众少跑路")
    rt.clock.set(bj("2022-07-01 09:00"))
    return w


def books(rt) -> dict[str, object]:
    with rt.read() as s:
        cases, label = reporting.typical_cases(rt, s, None)
        made = {"monthly": reporting.monthly_workbook(rt, reporting.monthly(rt, s, None, "2022-06")),
                "may": reporting.monthly_workbook(rt, reporting.monthly(rt, s, None, "2022-05")),
                "assessment": reporting.assessment_workbook(rt, reporting.assessment(rt, s, None, "2022")),
                "ledger": reporting.ledger_workbook(rt, s, None),
                "typical": reporting.typical_cases_workbook(rt, cases, label)}
    return {name: load_workbook(io.BytesIO(book.content)) for name, book in made.items()}


def test_every_sheet_prints_on_a4_with_its_stamp_page_numbers_and_sign_off(rt, world):
    issuer = rt.config.reports.printing.issuer
    for name, wb in books(rt).items():
        for ws in wb.worksheets:
            where = f"{name}/{ws.title}"
            assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), where
            width = sum(ws.column_dimensions[c].width for c in ws.column_dimensions)
            assert ws.page_setup.orientation == ("landscape" if width * xlsx.UNIT_PT > xlsx.PAGE_PT[False]
                                                 else "portrait") or name == "ledger", where
            head = int(ws.freeze_panes[1:]) - 1
            assert ws.print_title_rows.startswith(f"${ws.print_title_rows[1]}") and \
                ws.print_title_rows.endswith(f"${head}"), (where, ws.print_title_rows)
            assert ws.oddHeader.left.text == f"制表单位：{issuer}", where
            assert ws.oddHeader.right.text == "制表日期：2022年7月1日", where
            assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", where
            values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            assert any(v.startswith("审核人") or "审核人：" in v for v in values) or \
                "审核人" in (ws.oddFooter.left.text or ""), where
            assert ws.cell(1, 1).value.startswith("武隆区"), (where, ws.cell(1, 1).value)


def test_numbers_and_dates_print_as_the_district_writes_them(rt, world):
    for name, wb in books(rt).items():
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    where = f"{name}/{ws.title}!{c.coordinate}"
                    if isinstance(c.value, bool) or c.value is None:
                        continue
                    if isinstance(c.value, int):
                        assert c.number_format in ("0", '+0;-0;""', "General", "0.0%"), where
                    elif isinstance(c.value, float) and c.number_format != "0.0%":
                        assert c.number_format.lstrip("+").startswith("0") and \
                            len(c.number_format.split(";")[0].split(".")[-1]) <= 2, where
                        if c.value == int(c.value):
                            assert "." not in c.number_format, (where, c.value, c.number_format)
                    elif isinstance(c.value, datetime):
                        assert c.number_format == 'yyyy"年"m"月"d"日"', where
                    elif isinstance(c.value, str):
                        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{4}年0\d月|\d{2}:\d{2}", c.value), (where, c.value)


def test_the_cutoff_of_a_finished_month_and_the_plans_own_done_rows(rt, world):
    wb = books(rt)
    june = wb["monthly"]["总体情况"]
    assert "统计截止：2022年6月30日24时" in june.cell(2, 1).value and "尚未结束" not in june.cell(2, 1).value
    assert wb["monthly"]["总体情况"].cell(1, 1).value == "武隆区营商环境创新试点改革事项推进情况总表（2022年6月）"
    verified_in_may = records(wb["may"]["本月核验通过"], "序号")  # m5, the plan's 已完成, verified on 5-31
    assert [r["时间节点"] for r in verified_in_may] == ["已完成"]
    typical = records(wb["typical"]["典型案例"], "序号")
    assert {r["案例说明"] for r in typical} >= {"电子证照互认，群众少跑路"}
    running = load_workbook(io.BytesIO(_running_assessment(rt)))["考核得分"]
    assert "2022年7月1日 9时00分（年度尚未结束" in running.cell(2, 1).value


def _running_assessment(rt) -> bytes:
    with rt.read() as s:
        return reporting.assessment_workbook(rt, reporting.assessment(rt, s, None, "2022")).content


def test_rows_are_tall_enough_for_their_wrapped_text(rt, world):
    for name, wb in books(rt).items():
        for ws in wb.worksheets:
            widths = {c: ws.column_dimensions[c].width for c in ws.column_dimensions}
            merged = {cell for rng in ws.merged_cells.ranges for row in ws[rng.coord] for cell in row}
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c not in merged and c.alignment.wrap_text:
                        need = xlsx.row_height(xlsx.lines_needed(c.value, widths[c.column_letter]))
                        assert ws.row_dimensions[c.row].height >= need, (name, ws.title, c.coordinate, c.value)
