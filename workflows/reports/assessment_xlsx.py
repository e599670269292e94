"""The 督查考核 workbook: scores, each unit's lines naming their measures, the measures behind them, 督查办's
review times, and the formula itself."""

from __future__ import annotations

from workflows.reports import xlsx
from workflows.reports.assessment import NOTHING_DUE, AssessmentReport, UnitScore
from workflows.reports.monthly_xlsx import review_cols, review_line, review_sheet_rows
from workflows.reports.rows import cutoff_label, due_shown, measure_label
from workflows.reports.xlsx import Cell, Col, Group, Sheet, Stamp

SUBJECT = "营商环境创新试点改革事项督查考核"


def title(report: AssessmentReport, stamp: Stamp) -> str:
    return f"{stamp.district}{SUBJECT}得分表（{report.label}）"


def workbook_bytes(report: AssessmentReport, stamp: Stamp) -> bytes:
    return xlsx.workbook_bytes(title(report, stamp), report.cutoff, sheets(report, stamp), stamp)


def sheets(report: AssessmentReport, stamp: Stamp) -> list[Sheet]:
    d = stamp.district
    return [_scores(report, title(report, stamp)), _lines(report, d), _measures(report, d), _review(report, d),
            _formula(report, d)]


def heading(report: AssessmentReport) -> list[str]:
    note = "（年度尚未结束，数据截至生成时刻）" if report.running else ""
    return [f"统计范围：{report.scope}　　考核年度：{report.label}　　统计截止：{cutoff_label(report.cutoff)}{note}　　"
            f"基础分 {report.base:g} 分，得分区间 {report.floor:g}～{report.ceiling:g} 分",
            *([report.calendar_note] if report.calendar_note else [])]


def score_cols(report: AssessmentReport) -> list[Col]:
    cols = [Col("名次", 4.5, "int"), Col("牵头单位", 16), Col("牵头举措", 5.5, "int"),
            Col("应完成", 6, "int", "按时完成情况"), Col("按时完成", 6, "int", "按时完成情况"),
            Col("按时完成率", 7, "rate", "按时完成情况"), Col("基础分", 6, "score")]
    cols += [Col(rule["label"], 6.5, "points", "计分项得分") for rule in report.formula]
    return [*cols, Col("总分", 7, "score")]


def _score_row(u: UnitScore) -> list:
    return [u.rank, u.unit, u.measures, u.due, u.on_time, u.on_time_rate, u.base if u.assessed else None,
            *[line.points if u.assessed else None for line in u.lines], u.total]


def _scores(report: AssessmentReport, heading_title: str) -> Sheet:
    assessed = [u for u in report.units if u.assessed]
    rows: list = [_score_row(u) for u in assessed]
    rest = [u for u in report.units if not u.assessed]
    if rest:
        rows += [Group(f"以下 {len(rest)} 个单位本年度{NOTHING_DUE}，不计分、不排名"), *map(_score_row, rest)]
    r = report.review
    notes = [*report.rules, f"{r.unit}：核验超时 {r.late} 项、超时工作日合计 {r.late_workdays} 个，"
             "见“核验时效”表，不计入牵头单位得分。"]
    return Sheet("考核得分", heading_title, score_cols(report), rows, lines=heading(report), notes=notes)


LINE_COLS = [Col("计分项", 14), Col("数量", 7, "count"), Col("计量单位", 8, "center"), Col("每单位分值", 7, "points"),
             Col("封顶", 6, "score"), Col("得分", 7, "points"), Col("涉及举措", 56)]


def _unit_label(u: UnitScore) -> str:
    if not u.assessed:
        return f"{u.unit}　{NOTHING_DUE}（不计分、不排名）"
    return f"{u.unit}　总分 {u.total:g} 分　第 {u.rank} 名"


def unit_lines(u: UnitScore) -> list[list]:
    """A unit's breakdown: the base, then each line with a quantity, naming the measures it comes from."""
    rows: list[list] = [["基础分", None, None, None, None, Cell(u.base, "score"), ""]] if u.assessed else []
    for line in u.lines:
        if line.quantity:
            rows.append([line.label, line.quantity, line.unit, line.per, line.cap,
                         line.points if u.assessed else None, "；".join(line.measures)])
    return rows


def _lines(report: AssessmentReport, district: str) -> Sheet:
    rows: list = []
    for u in report.units:
        rows += [Group(_unit_label(u)), *(unit_lines(u) or [["（无计分事项）", None, None, None, None, None, ""]])]
    return Sheet("计分明细", f"{district}{SUBJECT}计分明细（{report.label}）", LINE_COLS, rows, lines=heading(report))


# 计分依据: one row per measure that counts in any rule, its quantities side by side
BASIS = (("overdue_workdays", "逾期工作日"), ("on_time_shortfall", "未按时完成"), ("returns", "报送被退回"),
         ("rating", "评估等级"), ("typical_cases", "典型案例"), ("replications", "复制推广"))
RATED = {"rating_good", "rating_fair", "rating_poor"}
BASIS_COLS = [Col("具体举措", 40), Col("时间节点", 15, "center"), Col("重点改革事项", 5.5, "center"),
              *[Col(label, 5.5 if key != "overdue_workdays" else 6, "count" if key in ("overdue_workdays", "returns")
                    else "center", "计分依据") for key, label in BASIS], Col("说明", 14)]


def basis_rows(u: UnitScore) -> list[list]:
    """The unit's measures that count in a rule, in ledger order, with what each contributes."""
    by_measure: dict[int, list] = {}
    for d in u.details:
        by_measure.setdefault(d.measure_id, []).append(d)
    rows = []
    for found in by_measure.values():
        first, cells, notes = found[0], dict.fromkeys(k for k, _ in BASIS), []
        for d in found:
            key = "rating" if d.rule_key in RATED else d.rule_key
            cells[key] = d.rule.removeprefix("评估等级").strip("“”") if key == "rating" else (
                d.quantity if key in ("overdue_workdays", "returns") else "是")
            notes += [d.note] if d.note else []
        rows.append([measure_label(first, 24), due_shown(first), "是" if first.key else None,
                     *cells.values(), "；".join(notes)])
    return rows


def _measures(report: AssessmentReport, district: str) -> Sheet:
    rows: list = []
    for u in report.units:
        if u.details:
            rows += [Group(u.unit), *basis_rows(u)]
    weight = (f"重点改革事项按 {report.key_weight:g} 倍计入各计分项（本表为未加权的数量）。"
              if report.key_weight != 1 else "")
    return Sheet("计分依据", f"{district}{SUBJECT}计分依据（{report.label}）", BASIS_COLS, rows,
                 lines=heading(report), notes=[weight] if weight else ())


def _review(report: AssessmentReport, district: str) -> Sheet:
    return Sheet("核验时效", f"{district}营商环境创新试点改革事项督查办核验时效情况（{report.label}）", review_cols(),
                 review_sheet_rows(report.review), lines=[*heading(report), review_line(report.review, "本年度")])


def _formula(report: AssessmentReport, district: str) -> Sheet:
    cols = [Col("计分项", 18), Col("计量单位", 10, "center"), Col("每单位分值", 8, "points"),
            Col("封顶（分）", 8, "score"), Col("规则", 30)]
    rows = [[r["label"], r["unit"], r["per"], r["cap"], r["rule"]] for r in report.formula]
    return Sheet("计分规则", f"{district}{SUBJECT}计分规则（{report.label}）", cols, rows, lines=heading(report),
                 notes=report.rules)
