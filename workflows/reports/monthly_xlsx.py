"""The 月调度 workbook, declared sheet by sheet: the summary, classes, two per-unit tables, one sheet per list."""

from __future__ import annotations

from workflows.reform.table import REFORM_MEASURE, STATE_LABELS
from workflows.reports import xlsx
from workflows.reports.monthly import Figures, MonthlyReport
from workflows.reports.review import ReviewFigures
from workflows.reports.rows import cutoff_label, due_shown
from workflows.reports.xlsx import Cell, Col, Sheet, Stamp

STATE_SHORT = {s.name: s.short_title for s in REFORM_MEASURE.states}
SUBJECT = "营商环境创新试点改革事项"


def title(report: MonthlyReport, stamp: Stamp) -> str:
    return f"{stamp.district}{SUBJECT}月调度表（{report.label}）"


def workbook_bytes(report: MonthlyReport, stamp: Stamp) -> bytes:
    return xlsx.workbook_bytes(title(report, stamp), report.cutoff, sheets(report, stamp), stamp)


def sheets(report: MonthlyReport, stamp: Stamp) -> list[Sheet]:
    district = stamp.district
    return [_summary(report, district), _classes(report, district), _units(report, district),
            _states(report, district), _overdue(report, district), _completed(report, district),
            _activity(report, district, "本月退回", report.returns, "退回人", "退回理由"),
            _activity(report, district, "进展报送", report.progress, "报送人", "进展情况", percent=True),
            _escalations(report, district), _milestones(report, district), _review(report, district),
            _problems(report, district), _instructions(report, district)]


def heading(report: MonthlyReport) -> list[str]:
    note = "（本月尚未结束，数据截至生成时刻）" if report.running else ""
    return [f"统计范围：{report.scope}　　统计月份：{report.label}　　统计截止：{cutoff_label(report.cutoff)}{note}",
            *([report.calendar_note] if report.calendar_note else [])]


def _sheet(report: MonthlyReport, name: str, title: str, cols, rows, **more) -> Sheet:
    return Sheet(name, f"{title}（{report.label}）", cols, rows, lines=heading(report), **more)


def _summary(report: MonthlyReport, district: str) -> Sheet:
    cols = [Col("指标", 24), Col("数值", 8, "int"), Col("说明", 40)]
    return _sheet(report, "总体情况", f"{district}{SUBJECT}推进情况总表", cols,
                  summary_rows(report.overall, report), notes=report.rules)


def summary_rows(fig: Figures, report: MonthlyReport) -> list[tuple]:
    rows: list[tuple] = [("举措总数", fig.measures, "统计截止时已纳入台账的具体举措")]
    rows += [(f"其中：{label}", fig.by_state.get(state, 0), "统计截止时的状态")
             for state, label in STATE_LABELS.items()]
    rows += [("应完成", fig.due, "时间节点当日已过，或已报送完成情况"),
             ("按时完成", fig.on_time, "时间节点当日24时前报送且未被退回（含等待督查办核验的）"),
             ("按时完成率", Cell(fig.on_time_rate, "rate"), "按时完成 ÷ 应完成"),
             ("逾期举措", fig.overdue, "时间节点当日24时仍未报送"),
             ("逾期工作日合计", fig.overdue_workdays, "各逾期举措的逾期工作日之和"),
             ("本月核验通过", fig.completed, "本月内经督查办核验通过"),
             ("本月退回", fig.returns, "督查办退回的次数"),
             ("本月进展报送", fig.progress_updates, "牵头单位进展报送的次数")]
    rows += [(f"本月预警：{title}", fig.escalations.get(lvl, 0), "实际发出的预警") for lvl, title in
             report.levels.items()]
    rows += [("未完成节点", fig.missed_milestones, "倒排时间表中已过期未完成的节点"),
             ("滞后单位", len(report.lagging_units), "、".join(report.lagging_units) or "无")]
    return rows + review_rows(report.review)


def review_rows(r: ReviewFigures) -> list[tuple]:
    """督查办's own line: its queue and its late reviews, never counted against a unit."""
    limit = f"报送次日起超过 {r.within} 个工作日未核验或退回" if r.within is not None else "未设置核验时限"
    return [(f"{r.unit}：待核验", r.pending, "统计截止时等待督查办核验的报送"),
            (f"{r.unit}：核验超时", r.late, f"{limit}，超时工作日合计 {r.late_workdays} 个；不计入牵头单位"),
            (f"{r.unit}：核验超时提醒", r.reminders, "本月向督查办发出的核验超时提醒")]


def _classes(report: MonthlyReport, district: str) -> Sheet:
    cols = [Col("分类", 28), Col("改革事项数", 10, "int"), Col("具体举措数", 10, "int"),
            Col("已核验", 10, "int"), Col("逾期", 8, "int")]
    rows = [(c.klass, c.items, c.measures, c.completed_total, c.overdue) for c in report.classes]
    return _sheet(report, "分类推进", f"{district}{SUBJECT}分类推进情况", cols, rows)


def unit_cols(report: MonthlyReport) -> list[Col]:
    return [Col("序号", 4.5, "int"), Col("牵头单位", 16), Col("举措数", 5.5, "int"),
            Col("应完成", 5.5, "int", "按时完成情况"), Col("按时完成", 5.5, "int", "按时完成情况"),
            Col("按时完成率", 7.5, "rate", "按时完成情况"),
            Col("逾期举措", 5.5, "int", "逾期情况"), Col("逾期工作日", 6.5, "int", "逾期情况"),
            Col("核验通过", 5.5, "int", "本月"), Col("退回", 5.5, "int", "本月"), Col("进展报送", 5.5, "int", "本月"),
            Col("未完成节点", 5.5, "int"), Col("是否滞后", 5.5, "center"), Col("滞后原因", 26)]


def unit_row(fig: Figures) -> list:
    return [fig.measures, fig.due, fig.on_time, fig.on_time_rate, fig.overdue, fig.overdue_workdays,
            fig.completed, fig.returns, fig.progress_updates, fig.missed_milestones]


def _units(report: MonthlyReport, district: str) -> Sheet:
    rows = [[n, u.unit, *unit_row(u), "是" if u.lagging else "否", "；".join(u.lagging_reasons)]
            for n, u in enumerate(report.units, start=1)]
    total = [None, "合计", *unit_row(report.overall), f"{len(report.lagging_units)}个", None]
    r = report.review
    line = (f"{r.unit}：统计截止时待核验 {r.pending} 项，核验超时 {r.late} 项（超时工作日合计 {r.late_workdays} 个），"
            "单列于“督查办核验”表，不计入各牵头单位。")
    joint = "共同牵头的举措计入每个牵头单位，“合计”行按举措计（每项一次）；配合单位不计。"
    return _sheet(report, "分单位推进", f"{district}{SUBJECT}各牵头单位推进情况", unit_cols(report), rows,
                  total=total, notes=[line, joint])


def state_cols(report: MonthlyReport) -> list[Col]:
    return ([Col("序号", 4.5, "int"), Col("牵头单位", 16)]
            + [Col(label, 7, "int", "举措状态（统计截止）") for label in STATE_SHORT.values()]
            + [Col("合计", 6, "int", "举措状态（统计截止）")]
            + [Col(title, 7, "int", "本月发出预警") for title in report.levels.values()])


def state_row(fig: Figures, levels) -> list:
    return ([fig.by_state.get(s, 0) for s in STATE_SHORT] + [fig.measures]
            + [fig.escalations.get(lvl, 0) for lvl in levels])


def _states(report: MonthlyReport, district: str) -> Sheet:
    rows = [[n, u.unit, *state_row(u, report.levels)] for n, u in enumerate(report.units, start=1)]
    total = [None, "合计", *state_row(report.overall, report.levels)]
    return _sheet(report, "分单位状态与预警", f"{district}{SUBJECT}各牵头单位举措状态与预警", state_cols(report),
                  rows, total=total)


def measure_cols(*extra: Col, text: float = 40, due: bool = True) -> list[Col]:
    """序号 … 时间节点 and the list's own columns: about 108 units, the width of a landscape page at 100 %."""
    cols = [Col("序号", 4.5, "int"), Col("事项编号", 4.5, "center"), Col("改革事项", 16), Col("具体举措", text),
            Col("牵头单位", 10)]
    return [*cols, *([Col("时间节点", 15, "center")] if due else []), *extra]


def _ref(n: int, row, due: bool = True) -> list:
    return [n, row.item_no, row.item_title, row.text, row.unit, *([due_shown(row)] if due else [])]


def _overdue(report: MonthlyReport, district: str) -> Sheet:
    cols = measure_cols(Col("状态", 8, "center"), Col("逾期工作日", 6.5, "int"), text=42)
    rows = [[*_ref(n, r), STATE_LABELS.get(r.state, r.state), r.workdays_overdue]
            for n, r in enumerate(report.overdue, start=1)]
    return _sheet(report, "逾期举措", f"{district}{SUBJECT}逾期举措清单", cols, rows)


def _completed(report: MonthlyReport, district: str) -> Sheet:
    cols = measure_cols(Col("报送日期", 15, "center"), Col("核验日期", 15, "center"), Col("是否按时", 5.5, "center"),
                        text=25)
    rows = [[*_ref(n, r), xlsx.day(r.reported_at), xlsx.day(r.verified_at), "是" if r.on_time else "否"]
            for n, r in enumerate(report.completed, start=1)]
    return _sheet(report, "本月核验通过", f"{district}{SUBJECT}本月核验通过举措", cols, rows)


def _activity(report: MonthlyReport, district: str, name: str, items: list, who: str, what: str,
              percent: bool = False) -> Sheet:
    cols = measure_cols(Col("日期", 15, "center"), Col(who, 8, "center"), Col(what, 22 if percent else 26),
                        *([Col("完成百分比", 6, "int")] if percent else []), text=24 if percent else 26, due=False)
    rows = [[*_ref(n, r, due=False), xlsx.day(r.at), r.actor, r.comment] + ([r.percent] if percent else [])
            for n, r in enumerate(items, start=1)]
    return _sheet(report, name, f"{district}{SUBJECT}{name}情况", cols, rows)


def _escalations(report: MonthlyReport, district: str) -> Sheet:
    cols = measure_cols(Col("预警级别", 9, "center"), Col("发出日期", 15, "center"), text=34)
    rows = [[*_ref(n, r), report.levels.get(r.level, r.level), xlsx.day(r.fired_at)]
            for n, r in enumerate(report.escalations, start=1)]
    return _sheet(report, "本月预警", f"{district}{SUBJECT}本月预警发出情况", cols, rows)


def _milestones(report: MonthlyReport, district: str) -> Sheet:
    cols = measure_cols(Col("节点日期", 15, "center"), Col("节点内容", 20), text=25)
    rows = [[*_ref(n, r), r.milestone_due, r.description] for n, r in enumerate(report.missed_milestones, start=1)]
    return _sheet(report, "未完成节点", f"{district}{SUBJECT}倒排时间表未完成节点", cols, rows)


def review_sheet_rows(review: ReviewFigures) -> list[list]:
    return [[n, r.item_no, r.item_title, r.text, r.unit, xlsx.day(r.reported_at), r.outcome, r.waited_workdays,
             r.late_workdays] for n, r in enumerate(review.rows, start=1)]


def review_cols() -> list[Col]:
    return measure_cols(Col("报送日期", 15, "center"), Col("核验结果", 8, "center"), Col("等待工作日", 6.5, "int"),
                        Col("超时工作日", 6.5, "int"), text=36, due=False)


def review_line(r: ReviewFigures, period: str) -> str:
    limit = f"核验时限为报送次日起 {r.within} 个工作日" if r.within is not None else "未设置核验时限"
    return (f"{r.unit}：统计截止时待核验 {r.pending} 项；{period}核验通过 {r.verified} 项、退回 {r.returned} 项；"
            f"核验超时 {r.late} 项，超时工作日合计 {r.late_workdays} 个；{limit}。核验超时记在督查办，不计入牵头单位。")


def _review(report: MonthlyReport, district: str) -> Sheet:
    return Sheet("督查办核验", f"{district}{SUBJECT}督查办核验超时情况（{report.label}）", review_cols(),
                 review_sheet_rows(report.review), lines=[*heading(report), review_line(report.review, "本月")])


def _problems(report: MonthlyReport, district: str) -> Sheet:
    cols = [Col("序号", 4.5, "int"), Col("事项编号", 4.5, "center"), Col("改革事项", 10), Col("牵头单位", 10),
            Col("来源", 6, "center"), Col("问题", 24), Col("提出日期", 13, "center"), Col("已持续工作日", 6, "int"),
            Col("状态", 8, "center"), Col("协调单位", 10), Col("办理时限", 13, "center")]
    rows = [[n, r.item_no, r.item_title, r.unit, r.origin, r.text, r.raised_on, r.age_workdays, r.state,
             r.coordinating, r.due_date] for n, r in enumerate(report.open_problems, start=1)]
    return _sheet(report, "待协调问题", f"{district}{SUBJECT}尚未办结的问题", cols, rows,
                  notes=["统计截止时已提出、尚未关闭的问题（含信息报送的需协调问题和督查发现的整改问题），按提出先后排列。"])


def _instructions(report: MonthlyReport, district: str) -> Sheet:
    cols = [Col("序号", 4.5, "int"), Col("事项编号", 4.5, "center"), Col("改革事项", 14), Col("牵头单位", 12),
            Col("批示领导", 8, "center"), Col("批示内容", 40), Col("批示日期", 13, "center"),
            Col("已过工作日", 6.5, "int")]
    rows = [[n, r.item_no, r.item_title, r.unit, r.leader, r.text, r.given_on, r.age_workdays]
            for n, r in enumerate(report.open_instructions, start=1)]
    return _sheet(report, "待落实批示", f"{district}{SUBJECT}区领导批示待落实情况", cols, rows,
                  notes=["统计截止时牵头单位尚未报告落实情况的区领导批示。"])
