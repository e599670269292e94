"""月调度: the monthly figures, overall and per primary unit, reconstructed from the history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.items.table import ITEM_CLASSES, UNCLASSED
from workflows.lights import Workdays, past_due
from workflows.reform.table import STATE_LABELS
from workflows.reports import review
from workflows.reports import timeline as tl
from workflows.reports.facts import Facts, MeasureFact
from workflows.reports.periods import Period, as_utc
from workflows.reports.review import ReviewFigures
from workflows.reports.rows import MeasureRef, rate, ref_fields


def monthly_rules(lagging_rate: float, review_within: int | None) -> tuple[str, ...]:
    """The rules each figure follows, printed on the sheets and the page as they are applied."""
    review_rule = (f"核验超时：报送后超过 {review_within} 个工作日（报送次日起算）督查办仍未核验通过或退回的，"
                   "记为督查办核验超时，单列督查办一行，不计入牵头单位。" if review_within is not None
                   else "核验超时：未设置核验时限，不统计。")
    return (
        "统计口径：举措按第一牵头单位归属；状态为统计截止时点的状态，由操作记录还原。",
        "统计截止：所选月份最后一日24时；当月尚未结束时为生成报表的时刻。",
        "报送：牵头单位报送完成情况，举措进入“已报送（待核验）”及之后的状态；方案印发时已完成的举措视为已报送；"
        "被督查办退回的报送不算报送。",
        "逾期：时间节点当日24时仍未报送的举措（报送被退回、仍未再次报送的亦同）；逾期工作日为时间节点次日起至统计截止日，"
        "举措处于未报送状态的法定工作日天数。预警红灯、月调度和督查考核采用同一口径。",
        "应完成：时间节点当日已过，或截至统计截止已报送的举措；方案标注“已完成”的举措以方案印发日为时间节点。",
        "按时完成：截至统计截止已报送、未被退回，且该次报送在时间节点当日24时前的举措（方案标注“已完成”的算按时）；"
        "报送后等待督查办核验的，无论核验用时多久都算按时。按时完成率 = 按时完成数 ÷ 应完成数；"
        "时间节点以当前时间节点（含已批准的延期、调整优化后的新时间节点）为准。",
        "本月核验通过：本月内经督查办核验通过的举措。",
        review_rule,
        "本月退回、进展报送：本月内“退回”“进展报送”的操作次数；预警：本月实际发出的各级预警（被更高级别取代而未发出的不计），"
        "核验超时提醒计入督查办。",
        "未完成节点：倒排时间表中节点日期已过、截至统计截止仍未完成、所属举措尚未报送的节点。",
        f"滞后单位：有逾期举措，或按时完成率低于 {lagging_rate:.0%} 的牵头单位；没有应完成举措的单位不计按时完成率。",
    )


@dataclass
class Figures:
    measures: int = 0
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_LABELS, 0))
    completed: int = 0
    due: int = 0
    on_time: int = 0
    on_time_rate: float | None = None
    overdue: int = 0
    overdue_workdays: int = 0
    returns: int = 0
    escalations: dict[str, int] = field(default_factory=dict)  # ladder level code -> rungs sent
    progress_updates: int = 0
    missed_milestones: int = 0


@dataclass
class UnitFigures(Figures):
    unit: str = ""
    lagging: bool = False
    lagging_reasons: list[str] = field(default_factory=list)


@dataclass
class ClassFigures:
    klass: str
    items: int = 0
    measures: int = 0
    completed_total: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class CompletedRow(MeasureRef):
    reported_at: datetime | None = None
    verified_at: datetime | None = None
    on_time: bool = True


@dataclass(frozen=True)
class OverdueRow(MeasureRef):
    state: str = ""
    workdays_overdue: int = 0


@dataclass(frozen=True)
class ActivityRow(MeasureRef):
    at: datetime | None = None
    actor: str = ""
    comment: str = ""
    percent: int | None = None


@dataclass(frozen=True)
class EscalationRow(MeasureRef):
    level: str = ""
    fired_at: datetime | None = None


@dataclass(frozen=True)
class MilestoneRow(MeasureRef):
    milestone_id: int = 0
    milestone_due: date | None = None
    description: str = ""


@dataclass
class MonthlyReport:
    month: str
    label: str
    first: date
    last: date
    cutoff: datetime
    running: bool
    scope: str
    lagging_threshold: float
    overall: Figures
    units: list[UnitFigures]
    lagging_units: list[str]
    classes: list[ClassFigures]
    completed: list[CompletedRow]
    overdue: list[OverdueRow]
    returns: list[ActivityRow]
    progress: list[ActivityRow]
    escalations: list[EscalationRow]
    missed_milestones: list[MilestoneRow]
    levels: dict[str, str] = field(default_factory=dict)  # the units' ladder levels -> report headings, in order
    review: ReviewFigures = field(default_factory=ReviewFigures)  # 督查办's own line
    rules: tuple[str, ...] = monthly_rules(0.8, 5)
    calendar_note: str = ""  # set when the period touches a year whose working days are provisional
    open_problems: list = field(default_factory=list)  # open_items.OpenProblemRow, open at the cut-off
    open_instructions: list = field(default_factory=list)  # open_items.OpenInstructionRow, unanswered then


def build(facts: Facts, period: Period, *, lagging_rate: float, calendar: Workdays, levels: dict[str, str],
          review_levels: tuple[str, ...] = (), review_within: int | None = None,
          scope: str = "全区") -> MonthlyReport:
    """`levels` (code -> heading, the ladder's order) names the units' escalation columns, so a level added to
    the ladder gets its own column; `review_levels` are the rungs that remind 督查办, counted on its line."""
    measures = [m for m in facts.measures if tl.in_scope(m, facts.events.get(m.id, []), period.cutoff)]
    rows = _Rows.collect(facts, measures, period, calendar, tuple(levels))
    overall = _figures(Figures(), measures, rows)
    units = [_unit_figures(name, group, rows, lagging_rate) for name, group in _by_unit(measures, facts)]
    reminders = sum(1 for e in _fired(facts, {m.id for m in measures}, period) if e.level in review_levels)
    return MonthlyReport(
        month=period.key, label=period.label, first=period.first, last=period.last, cutoff=period.cutoff,
        running=period.running, scope=scope, lagging_threshold=lagging_rate, overall=overall, units=units,
        lagging_units=[u.unit for u in units if u.lagging], classes=_classes(measures, rows),
        completed=rows.completed, overdue=sorted(rows.overdue, key=lambda r: -r.workdays_overdue),
        returns=rows.returns, progress=rows.progress, escalations=rows.escalations, missed_milestones=rows.milestones,
        levels=dict(levels), review=review.figures(facts.reviewer, measures, facts.events, period, calendar,
                                                   review_within, reminders),
        rules=monthly_rules(lagging_rate, review_within))


def _fired(facts: Facts, ids: set[int], period: Period) -> list:
    """The escalations actually sent in the period (a rung superseded by a higher one was not)."""
    return [e for e in facts.escalations if e.measure_id in ids and e.status == "fired" and period.contains(e.fired_at)]


@dataclass
class _Rows:
    states: dict[int, str]
    due: set[int]
    on_time: set[int]
    completed: list[CompletedRow]
    overdue: list[OverdueRow]
    returns: list[ActivityRow]
    progress: list[ActivityRow]
    escalations: list[EscalationRow]
    milestones: list[MilestoneRow]
    levels: tuple[str, ...] = ()
    tallies: dict[int, _Tally] | None = None  # per measure, once all rows are collected (_figures)

    @classmethod
    def collect(cls, facts: Facts, measures: list[MeasureFact], period: Period, calendar: Workdays,
                levels: tuple[str, ...]) -> _Rows:
        rows = cls({}, set(), set(), [], [], [], [], [], [], levels)
        for m in measures:
            rows._measure(m, facts.events.get(m.id, []), period, calendar)
        by_id = {m.id: m for m in measures}
        rows._escalations(facts, by_id, period)
        rows._milestones(facts, by_id, period)
        return rows

    def _measure(self, m: MeasureFact, events: list, period: Period, calendar: Workdays) -> None:
        cut, state = period.cutoff, tl.state_at(m, events, period.cutoff)
        self.states[m.id] = state
        report, due = tl.standing_report(m, events, cut), m.effective_due
        if report is not None or (due is not None and past_due(due, cut)):
            self.due.add(m.id)
        if report is not None and report.on_time(due):
            self.on_time.add(m.id)
        approvals = tl.events_between(events, period.start, cut, *tl.VERIFIES)
        if approvals:
            verified = tl.standing_report(m, events, approvals[-1].at) or tl.Report(None, verified_at=approvals[-1].at)
            self.completed.append(CompletedRow(**ref_fields(m), reported_at=verified.reported_at,
                                               verified_at=approvals[-1].at, on_time=verified.on_time(due)))
        if tl.is_overdue(m, events, cut):
            days = tl.overdue_workdays(m, events, cut, calendar)
            self.overdue.append(OverdueRow(**ref_fields(m), state=state, workdays_overdue=days))
        for e in tl.events_between(events, period.start, cut, *tl.RETURNS):
            self.returns.append(ActivityRow(**ref_fields(m), at=e.at, actor=e.actor, comment=e.comment))
        for e in tl.events_between(events, period.start, cut, *tl.PROGRESS):
            self.progress.append(ActivityRow(**ref_fields(m), at=e.at, actor=e.actor, comment=e.comment,
                                             percent=e.data.get("percent")))

    def _escalations(self, facts: Facts, by_id: dict[int, MeasureFact], period: Period) -> None:
        for esc in _fired(facts, set(by_id), period):
            if esc.level in self.levels:
                self.escalations.append(EscalationRow(**ref_fields(by_id[esc.measure_id]), level=esc.level,
                                                      fired_at=as_utc(esc.fired_at)))

    def _milestones(self, facts: Facts, by_id: dict[int, MeasureFact], period: Period) -> None:
        cut = period.cutoff
        for ms in facts.milestones:
            m = by_id.get(ms.measure_id)
            if m is None or self.states[m.id] not in tl.OWES or as_utc(ms.created_at) > cut:
                continue
            if ms.due_date < period.cutoff_day and (ms.done_at is None or as_utc(ms.done_at) > cut):
                self.milestones.append(MilestoneRow(**ref_fields(m), milestone_id=ms.id, milestone_due=ms.due_date,
                                                    description=ms.description))




@dataclass
class _Tally:
    """One measure's rows of the month, counted once: a unit's figures add up its measures' tallies, instead of
    scanning every row of the ledger for each unit (200 units × 10⁴ rows made a city's 月调度 quadratic)."""

    completed: int = 0
    overdue: int = 0
    overdue_workdays: int = 0
    returns: int = 0
    progress: int = 0
    milestones: int = 0
    escalations: dict[str, int] = field(default_factory=dict)


def _tallies(rows: _Rows) -> dict[int, _Tally]:
    out: dict[int, _Tally] = defaultdict(_Tally)
    for r in rows.completed:
        out[r.measure_id].completed += 1
    for r in rows.overdue:
        t = out[r.measure_id]
        t.overdue, t.overdue_workdays = t.overdue + 1, t.overdue_workdays + r.workdays_overdue
    for r in rows.returns:
        out[r.measure_id].returns += 1
    for r in rows.progress:
        out[r.measure_id].progress += 1
    for r in rows.milestones:
        out[r.measure_id].milestones += 1
    for esc in rows.escalations:
        levels = out[esc.measure_id].escalations
        levels[esc.level] = levels.get(esc.level, 0) + 1
    return dict(out)


def _figures(fig: Figures, measures: list[MeasureFact], rows: _Rows) -> Figures:
    ids = {m.id for m in measures}
    fig.measures = len(ids)
    fig.escalations = dict.fromkeys(rows.levels, 0)
    if rows.tallies is None:
        rows.tallies = _tallies(rows)
    for mid in ids:
        fig.by_state[rows.states[mid]] = fig.by_state.get(rows.states[mid], 0) + 1
        t = rows.tallies.get(mid)
        if t is None:
            continue
        fig.completed += t.completed
        fig.overdue, fig.overdue_workdays = fig.overdue + t.overdue, fig.overdue_workdays + t.overdue_workdays
        fig.returns, fig.progress_updates = fig.returns + t.returns, fig.progress_updates + t.progress
        fig.missed_milestones += t.milestones
        for level, n in t.escalations.items():
            fig.escalations[level] = fig.escalations.get(level, 0) + n
    fig.due, fig.on_time = len(rows.due & ids), len(rows.on_time & ids)
    fig.on_time_rate = rate(fig.on_time, fig.due)
    return fig


def _by_unit(measures: list[MeasureFact], facts: Facts) -> list[tuple[str, list[MeasureFact]]]:
    groups: dict[str, list[MeasureFact]] = {}
    for m in measures:  # ledger order: a unit appears where its first measure is
        for unit in facts.assessed(m):
            groups.setdefault(unit, []).append(m)
    return list(groups.items())


def _unit_figures(name: str, group: list[MeasureFact], rows: _Rows, lagging_rate: float) -> UnitFigures:
    fig = _figures(UnitFigures(unit=name), group, rows)
    if fig.overdue:
        fig.lagging_reasons.append(f"逾期{fig.overdue}项")
    if fig.on_time_rate is not None and fig.on_time_rate < lagging_rate:
        fig.lagging_reasons.append(f"按时完成率{fig.on_time_rate:.1%}")
    fig.lagging = bool(fig.lagging_reasons)
    return fig


def _classes(measures: list[MeasureFact], rows: _Rows) -> list[ClassFigures]:
    out = {k: ClassFigures(k) for k in (*ITEM_CLASSES, UNCLASSED)}
    items: dict[str, set[int]] = {k: set() for k in out}
    overdue = {r.measure_id for r in rows.overdue}
    for m in measures:
        fig = out.setdefault(m.klass or UNCLASSED, ClassFigures(m.klass or UNCLASSED))
        items.setdefault(fig.klass, set())
        items[fig.klass].add(m.item_id)
        fig.measures += 1
        fig.completed_total += rows.states[m.id] in tl.DONE
        fig.overdue += m.id in overdue
    for k, fig in out.items():
        fig.items = len(items[k])
    return list(out.values())
