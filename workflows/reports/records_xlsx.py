"""典型案例 as a document list for publicity: one row per case, printable as it is."""

from __future__ import annotations

from datetime import datetime

from workflows.reports import xlsx
from workflows.reports.records import EvaluationRow
from workflows.reports.xlsx import Col

TITLE = "营商环境创新试点典型案例清单"
COLS = [Col("序号", 6, "int"), Col("事项编号", 8), Col("案例名称（改革事项）", 24, "wrap"), Col("具体举措", 40, "wrap"),
        Col("牵头单位", 16, "wrap"), Col("案例说明", 50, "wrap"), Col("评估等级", 8), Col("市场主体满意度", 10, "int"),
        Col("评估日期", 14, "date"), Col("复制推广范围", 12, "wrap")]


def typical_cases_bytes(rows: list[EvaluationRow], scope: str, when: datetime) -> bytes:
    wb = xlsx.new_workbook(TITLE, when)
    ws = wb.create_sheet("典型案例")
    lines = [f"统计范围：{scope}；截至 {xlsx.excel_value(when):%Y年%m月%d日}，共 {len(rows)} 个典型案例"]
    top = xlsx.title_block(ws, TITLE, lines, len(COLS))
    xlsx.table(ws, top, COLS, [case_cells(n, r) for n, r in enumerate(rows, start=1)])
    xlsx.landscape(ws)
    return xlsx.to_bytes(wb)


def case_cells(n: int, r: EvaluationRow) -> list:
    return [n, r.item_no, r.item_title, r.text, r.unit, r.case_text, r.rating, r.satisfaction, xlsx.day(r.at),
            r.replication_scope]
