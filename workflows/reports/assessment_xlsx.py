"""The 督查考核 workbook: scores with one column per rule, the itemised detail, and the formula itself."""

from __future__ import annotations

from workflows.reports import xlsx
from workflows.reports.assessment import AssessmentReport
from workflows.reports.xlsx import Col

TITLE = "营商环境创新试点改革事项督查考核得分表"


def workbook_bytes(report: AssessmentReport) -> bytes:
    wb = xlsx.new_workbook(f"{TITLE}（{report.label}）", report.cutoff)
    _scores(wb.create_sheet("考核得分"), report)
    _details(wb.create_sheet("计分明细"), report)
    _formula(wb.create_sheet("计分规则"), report)
    for ws in wb.worksheets:
        xlsx.landscape(ws)
    return xlsx.to_bytes(wb)


def heading(report: AssessmentReport) -> list[str]:
    cut = xlsx.excel_value(report.cutoff)
    note = "（年度尚未结束，数据截至生成时刻）" if report.running else ""
    return [f"统计范围：{report.scope}；考核年度：{report.label}；统计截止：{cut:%Y年%m月%d日 %H:%M}{note}；"
            f"基础分 {report.base:g} 分，得分区间 {report.floor:g}～{report.ceiling:g} 分",
            *([report.calendar_note] if report.calendar_note else [])]


def score_cols(report: AssessmentReport) -> list[Col]:
    cols = [Col("名次", 6, "int"), Col("牵头单位", 22, "wrap"), Col("牵头举措", 8, "int"),
            Col("应完成", 8, "int", "按时完成情况"), Col("按时完成", 8, "int", "按时完成情况"),
            Col("按时完成率", 10, "rate", "按时完成情况"), Col("基础分", 8, "score")]
    for rule in report.formula:
        cols += [Col("数量", 8, "score", rule["label"]), Col("得分", 8, "points", rule["label"])]
    return [*cols, Col("总分", 9, "score")]


def _scores(ws, report: AssessmentReport) -> None:
    cols = score_cols(report)
    top = xlsx.title_block(ws, f"{TITLE}（{report.label}）", heading(report), len(cols))
    rows = []
    for u in report.units:
        cells = [u.rank, u.unit, u.measures, u.due, u.on_time, u.on_time_rate, u.base]
        for line in u.lines:
            cells += [line.quantity, line.points]
        rows.append([*cells, u.total])
    xlsx.table(ws, top, cols, rows)


def _details(ws, report: AssessmentReport) -> None:
    cols = [Col("牵头单位", 18, "wrap"), Col("计分项", 14), Col("事项编号", 8), Col("改革事项", 22, "wrap"),
            Col("具体举措", 46, "wrap"), Col("时间节点", 14, "date"), Col("数量", 8, "score"),
            Col("说明", 36, "wrap")]
    top = xlsx.title_block(ws, f"计分明细（{report.label}）", heading(report), len(cols))
    rows = [[u.unit, d.rule, d.item_no, d.item_title, d.text, d.due_date, d.quantity, d.note]
            for u in report.units for d in u.details]
    xlsx.table(ws, top, cols, rows)


def _formula(ws, report: AssessmentReport) -> None:
    cols = [Col("计分项", 22), Col("计量单位", 12), Col("每单位分值", 12, "points"), Col("封顶（分）", 12, "score"),
            Col("规则", 40, "wrap")]
    top = xlsx.title_block(ws, f"计分规则（{report.label}）", heading(report), len(cols))
    rows = [[r["label"], r["unit"], r["per"], r["cap"], r["rule"]] for r in report.formula]
    end = xlsx.table(ws, top, cols, rows)
    for offset, text in enumerate(report.rules, start=end + 1):
        ws.cell(offset, 1, text).alignment = xlsx.Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=len(cols))
        ws.row_dimensions[offset].height = 32
