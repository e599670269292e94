"""The 月调度 workbook: a summary sheet, a per-unit sheet with merged headers, and one sheet per list."""

from __future__ import annotations

from workflows.reform.table import REFORM_MEASURE, STATE_LABELS
from workflows.reports import xlsx
from workflows.reports.monthly import Figures, MonthlyReport
from workflows.reports.xlsx import Col, Typed

STATE_SHORT = {s.name: s.short_title for s in REFORM_MEASURE.states}
TITLE = "营商环境创新试点改革事项月调度报告"


def workbook_bytes(report: MonthlyReport) -> bytes:
    wb = xlsx.new_workbook(f"{TITLE}（{report.label}）", report.cutoff)
    _summary(wb.create_sheet("总体情况"), report)
    _units(wb.create_sheet("分单位情况"), report)
    _overdue(wb.create_sheet("逾期举措"), report)
    _completed(wb.create_sheet("本月完成"), report)
    _activity(wb.create_sheet("本月退回"), report, report.returns, "退回人", "退回理由")
    _activity(wb.create_sheet("进展报送"), report, report.progress, "报送人", "进展情况", percent=True)
    _escalations(wb.create_sheet("本月预警"), report)
    _milestones(wb.create_sheet("未完成节点"), report)
    for ws in wb.worksheets:
        xlsx.landscape(ws)
    return xlsx.to_bytes(wb)


def heading(report: MonthlyReport) -> list[str]:
    cut = xlsx.excel_value(report.cutoff)
    note = "（本月尚未结束，数据截至生成时刻）" if report.running else ""
    return [f"统计范围：{report.scope}；统计月份：{report.first:%Y年%m月%d日}至{report.last:%Y年%m月%d日}；"
            f"统计截止：{cut:%Y年%m月%d日 %H:%M}{note}", *([report.calendar_note] if report.calendar_note else [])]


def _summary(ws, report: MonthlyReport) -> None:
    top = xlsx.title_block(ws, f"{TITLE}（{report.label}）", heading(report), 5)
    cols = [Col("指标", 30), Col("数值", 14, "int"), Col("说明", 60, "wrap")]
    end = xlsx.table(ws, top, cols, _summary_rows(report.overall, report), freeze=False)
    ws.cell(end + 1, 1, "分类推进").font = xlsx.Font(name=xlsx.FONT, bold=True)
    cls_cols = [Col("分类", 30), Col("改革事项数", 14, "int"), Col("具体举措数", 14, "int"),
                Col("已完成（已核验）", 16, "int"), Col("逾期", 14, "int")]
    rows = [(c.klass, c.items, c.measures, c.completed_total, c.overdue) for c in report.classes]
    end = xlsx.table(ws, end + 2, cls_cols, rows, freeze=False)
    ws.cell(end + 1, 1, "口径说明").font = xlsx.Font(name=xlsx.FONT, bold=True)
    for offset, rule in enumerate(report.rules, start=end + 2):
        ws.cell(offset, 1, rule).alignment = xlsx.Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=5)
        ws.row_dimensions[offset].height = 32


def _summary_rows(fig: Figures, report: MonthlyReport) -> list[tuple]:
    rows: list[tuple] = [("举措总数", fig.measures, "统计截止时已纳入台账的具体举措")]
    rows += [(f"其中：{label}", fig.by_state.get(state, 0), "统计截止时的状态")
             for state, label in STATE_LABELS.items()]
    rows += [("本月完成（核验通过）", fig.completed, "本月内经督查办核验通过"),
             ("应完成", fig.due, "时间节点已到或已核验通过"),
             ("按时完成", fig.on_time, "在时间节点当日或之前报送并已核验通过"),
             ("按时完成率", Typed(fig.on_time_rate, "rate"), "按时完成 ÷ 应完成"),
             ("逾期举措", fig.overdue, "已过时间节点仍未报送"),
             ("逾期工作日合计", fig.overdue_workdays, "逾期举措的逾期工作日之和"),
             ("本月退回", fig.returns, "督查办退回次数"),
             ("本月进展报送", fig.progress_updates, "牵头单位进展报送次数")]
    rows += [(f"本月预警：{title}", fig.escalations.get(lvl, 0), "实际发出的预警") for lvl, title in
             report.levels.items()]
    rows += [("未完成节点", fig.missed_milestones, "倒排时间表中已过期未完成的节点"),
             ("滞后单位", len(report.lagging_units), "、".join(report.lagging_units) or "无")]
    return rows


def unit_cols(report: MonthlyReport) -> list[Col]:
    return ([Col("序号", 6, "int"), Col("牵头单位", 22, "wrap")]
            + [Col(label, 9, "int", "举措状态（统计截止）") for label in STATE_SHORT.values()]
            + [Col("合计", 8, "int", "举措状态（统计截止）"), Col("本月完成", 9, "int"),
               Col("应完成", 8, "int", "按时完成情况"), Col("按时完成", 9, "int", "按时完成情况"),
               Col("按时完成率", 10, "rate", "按时完成情况"),
               Col("逾期举措", 8, "int", "逾期情况"), Col("逾期工作日", 9, "int", "逾期情况"),
               Col("本月退回", 8, "int")]
            + [Col(title, 8, "int", "本月预警") for title in report.levels.values()]
            + [Col("进展报送", 8, "int"), Col("未完成节点", 9, "int"), Col("是否滞后", 8),
               Col("滞后原因", 28, "wrap")])


def unit_row(fig: Figures, levels) -> list:
    return ([fig.by_state.get(s, 0) for s in STATE_SHORT] + [fig.measures, fig.completed, fig.due, fig.on_time,
            fig.on_time_rate, fig.overdue, fig.overdue_workdays, fig.returns]
            + [fig.escalations.get(lvl, 0) for lvl in levels] + [fig.progress_updates, fig.missed_milestones])


def _units(ws, report: MonthlyReport) -> None:
    cols = unit_cols(report)
    top = xlsx.title_block(ws, f"分单位推进情况（{report.label}）", heading(report), len(cols))
    rows = [[n, u.unit, *unit_row(u, report.levels), "是" if u.lagging else "否", "；".join(u.lagging_reasons)]
            for n, u in enumerate(report.units, start=1)]
    total = [None, "合计", *unit_row(report.overall, report.levels), f"{len(report.lagging_units)} 个", ""]
    xlsx.table(ws, top, cols, rows, total=total)


def _measure_cols(*extra: Col) -> list[Col]:
    return [Col("序号", 6, "int"), Col("事项编号", 8), Col("改革事项", 24, "wrap"), Col("具体举措", 50, "wrap"),
            Col("牵头单位", 16, "wrap"), Col("时间节点", 14, "date"), *extra]


def _ref(n: int, row) -> list:
    return [n, row.item_no, row.item_title, row.text, row.unit, row.due_date]


def _overdue(ws, report: MonthlyReport) -> None:
    cols = _measure_cols(Col("状态", 10), Col("逾期工作日", 10, "int"))
    top = xlsx.title_block(ws, f"逾期举措清单（{report.label}）", heading(report), len(cols))
    rows = [[*_ref(n, r), STATE_LABELS.get(r.state, r.state), r.workdays_overdue]
            for n, r in enumerate(report.overdue, start=1)]
    xlsx.table(ws, top, cols, rows)


def _completed(ws, report: MonthlyReport) -> None:
    cols = _measure_cols(Col("报送时间", 18, "datetime"), Col("核验时间", 18, "datetime"), Col("是否按时", 8))
    top = xlsx.title_block(ws, f"本月完成（核验通过）举措（{report.label}）", heading(report), len(cols))
    rows = [[*_ref(n, r), r.reported_at, r.verified_at, "是" if r.on_time else "否"]
            for n, r in enumerate(report.completed, start=1)]
    xlsx.table(ws, top, cols, rows)


def _activity(ws, report: MonthlyReport, items: list, who: str, what: str, percent: bool = False) -> None:
    cols = _measure_cols(Col("时间", 18, "datetime"), Col(who, 12), Col(what, 40, "wrap"))
    cols += [Col("完成百分比", 10, "int")] if percent else []
    top = xlsx.title_block(ws, f"{ws.title}（{report.label}）", heading(report), len(cols))
    rows = [[*_ref(n, r), r.at, r.actor, r.comment] + ([r.percent] if percent else [])
            for n, r in enumerate(items, start=1)]
    xlsx.table(ws, top, cols, rows)


def _escalations(ws, report: MonthlyReport) -> None:
    cols = _measure_cols(Col("预警级别", 12), Col("发出时间", 18, "datetime"))
    top = xlsx.title_block(ws, f"本月发出的预警（{report.label}）", heading(report), len(cols))
    rows = [[*_ref(n, r), report.levels.get(r.level, r.level), r.fired_at]
            for n, r in enumerate(report.escalations, start=1)]
    xlsx.table(ws, top, cols, rows)


def _milestones(ws, report: MonthlyReport) -> None:
    cols = _measure_cols(Col("节点日期", 14, "date"), Col("节点内容", 40, "wrap"))
    top = xlsx.title_block(ws, f"倒排时间表未完成节点（{report.label}）", heading(report), len(cols))
    rows = [[*_ref(n, r), r.milestone_due, r.description] for n, r in enumerate(report.missed_milestones, start=1)]
    xlsx.table(ws, top, cols, rows)

