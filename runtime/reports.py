"""The reports as the API, the pages and the command line all hand them out: the caller's session and scope
(a unit sees its own unit), the configured formula, calendar and ladder, and the workbook with its file name."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlmodel import Session

from runtime.core import DOCX_TYPE, Runtime
from workflows.access import Access
from workflows.documents.monthly_brief import Instruction, Problem, brief_from_report, monthly_tongbao_bytes
from workflows.models import LEAD, Measure, MeasureUnit
from workflows.reports import assessment_xlsx, monthly_xlsx, records_xlsx, service
from workflows.reports.monthly import MonthlyReport
from workflows.reports.periods import Period, local_day, parse_month, parse_year
from workflows.reports.xlsx import XLSX_TYPE, Stamp


@dataclass(frozen=True)
class Workbook:
    content: bytes
    filename: str  # Chinese, for people
    ascii_name: str  # for old clients
    media_type: str = XLSX_TYPE


def inputs(rt: Runtime) -> service.ReportInputs:
    return service.ReportInputs(rt.config.reports, rt.calendar, rt.config.ladder)


def stamp(rt: Runtime) -> Stamp:
    """制表单位 from the configuration, 制表日期 today: what every printed page carries."""
    printing = rt.config.reports.printing
    return Stamp(printing.issuer, local_day(rt.clock.now()), printing.district)


def monthly(rt: Runtime, session: Session, access: Access | None, month: str | None, unit: str | None = None):
    """The 月调度, kept while nothing changes (see `_kept`): the page, its .xlsx and its Word 通报 are one
    computation, which reads every measure's history (seconds at 10⁵ measures)."""
    scope, now = service.scope_for(session, access, unit), rt.clock.now()
    period = parse_month(month, now)  # a bad month is refused before anything is looked up
    return _kept(rt, session, ("monthly", scope), period,
                 lambda: service.monthly_report(session, month, now, inputs(rt), scope))


def assessment(rt: Runtime, session: Session, access: Access | None, year: str | None, unit: str | None = None):
    scope, now = service.scope_for(session, access, unit), rt.clock.now()
    period = parse_year(year, now)
    return _kept(rt, session, ("assessment", scope), period,
                 lambda: service.assessment_report(session, year, now, inputs(rt), scope))


def _kept(rt: Runtime, session: Session, key: tuple, period: Period, compute):
    """A report of `period` under `key` at the data version and the day: with no change since, a report made
    earlier today is the one made now but for the instant it is taken at, which is set to the period's cut-off
    (its figures count days, and the history holds nothing after the version read). SQLite has no data version:
    it computes every time."""
    report = rt.reports.get(session, (*key, period.key, period.cutoff_day), compute)
    return report if report.cutoff == period.cutoff else replace(report, cutoff=period.cutoff)


def typical_cases(rt: Runtime, session: Session, access: Access | None, unit: str | None = None):
    """(the cases, the scope's label)."""
    scope = service.scope_for(session, access, unit)
    return service.typical_cases(session, scope), scope.label


def monthly_workbook(rt: Runtime, report: MonthlyReport) -> Workbook:
    return Workbook(monthly_xlsx.workbook_bytes(report, stamp(rt)), f"月调度-{report.month}.xlsx",
                    f"reform-monthly-{report.month}.xlsx")


def monthly_document(rt: Runtime, report: MonthlyReport) -> Workbook:
    """The 月调度 as a Word 通报, with the problems still open and the 批示 not yet answered at its cut-off."""
    problems = [Problem(r.unit, r.text, r.raised_on, f"{r.origin}问题，{r.state}，已持续{r.age_workdays}个工作日")
                for r in report.open_problems]
    instructions = [Instruction(r.leader, r.text, r.given_on, r.unit, r.item_title) for r in report.open_instructions]
    brief = brief_from_report(report, issue_date=local_day(rt.clock.now()), problems=problems,
                              instructions=instructions)
    return Workbook(monthly_tongbao_bytes(brief), f"月调度通报-{report.month}.docx",
                    f"reform-monthly-{report.month}.docx", DOCX_TYPE)


def assessment_workbook(rt: Runtime, report) -> Workbook:
    return Workbook(assessment_xlsx.workbook_bytes(report, stamp(rt)), f"督查考核-{report.year}.xlsx",
                    f"reform-assessment-{report.year}.xlsx")


def typical_cases_workbook(rt: Runtime, cases, label: str) -> Workbook:
    return Workbook(records_xlsx.typical_cases_bytes(cases, label, rt.clock.now(), stamp(rt)), "典型案例清单.xlsx",
                    "reform-typical-cases.xlsx")


def ledger_size(session: Session, access: Access | None, unit: str | None = None, plan: str | None = None) -> int:
    """How many measures the 任务台账 of this scope would list: counted in SQL, to choose how to make it."""
    scope = service.scope_for(session, access, unit)
    stmt = select(func.count()).select_from(Measure).where(Measure.plan_id == service.plan_of(session, plan).id)
    if scope.unit_id is not None:
        stmt = stmt.where(Measure.id.in_(select(MeasureUnit.measure_id).where(
            MeasureUnit.unit_id == scope.unit_id, MeasureUnit.part == LEAD)))
    return session.execute(stmt).scalar_one()


def ledger_workbook(rt: Runtime, session: Session, access: Access | None, unit: str | None = None,
                    plan: str | None = None) -> Workbook:
    now = rt.clock.now()
    scope = service.scope_for(session, access, unit)

    def lights(ids: list[int]) -> dict[int, str | None]:
        """The sheet's lights in SQL, one scan (the light of each measure in Python read each row again: 10⁵
        statements for a city's export); the ones of `ids` are kept."""
        wanted = set(ids)
        found = session.execute(select(Measure.id, rt.measures.light_of(rt.measures.light_sql(now))))
        return {mid: light for mid, light in found if mid in wanted}

    content = service.ledger_workbook(session, now, scope, lights, stamp(rt), plan)
    day = f"{local_day(now):%Y%m%d}"
    return Workbook(content, f"任务台账-{day}.xlsx", f"reform-ledger-{day}.xlsx")
