"""典型案例 as a document list for publicity: one row per case, printable as it is."""

from __future__ import annotations

from datetime import datetime

from workflows.documents.text import cn_date
from workflows.reports import xlsx
from workflows.reports.periods import local_day
from workflows.reports.records import EvaluationRow
from workflows.reports.xlsx import Col, Sheet, Stamp

SUBJECT = "营商环境创新试点典型案例清单"
COLS = [Col("序号", 4.5, "int"), Col("事项编号", 4.5, "center"), Col("案例名称（改革事项）", 13), Col("具体举措", 22),
        Col("牵头单位", 10), Col("案例说明", 24), Col("评估等级", 5.5, "center"), Col("市场主体满意度", 6, "int"),
        Col("评估日期", 14, "center"), Col("复制推广范围", 7, "center")]


def title(stamp: Stamp) -> str:
    return f"{stamp.district}{SUBJECT}"


def typical_cases_bytes(rows: list[EvaluationRow], scope: str, when: datetime, stamp: Stamp) -> bytes:
    lines = [f"统计范围：{scope}　　截至 {cn_date(local_day(when))}，共 {len(rows)} 个典型案例"]
    sheet = Sheet("典型案例", title(stamp), COLS, [case_cells(n, r) for n, r in enumerate(rows, start=1)],
                  lines=lines, empty="暂无典型案例")
    return xlsx.workbook_bytes(title(stamp), when, [sheet], stamp)


def case_cells(n: int, r: EvaluationRow) -> list:
    return [n, r.item_no, r.item_title, r.text, r.unit, r.case_text, r.rating, r.satisfaction, xlsx.day(r.at),
            r.replication_scope or None]
