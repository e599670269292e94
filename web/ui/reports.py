"""Report pages: 月调度 with charts, 督查考核, 分类推进, evaluation records, typical cases, 倒排时间表."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from engine.db import read_session, write_session
from engine.decide import Actor
from engine.errors import WorkflowError
from runtime import reports as reporting
from runtime.core import Runtime
from web.errors import chinese_for, status_for
from web.ui import charts as bar_charts
from web.ui import common
from web.ui import report_charts as charts
from web.ui.common import RT, Form, Me, Who
from workflows import milestones
from workflows.accounts_models import User
from workflows.models import ITEM_CLASSES, Measure
from workflows.reform.table import STATE_LABELS
from workflows.reports import classes, records, service
from workflows.reports.periods import SHANGHAI, local_day, parse_year
from workflows.reports.rows import LEVEL_TITLES, UNCLASSED

Text = FromQuery[str | None]


def beijing(instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return instant.astimezone(SHANGHAI).strftime(fmt) if instant else ""


def page(rt: Runtime, name: str, user: User, status: int = 200, **context: Any) -> Template:
    return common.page(rt, user, f"reports/{name}.html", status, level_titles=LEVEL_TITLES, beijing=beijing,
                       **context)


def failed(rt: Runtime, name: str, user: User, exc: WorkflowError, **context: Any) -> Template:
    return page(rt, name, user, status_for(exc), error=chinese_for(exc), **context)


@get("/reports", sync_to_thread=True)
def index(rt: RT, user: Me) -> Template:
    today = local_day(rt.clock.now())
    return page(rt, "index", user, month=f"{today:%Y-%m}", year=today.year)


def by_state(rows):
    """The same stacked bars, palette and legend as 总览."""
    return bar_charts.stacked_bars(rows, bar_charts.STATE_COLOURS, STATE_LABELS)


@get("/reports/monthly", sync_to_thread=True)
def monthly_page(rt: RT, user: Me, actor: Who, month: Text = None, unit: Text = None) -> Template:
    month = month or f"{local_day(rt.clock.now()):%Y-%m}"
    try:
        report = reporting.monthly(rt, actor, month, unit)
    except WorkflowError as exc:
        return failed(rt, "monthly", user, exc, month=month, report=None)
    state_chart = by_state([(u.unit, u.by_state) for u in report.units])
    rate_chart = charts.rates([(u.unit, u.on_time_rate) for u in report.units], report.lagging_threshold)
    return page(rt, "monthly", user, month=month, report=report, state_chart=state_chart, rate_chart=rate_chart,
                overall_chart=by_state([("全部举措", report.overall.by_state)]))


@get("/reports/monthly.xlsx", sync_to_thread=True)
def monthly_download(rt: RT, actor: Who, month: Text = None, unit: Text = None) -> Response:
    return reporting.monthly_workbook(reporting.monthly(rt, actor, month, unit)).response()


@get("/reports/assessment", sync_to_thread=True)
def assessment_page(rt: RT, user: Me, actor: Who, year: Text = None) -> Template:
    year = year or str(local_day(rt.clock.now()).year)
    try:
        report = reporting.assessment(rt, actor, year)
    except WorkflowError as exc:
        return failed(rt, "assessment", user, exc, year=year, report=None)
    return page(rt, "assessment", user, year=year, report=report)


@get("/reports/assessment.xlsx", sync_to_thread=True)
def assessment_download(rt: RT, actor: Who, year: Text = None) -> Response:
    return reporting.assessment_workbook(reporting.assessment(rt, actor, year)).response()


@get("/reports/ledger.xlsx", sync_to_thread=True)
def ledger_download(rt: RT, actor: Who) -> Response:
    return reporting.ledger_workbook(rt, actor).response()


@get("/reports/classes", sync_to_thread=True)
def classes_page(rt: RT, user: Me, klass: Text = None) -> Template:
    with read_session(rt.engine) as session:
        try:
            chosen = classes.check_filter(klass)
        except WorkflowError as exc:
            return failed(rt, "classes", user, exc, counts=classes.counts(session), items=[], klass=None,
                          choices=ITEM_CLASSES, unclassed=UNCLASSED)
        return page(rt, "classes", user, counts=classes.counts(session), items=classes.items(session, klass=chosen),
                    klass=chosen, choices=ITEM_CLASSES, unclassed=UNCLASSED)


@post("/reports/classes/{item_id:int}", sync_to_thread=True)
def classify(rt: RT, actor: Who, item_id: FromPath[int], data: Form) -> Redirect:
    with write_session(rt.engine) as session:
        classes.set_class(session, item_id, data.get("klass"), actor, rt.clock.now())
    back = data.get("back", "")
    return common.see_other(back if back.startswith("/reports/classes") else "/reports/classes")


@get("/reports/records", sync_to_thread=True)
def records_page(rt: RT, user: Me, actor: Who, year: Text = None) -> Template:
    try:
        with read_session(rt.engine) as session:
            scope = service.scope_for(session, actor)
            period = parse_year(year, rt.clock.now()) if year else None
            evaluations = records.evaluations(session, unit_id=scope.unit_id, period=period)
            replications = records.replications(session, unit_id=scope.unit_id, period=period)
    except WorkflowError as exc:
        return failed(rt, "records", user, exc, evaluations=[], replications=[], year=year)
    return page(rt, "records", user, evaluations=evaluations, replications=replications, year=year, scope=scope)


@get("/reports/typical-cases", sync_to_thread=True)
def typical_cases_page(rt: RT, user: Me, actor: Who) -> Template:
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor)
        cases = service.typical_cases(session, scope)
    return page(rt, "typical_cases", user, cases=cases, scope=scope, today=local_day(rt.clock.now()))


@get("/reports/typical-cases.xlsx", sync_to_thread=True)
def typical_cases_download(rt: RT, actor: Who) -> Response:
    cases, label = reporting.typical_cases(rt, actor)
    return reporting.typical_cases_workbook(cases, label, rt.clock.now()).response()


@dataclass
class TimetableView:
    measure: Measure
    items: list[dict]
    may_edit: bool


def timetable_view(rt: Runtime, actor: Actor, measure_id: int) -> TimetableView:
    today = local_day(rt.clock.now())
    with read_session(rt.engine) as session:
        found = milestones.for_measure(session, measure_id, actor)
        measure = session.get(Measure, measure_id)
        return TimetableView(measure, [milestones.as_json(ms, today) for ms in found],
                             milestones.may_plan(session, measure_id, actor))


@get("/measures/{measure_id:int}/timetable", sync_to_thread=True)
def timetable_page(rt: RT, user: Me, actor: Who, measure_id: FromPath[int]) -> Template:
    return page(rt, "timetable", user, view=timetable_view(rt, actor, measure_id), form={})


@post("/measures/{measure_id:int}/timetable", sync_to_thread=True)
def timetable_add(rt: RT, user: Me, actor: Who, measure_id: FromPath[int], data: Form) -> Any:
    try:
        with write_session(rt.engine) as session:
            milestones.add(session, measure_id, actor, dict(data), rt.clock.now())
    except WorkflowError as exc:  # keep what was typed and say what is wrong
        return failed(rt, "timetable", user, exc, view=timetable_view(rt, actor, measure_id), form=data)
    return common.see_other(f"/measures/{measure_id}/timetable")


@post("/measures/{measure_id:int}/timetable/{milestone_id:int}/done", sync_to_thread=True)
def timetable_done(rt: RT, actor: Who, measure_id: FromPath[int], milestone_id: FromPath[int]) -> Redirect:
    with write_session(rt.engine) as session:
        milestones.complete(session, measure_id, milestone_id, actor, rt.clock.now())
    return common.see_other(f"/measures/{measure_id}/timetable")


# One Router: see web/api/reports.py (handlers sharing a path must be registered together).
HANDLERS = [
    index, monthly_page, monthly_download, assessment_page, assessment_download, ledger_download, classes_page,
    classify, records_page, typical_cases_page, typical_cases_download, timetable_page, timetable_add,
    timetable_done,
]
ROUTES: list = [Router(path="/", route_handlers=HANDLERS)]
