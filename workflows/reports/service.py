"""What the web and the command line call: who sees what, then one report built and rendered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from engine.decide import Actor
from engine.errors import PermissionDenied
from workflows.accounts_models import UNIT_ROLES
from workflows.models import Plan, Unit
from workflows.reports import assessment, facts, ledger_xlsx, lights_port, monthly, records
from workflows.reports.formula import ReportConfig
from workflows.reports.periods import ReportInputError, local_day, parse_month, parse_year
from workflows.reports.workdays import workday_test

ALL = "全区"


@dataclass(frozen=True)
class Scope:
    unit_id: int | None
    label: str


def scope_for(session: Session, actor: Actor | None, unit_name: str | None = None) -> Scope:
    """Unit users see their own unit only; the offices (and the command line) any unit, or all."""
    if actor and actor.role in UNIT_ROLES:
        own = next(iter(actor.unit_ids), None)
        unit = session.get(Unit, own) if own else None
        if unit is None or (unit_name and unit_name != unit.name):
            raise PermissionDenied(f"user {actor.username!r} may only see reports of their own unit")
        return Scope(unit.id, unit.name)
    if not unit_name:
        return Scope(None, ALL)
    unit = session.exec(select(Unit).where(Unit.name == unit_name.strip())).first()
    if unit is None:
        raise ReportInputError(f"未知单位：{unit_name!r}")
    return Scope(unit.id, unit.name)


def monthly_report(session: Session, month: str | None, now: datetime, config: ReportConfig,
                   scope: Scope) -> monthly.MonthlyReport:
    period = parse_month(month, now)
    loaded = facts.load(session, scope.unit_id)
    return monthly.build(loaded, period, lagging_rate=config.lagging_on_time_rate, is_workday=workday_test(),
                         scope=scope.label)


def assessment_report(session: Session, year: str | int | None, now: datetime, config: ReportConfig,
                      scope: Scope) -> assessment.AssessmentReport:
    period = parse_year(year, now)
    loaded = facts.load(session, scope.unit_id)
    return assessment.build(loaded, period, config.formula, workday_test(), scope=scope.label)


def ledger_workbook(session: Session, now: datetime, scope: Scope, plan_code: str | None = None) -> bytes:
    """One plan's ledger as it stands (a unit sees the measures it leads or co-leads); the whole ledger
    imports back unchanged."""
    plan = _plan(session, plan_code)
    rows = [m for m in facts.measures(session)
            if m.plan_id == plan.id and (scope.unit_id is None or scope.label in m.units)]
    title = f"{plan.title}任务台账" if "台账" not in plan.title else plan.title
    subtitle = (f"{plan.doc_no + '；' if plan.doc_no else ''}统计范围：{scope.label}；"
                f"导出时间：{local_day(now):%Y年%m月%d日}；共 {len(rows)} 项具体举措")
    sheet = ledger_xlsx.LedgerSheet(title, subtitle, rows, lights_port.lights(session, rows, now), now)
    return ledger_xlsx.workbook_bytes(sheet)


def _plan(session: Session, code: str | None) -> Plan:
    plans = list(session.exec(select(Plan).order_by(Plan.id)))
    if code:
        plans = [p for p in plans if p.code == code]
        if not plans:
            raise ReportInputError(f"未知方案代码：{code!r}")
    if not plans:
        raise ReportInputError("数据库中还没有台账，请先导入（reform ledger import）")
    return plans[0]


def typical_cases(session: Session, scope: Scope) -> list[records.EvaluationRow]:
    return records.typical_cases(session, unit_id=scope.unit_id)
