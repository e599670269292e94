"""督查考核: each lead unit's score for a year, itemised rule by rule and measure by measure."""

# A unit is judged on what it controls: a report made by the deadline counts as on time while 督查办 reviews
# it, however long that takes, unless 督查办 returns it; 督查办's own delay is its line (核验超时), never a
# deduction from the unit. Units with nothing due are not scored and come after the units that were.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.lights import Workdays, past_due
from workflows.reports import review
from workflows.reports import timeline as tl
from workflows.reports.facts import Event, Facts, MeasureFact
from workflows.reports.formula import Formula, Rule
from workflows.reports.periods import Period
from workflows.reports.review import ReviewFigures
from workflows.reports.rows import MeasureRef, measure_label, rate, ref_fields

NOTHING_DUE = "无应完成事项"
SHORTFALL = "on_time_shortfall"


def assessment_rules(formula: Formula, review_within: int | None) -> tuple[str, ...]:
    """The rules as the sheets and the page state them, with this deployment's figures."""
    weight = (f"重点改革事项：每项按 {formula.key_weight:g} 倍计入各计分项的数量，按时完成率亦按此加权计算。"
              if formula.key_weight != 1 else "重点改革事项：与其他举措同等计分。")
    review_rule = (f"督查办核验时效：报送后超过 {review_within} 个工作日（报送次日起算）仍未核验通过或退回的，"
                   "记为督查办核验超时，单列于“核验时效”表，不计入牵头单位得分。" if review_within is not None
                   else "督查办核验时效：未设置核验时限，不统计。")
    return (
        "考核对象：各牵头单位，按其牵头的具体举措计分（第一牵头单位和共同牵头单位均计，配合单位不计）"
        + (f"，共同牵头单位按 {formula.co_lead_share:g} 计" if formula.co_lead_share != 1 else "")
        + "；统计区间为所选年度，年度尚未结束时截至生成报表的时刻。",
        "得分 = 基础分 + 各计分项得分；每项得分 = 数量 × 每单位分值，超过封顶时按封顶计；总分限定在下限与上限之间。",
        "报送与逾期（与预警红灯、月调度同一口径）：举措进入“已报送（待核验）”及之后的状态即为已报送，方案印发时已完成的视为已报送；"
        "时间节点当日24时仍未报送的为逾期。逾期工作日：本年度内时间节点次日起、举措处于未报送状态（含报送被退回后）的法定工作日天数，"
        "按举措累计。",
        "按时完成率：时间节点在本年度内、当日已过或已报送的举措为应完成；其中在时间节点当日24时前报送、未被退回的为按时完成"
        "（方案标注“已完成”的算按时；等待督查办核验的，无论核验用时多久都算按时）；不足100%的部分按百分点计。",
        weight,
        "报送被退回：本年度内督查办退回的次数。评估等级：本年度内每项举措最近一次评估的等级；典型案例、复制推广："
        "本年度内评为典型案例、复制推广的举措数。",
        review_rule,
        f"{NOTHING_DUE}：本年度内没有应完成举措的单位不计分、不排名，列在参与考核的单位之后。"
        "名次按总分从高到低排列，总分相同的名次并列。",
    )


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    unit: str
    quantity: float
    per: float
    raw_points: float
    cap: float | None
    points: float
    measures: tuple[str, ...] = ()  # the measures the quantity comes from, each with its own share


@dataclass(frozen=True)
class Detail(MeasureRef):
    rule_key: str = ""
    rule: str = ""
    quantity: float = 0  # the measure's own quantity, before the weight
    weight: float = 1.0
    note: str = ""


@dataclass
class UnitScore:
    unit: str
    measures: int
    due: int
    on_time: int
    on_time_rate: float | None  # as scored: weighted when 重点改革事项 carry a weight
    base: float
    lines: list[Line]
    total: float | None  # None: nothing was due, so the unit is not scored
    rank: int | None = None
    details: list[Detail] = field(default_factory=list)
    status: str = ""  # 无应完成事项 for a unit that is not scored

    @property
    def assessed(self) -> bool:
        return self.total is not None


@dataclass
class AssessmentReport:
    year: str
    label: str
    first: date
    last: date
    cutoff: datetime
    running: bool
    scope: str
    formula: list[dict]
    base: float
    floor: float
    ceiling: float
    units: list[UnitScore]
    key_weight: float = 1.0
    review: ReviewFigures = field(default_factory=ReviewFigures)  # 督查办's line, not scored
    rules: tuple[str, ...] = assessment_rules(Formula(100, 0, 120, ()), 5)
    calendar_note: str = ""  # set when the period touches a year whose working days are provisional


def build(facts: Facts, period: Period, formula: Formula, calendar: Workdays, scope: str = "全区",
          review_within: int | None = None, review_levels: tuple[str, ...] = ()) -> AssessmentReport:
    measures = [m for m in facts.measures if tl.in_scope(m, facts.events.get(m.id, []), period.cutoff)]
    groups: dict[str, list[MeasureFact]] = {}
    for m in measures:
        for unit in facts.assessed(m):
            groups.setdefault(unit, []).append(m)
    units = _ranked([_score(name, group, facts, period, formula, calendar) for name, group in groups.items()])
    ids = {m.id for m in measures}
    reminders = sum(1 for e in facts.escalations if e.measure_id in ids and e.level in review_levels
                    and e.status == "fired" and period.contains(e.fired_at))
    return AssessmentReport(
        year=period.key, label=period.label, first=period.first, last=period.last, cutoff=period.cutoff,
        running=period.running, scope=scope, base=formula.base, floor=formula.floor, ceiling=formula.ceiling,
        formula=[{"key": r.key, "label": r.label, "unit": r.unit, "per": r.per, "cap": r.cap,
                  "rule": r.describe()} for r in formula.rules],
        units=units, key_weight=formula.key_weight,
        review=review.figures(facts.reviewer, measures, facts.events, period, calendar, review_within, reminders),
        rules=assessment_rules(formula, review_within))


def _score(name: str, group: list[MeasureFact], facts: Facts, period: Period, formula: Formula,
           calendar: Workdays) -> UnitScore:
    counted = _Counter(period, calendar, formula.key_weight, unit=name, co_lead_share=formula.co_lead_share)
    for m in group:
        counted.measure(m, facts.events.get(m.id, []))
    shortfall = round((1 - counted.on_time_weight / counted.due_weight) * 100, 1) if counted.due else 0.0
    quantities = counted.quantities | {SHORTFALL: shortfall}
    lines = [_line(rule, quantities.get(rule.key, 0), counted.details) for rule in formula.rules]
    on_time_rate = rate(counted.on_time_weight, counted.due_weight) if counted.due else None
    if not counted.due:
        return UnitScore(name, len(group), 0, 0, None, formula.base, lines, None, details=counted.details,
                         status=NOTHING_DUE)
    total = formula.clamp(formula.base + sum(line.points for line in lines))
    return UnitScore(name, len(group), counted.due, counted.on_time, on_time_rate, formula.base, lines, total,
                     details=counted.details)


def _line(rule: Rule, quantity: float, details: list[Detail]) -> Line:
    raw, points = rule.points(quantity)
    named = tuple(f"{measure_label(d)}（{_share(d, rule)}）" for d in details if d.rule_key == rule.key)
    return Line(rule.key, rule.label, rule.unit, round(quantity, 2), rule.per, raw, rule.cap, points, named)


def _share(d: Detail, rule: Rule) -> str:
    unit = "项" if d.rule_key == SHORTFALL else rule.unit
    amount = f"{d.quantity:g}{unit}"
    return f"{amount}，重点改革事项按{d.weight:g}倍计" if d.weight != 1 else amount


RATING_RULES = {"好": "rating_good", "较好": "rating_fair", "差": "rating_poor"}


@dataclass
class _Counter:
    period: Period
    calendar: Workdays
    key_weight: float
    unit: str = ""  # the unit scored: a measure it leads jointly, not first, counts at co_lead_share
    co_lead_share: float = 1.0
    due: int = 0
    on_time: int = 0
    due_weight: float = 0
    on_time_weight: float = 0
    quantities: dict[str, float] = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)

    def weight(self, m: MeasureFact) -> float:
        return self.key_weight if m.key else 1.0

    def share(self, m: MeasureFact) -> float:
        return self.co_lead_share if self.unit and self.unit != m.unit else 1.0

    def add(self, m: MeasureFact, key: str, label: str, quantity: float, note: str = "") -> None:
        if quantity:
            self.quantities[key] = self.quantities.get(key, 0) + quantity * self.weight(m) * self.share(m)
            self.details.append(Detail(**ref_fields(m), rule_key=key, rule=label, quantity=quantity,
                                       weight=self.weight(m), note=self._noted(m, note)))

    def _noted(self, m: MeasureFact, note: str) -> str:
        if self.share(m) == 1:
            return note
        return "；".join(p for p in (note, f"共同牵头单位，按 {self.share(m):g} 计") if p)

    def measure(self, m: MeasureFact, events: list[Event]) -> None:
        p = self.period
        self.add(m, "overdue_workdays", "逾期工作日", tl.overdue_workdays(m, events, p.cutoff, self.calendar, p.first))
        returns = tl.events_between(events, p.start, p.cutoff, *tl.RETURNS)
        self.add(m, "returns", "报送被退回", len(returns), "；".join(e.comment for e in returns))
        self._on_time(m, events)
        evaluations = tl.events_between(events, p.start, p.cutoff, *tl.EVALUATES)
        if evaluations:
            latest = evaluations[-1].data
            rating = latest.get("rating")
            if rating in RATING_RULES:
                self.add(m, RATING_RULES[rating], f"评估等级“{rating}”", 1, f"满意度 {latest.get('satisfaction')}")
            typical = [e for e in evaluations if e.data.get("typical_case")]
            if typical:
                self.add(m, "typical_cases", "典型案例", 1, typical[-1].data.get("case_text") or "")
        replications = tl.events_between(events, p.start, p.cutoff, *tl.REPLICATES)
        if replications:
            self.add(m, "replications", "复制推广", 1, replications[-1].data.get("scope") or "")

    def _on_time(self, m: MeasureFact, events: list[Event]) -> None:
        due, p = m.effective_due, self.period
        if due is None or not p.first <= due <= p.last:
            return
        report = tl.standing_report(m, events, p.cutoff)
        if report is None and not past_due(due, p.cutoff):
            return  # not due yet, and not reported early: nothing to judge
        self.due += 1
        self.due_weight += self.weight(m) * self.share(m)
        if report is not None and report.on_time(due):
            self.on_time += 1
            self.on_time_weight += self.weight(m) * self.share(m)
        else:
            note = "报送晚于时间节点" if report else _unreported(events, p)
            self.details.append(Detail(**ref_fields(m), rule_key=SHORTFALL, rule="未按时完成", quantity=1,
                                       weight=self.weight(m), note=self._noted(m, note)))


def _unreported(events: list[Event], p: Period) -> str:
    returned = tl.events_between(events, p.start, p.cutoff, *tl.RETURNS)
    return "报送被退回，尚未再次报送" if returned else "尚未报送"


def _ranked(units: list[UnitScore]) -> list[UnitScore]:
    """Scored units by total (ties share a rank), then the units with nothing due, unranked, in ledger order."""
    scored = sorted((u for u in units if u.assessed), key=lambda u: -u.total)
    for idx, unit in enumerate(scored):
        unit.rank = scored[idx - 1].rank if idx and scored[idx - 1].total == unit.total else idx + 1
    return scored + [u for u in units if not u.assessed]
