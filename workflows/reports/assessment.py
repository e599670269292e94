"""督查考核: each primary unit's score for a year, itemised rule by rule and measure by measure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.reports import timeline as tl
from workflows.reports.facts import Event, Facts, MeasureFact
from workflows.reports.formula import Formula, Rule
from workflows.reports.periods import Period
from workflows.reports.rows import MeasureRef, rate

RULES = (
    "考核对象：各牵头单位（以主办单位即第一个牵头单位计），按其牵头的具体举措计分；统计区间为所选年度，"
    "年度尚未结束时截至生成报表的时刻。",
    "得分 = 基础分 + 各计分项得分；每项得分 = 数量 × 每单位分值，超过封顶时按封顶计；总分限定在下限与上限之间。",
    "逾期工作日：本年度内时间节点已过、举措仍处于未报送（已交办、推进中）状态的法定工作日天数，按举措累计。",
    "报送被退回：本年度内督查办退回的次数。按时完成率：时间节点在本年度内、已到期或已核验通过的举措中，"
    "在时间节点当日或之前报送并已核验通过的比例；不足 100% 的部分按百分点计。",
    "评估等级：本年度内每项举措最近一次评估的等级；典型案例、复制推广：本年度内评为典型案例、复制推广的举措数。",
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


@dataclass(frozen=True)
class Detail(MeasureRef):
    rule: str = ""
    quantity: float = 0
    note: str = ""


@dataclass
class UnitScore:
    unit: str
    measures: int
    due: int
    on_time: int
    on_time_rate: float | None
    base: float
    lines: list[Line]
    total: float
    rank: int = 0
    details: list[Detail] = field(default_factory=list)


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
    rules: tuple[str, ...] = RULES
    calendar_note: str = ""  # set when the period touches a year whose working days are provisional


def build(facts: Facts, period: Period, formula: Formula, is_workday: Callable[[date], bool],
          scope: str = "全区") -> AssessmentReport:
    measures = [m for m in facts.measures if tl.in_scope(m, facts.events.get(m.id, []), period.cutoff)]
    groups: dict[str, list[MeasureFact]] = {}
    for m in measures:
        groups.setdefault(m.unit, []).append(m)
    units = [_score(name, group, facts, period, formula, is_workday) for name, group in groups.items()]
    _rank(units)
    return AssessmentReport(
        year=period.key, label=period.label, first=period.first, last=period.last, cutoff=period.cutoff,
        running=period.running, scope=scope, base=formula.base, floor=formula.floor, ceiling=formula.ceiling,
        formula=[{"key": r.key, "label": r.label, "unit": r.unit, "per": r.per, "cap": r.cap,
                  "rule": r.describe()} for r in formula.rules],
        units=units)


def _score(name: str, group: list[MeasureFact], facts: Facts, period: Period, formula: Formula,
           is_workday: Callable[[date], bool]) -> UnitScore:
    counted = _Counter(period, is_workday)
    for m in group:
        counted.measure(m, facts.events.get(m.id, []))
    shortfall = round((1 - counted.on_time / counted.due) * 100, 1) if counted.due else 0.0
    quantities = counted.quantities | {"on_time_shortfall": shortfall}
    lines = [_line(rule, quantities.get(rule.key, 0)) for rule in formula.rules]
    total = formula.clamp(formula.base + sum(line.points for line in lines))
    return UnitScore(name, len(group), counted.due, counted.on_time, rate(counted.on_time, counted.due),
                     formula.base, lines, total, details=counted.details)


def _line(rule: Rule, quantity: float) -> Line:
    raw, points = rule.points(quantity)
    return Line(rule.key, rule.label, rule.unit, quantity, rule.per, raw, rule.cap, points)


RATING_RULES = {"好": "rating_good", "较好": "rating_fair", "差": "rating_poor"}


@dataclass
class _Counter:
    period: Period
    is_workday: Callable[[date], bool]
    due: int = 0
    on_time: int = 0
    quantities: dict[str, float] = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)

    def add(self, m: MeasureFact, key: str, label: str, quantity: float, note: str = "") -> None:
        if quantity:
            self.quantities[key] = self.quantities.get(key, 0) + quantity
            self.details.append(Detail(m.id, m.item_no, m.item_title, m.text, m.unit, m.effective_due,
                                       rule=label, quantity=quantity, note=note))

    def measure(self, m: MeasureFact, events: list[Event]) -> None:
        p = self.period
        self.add(m, "overdue_workdays", "逾期工作日", tl.overdue_workdays(m, events, p.first, p.cutoff,
                                                                     self.is_workday))
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
        done = tl.completion(events, p.cutoff)
        if done is None and due > p.cutoff_day:
            return
        self.due += 1
        if done is not None and done.on_time(due):
            self.on_time += 1
        else:
            self.details.append(Detail(m.id, m.item_no, m.item_title, m.text, m.unit, due, rule="未按时完成",
                                       quantity=1, note="已核验，报送晚于时间节点" if done else "尚未完成"))


def _rank(units: list[UnitScore]) -> None:
    units.sort(key=lambda u: -u.total)
    for idx, unit in enumerate(units):
        unit.rank = units[idx - 1].rank if idx and units[idx - 1].total == unit.total else idx + 1
