"""What the web and the command line call: who sees what, then one report built from the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from engine.errors import PermissionDenied
from workflows.access import Access
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.calendar_sources import PROVISIONAL
from workflows.ladder import Ladder
from workflows.models import Plan, Unit
from workflows.reports import assessment, facts, ledger_xlsx, monthly, open_items, records
from workflows.reports.formula import ReportConfig
from workflows.reports.periods import ReportInputError, parse_month, parse_year
from workflows.reports.rows import cutoff_label
from workflows.reports.workdays import ReportCalendar
from workflows.reports.xlsx import Stamp

ALL = "全区"


@dataclass(frozen=True)
class Scope:
    unit_id: int | None
    label: str


@dataclass(frozen=True)
class ReportInputs:
    """What every report is computed with: the formula and thresholds, the calendar, the ladder's levels."""

    config: ReportConfig
    calendar: WorkCalendar
    ladder: Ladder

    @property
    def workdays(self) -> ReportCalendar:
        return ReportCalendar(self.calendar)

    @property
    def unit_levels(self) -> dict[str, str]:
        """The ladder's rungs for units (code -> heading): their columns in the 月调度."""
        return {lvl.code: lvl.heading for lvl in self.ladder.anchored("due")}

    @property
    def review_levels(self) -> tuple[str, ...]:
        """The rungs that remind 督查办 of a report waiting too long: counted on 督查办's line."""
        return tuple(lvl.code for lvl in self.ladder.anchored("review"))


def scope_for(session: Session, access: Access | None, unit_name: str | None = None) -> Scope:
    """Unit users see their own unit only; the offices (and the command line, access None) any unit, or all."""
    if access is not None and access.is_unit_user:
        unit = session.get(Unit, access.own_unit_id) if access.own_unit_id else None
        if unit is None or (unit_name and unit_name != unit.name):
            raise PermissionDenied("您只能查看本单位的报表",
                                   detail=f"user {access.actor.username!r} may only see reports of their own unit")
        return Scope(unit.id, unit.name)
    if not unit_name:
        return Scope(None, ALL)
    unit = session.execute(select(Unit).where(Unit.name == unit_name.strip())).scalars().first()
    if unit is None:
        raise ReportInputError(f"未知单位：{unit_name!r}")
    return Scope(unit.id, unit.name)


def monthly_report(session: Session, month: str | None, now: datetime, inputs: ReportInputs,
                   scope: Scope) -> monthly.MonthlyReport:
    period = parse_month(month, now)
    loaded = facts.load(session, scope.unit_id)
    report = monthly.build(loaded, period, lagging_rate=inputs.config.lagging_on_time_rate, calendar=inputs.workdays,
                           levels=inputs.unit_levels, review_levels=inputs.review_levels,
                           review_within=inputs.ladder.review_within, scope=scope.label)
    report.calendar_note = calendar_note(inputs.calendar, period.first, period.last)
    report.open_problems = open_items.open_problems(session, loaded.measures, period.cutoff, inputs.workdays,
                                                    scope.unit_id)
    report.open_instructions = open_items.open_instructions(session, loaded.measures, period.cutoff, inputs.workdays)
    return report


def assessment_report(session: Session, year: str | int | None, now: datetime, inputs: ReportInputs,
                      scope: Scope) -> assessment.AssessmentReport:
    period = parse_year(year, now)
    loaded = facts.load(session, scope.unit_id)
    report = assessment.build(loaded, period, inputs.config.formula, inputs.workdays, scope=scope.label,
                              review_within=inputs.ladder.review_within, review_levels=inputs.review_levels)
    report.calendar_note = calendar_note(inputs.calendar, period.first, period.last)
    return report


def calendar_note(calendar: WorkCalendar, first: date, last: date) -> str:
    """One heading line when a year of the period has no official schedule yet (its working days are guessed)."""
    years = [y for y in range(first.year, last.year + 1) if _provisional(calendar, y)]
    if not years:
        return ""
    return (f"注：{'、'.join(map(str, years))} 年的放假安排尚未公布，本表涉及的工作日按暂定日历（法定节假日规则）推算，"
            "待国务院通知导入后数字可能变化")


def _provisional(calendar: WorkCalendar, year: int) -> bool:
    try:
        return calendar.source_of(year) == PROVISIONAL
    except CalendarUnknown:
        return False


def ledger_workbook(session: Session, now: datetime, scope: Scope, light_of: Callable[[list], dict[int, str | None]],
                    stamp: Stamp, plan_code: str | None = None) -> bytes:
    """One plan's ledger as it stands (a unit sees the measures it leads or co-leads); the whole ledger
    imports back unchanged. `light_of` gives the light of each measure id of the rows."""
    plan = _plan(session, plan_code)
    rows = [m for m in facts.measures(session)
            if m.plan_id == plan.id and (scope.unit_id is None or scope.label in m.units)]
    title = f"{stamp.district}营商环境创新试点改革事项任务台账"
    source = f"《{plan.title}》（{plan.doc_no}）" if plan.doc_no else f"《{plan.title}》"
    subtitle = (f"依据：{source}　　统计范围：{scope.label}　　截至 {cutoff_label(now)}，共 {len(rows)} 项具体举措")
    sheet = ledger_xlsx.LedgerSheet(title, subtitle, rows, light_of([m.id for m in rows]), now)
    return ledger_xlsx.workbook_bytes(sheet, stamp)


def plan_of(session: Session, code: str | None) -> Plan:
    """The plan of this code, or the first plan; a clear error when there is none."""
    return _plan(session, code)


def _plan(session: Session, code: str | None) -> Plan:
    plans = list(session.execute(select(Plan).order_by(Plan.id)).scalars())
    if code:
        plans = [p for p in plans if p.code == code]
        if not plans:
            raise ReportInputError(f"未知方案代码：{code!r}")
    if not plans:
        raise ReportInputError("数据库中还没有台账，请先导入（reform ledger import）")
    return plans[0]


def typical_cases(session: Session, scope: Scope) -> list[records.EvaluationRow]:
    return records.typical_cases(session, unit_id=scope.unit_id)
