"""The reports as the API, the pages and the command line all hand them out: one session, the caller's
scope (a unit sees its own unit), the configured formula, and the workbook with its Chinese file name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from litestar import Response

from config.settings import CONFIG_DIR
from engine.db import read_session
from engine.decide import Actor
from runtime.core import Runtime
from workflows.reports import assessment_xlsx, monthly_xlsx, records_xlsx, service
from workflows.reports.formula import ReportConfig, load_config
from workflows.reports.periods import local_day
from workflows.reports.xlsx import XLSX_TYPE

ASSESSMENT_FILE = CONFIG_DIR / "assessment.toml"


@dataclass(frozen=True)
class Workbook:
    content: bytes
    filename: str  # Chinese, for people
    ascii_name: str  # for old clients

    def response(self) -> Response:
        """An attachment with a Chinese name (RFC 5987) and an ASCII fallback."""
        disposition = f"attachment; filename=\"{self.ascii_name}\"; filename*=UTF-8''{quote(self.filename)}"
        return Response(self.content, media_type=XLSX_TYPE, headers={"Content-Disposition": disposition})


def report_config() -> ReportConfig:
    return load_config(ASSESSMENT_FILE)


def monthly(rt: Runtime, actor: Actor | None, month: str | None, unit: str | None = None):
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor, unit)
        return service.monthly_report(session, month, rt.clock.now(), report_config(), scope)


def assessment(rt: Runtime, actor: Actor | None, year: str | None, unit: str | None = None):
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor, unit)
        return service.assessment_report(session, year, rt.clock.now(), report_config(), scope)


def typical_cases(rt: Runtime, actor: Actor | None, unit: str | None = None):
    """(the cases, the scope's label)."""
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor, unit)
        return service.typical_cases(session, scope), scope.label


def monthly_workbook(report) -> Workbook:
    return Workbook(monthly_xlsx.workbook_bytes(report), f"月调度-{report.month}.xlsx",
                    f"reform-monthly-{report.month}.xlsx")


def assessment_workbook(report) -> Workbook:
    return Workbook(assessment_xlsx.workbook_bytes(report), f"督查考核-{report.year}.xlsx",
                    f"reform-assessment-{report.year}.xlsx")


def typical_cases_workbook(cases, label: str, now: datetime) -> Workbook:
    return Workbook(records_xlsx.typical_cases_bytes(cases, label, now), "典型案例清单.xlsx",
                    "reform-typical-cases.xlsx")


def ledger_workbook(rt: Runtime, actor: Actor | None, unit: str | None = None, plan: str | None = None) -> Workbook:
    now = rt.clock.now()
    with read_session(rt.engine) as session:
        content = service.ledger_workbook(session, now, service.scope_for(session, actor, unit), plan)
    stamp = f"{local_day(now):%Y%m%d}"
    return Workbook(content, f"任务台账-{stamp}.xlsx", f"reform-ledger-{stamp}.xlsx")
