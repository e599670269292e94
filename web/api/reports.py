"""Report endpoints: 月调度, 督查考核, the ledger workbook, classes, milestones, evaluation records."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from engine.db import read_session, write_session
from engine.decide import Actor
from runtime import reports as reporting
from runtime.core import Runtime
from web.errors import InputError
from workflows import milestones
from workflows.reports import classes, records, service
from workflows.reports.periods import local_day, parse_year
from workflows.reports.rows import plain
from workflows.reports.xlsx import XLSX_TYPE

RT = NamedDependency[Runtime]
Who = NamedDependency[Actor]
Text = FromQuery[str | None]


def wants_xlsx(request: Request, fmt: str | None) -> bool:
    if fmt:
        if fmt not in ("xlsx", "json"):
            raise InputError(f"不支持的格式 {fmt!r}，可选 json 或 xlsx")
        return fmt == "xlsx"
    return XLSX_TYPE in request.headers.get("accept", "")


@get("/api/reports/monthly", sync_to_thread=True)
def monthly(request: Request, rt: RT, actor: Who, month: Text = None, unit: Text = None,
            format: Text = None) -> Any:
    xlsx = wants_xlsx(request, format)
    report = reporting.monthly(rt, actor, month, unit)
    return reporting.monthly_workbook(report).response() if xlsx else plain(report)


@get("/api/reports/assessment", sync_to_thread=True)
def assessment(request: Request, rt: RT, actor: Who, year: Text = None, unit: Text = None,
               format: Text = None) -> Any:
    xlsx = wants_xlsx(request, format)
    report = reporting.assessment(rt, actor, year, unit)
    return reporting.assessment_workbook(report).response() if xlsx else plain(report)


@get("/api/reports/ledger.xlsx", sync_to_thread=True)
def ledger(rt: RT, actor: Who, unit: Text = None, plan: Text = None) -> Response:
    return reporting.ledger_workbook(rt, actor, unit, plan).response()


@get("/api/reports/classes", sync_to_thread=True)
def class_counts(rt: RT, actor: Who) -> dict:
    with read_session(rt.engine) as session:
        found = classes.counts(session)
    return {"items": found, "total": len(found)}


@get("/api/items", sync_to_thread=True)
def list_items(rt: RT, actor: Who, klass: Text = None, category: FromQuery[int | None] = None) -> dict:
    with read_session(rt.engine) as session:
        found = classes.items(session, klass=classes.check_filter(klass), category=category)
    return {"items": found, "total": len(found)}


@patch("/api/items/{item_id:int}", sync_to_thread=True)
def classify_item(rt: RT, actor: Who, item_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> dict:
    if "klass" not in data:
        raise InputError("请求体须包含 klass 字段")
    with write_session(rt.engine) as session:
        item = classes.set_class(session, item_id, data["klass"], actor, rt.clock.now())
        return {"id": item.id, "item_no": item.item_no, "title": item.title, "klass": item.klass}


@get("/api/measures/{measure_id:int}/milestones", sync_to_thread=True)
def list_milestones(rt: RT, actor: Who, measure_id: FromPath[int]) -> dict:
    today = local_day(rt.clock.now())
    with read_session(rt.engine) as session:
        found = [milestones.as_json(ms, today) for ms in milestones.for_measure(session, measure_id, actor)]
    return {"items": found, "total": len(found)}


@post("/api/measures/{measure_id:int}/milestones", sync_to_thread=True)
def add_milestone(rt: RT, actor: Who, measure_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> dict:
    now = rt.clock.now()
    with write_session(rt.engine) as session:
        ms = milestones.add(session, measure_id, actor, data, now)
        return milestones.as_json(ms, local_day(now))


@post("/api/measures/{measure_id:int}/milestones/{milestone_id:int}/done", sync_to_thread=True, status_code=200)
def complete_milestone(rt: RT, actor: Who, measure_id: FromPath[int], milestone_id: FromPath[int]) -> dict:
    now = rt.clock.now()
    with write_session(rt.engine) as session:
        ms = milestones.complete(session, measure_id, milestone_id, actor, now)
        return milestones.as_json(ms, local_day(now))


@get("/api/reports/evaluations", sync_to_thread=True)
def evaluations(rt: RT, actor: Who, year: Text = None, typical: FromQuery[bool | None] = None) -> dict:
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor)
        period = parse_year(year, rt.clock.now()) if year else None
        found = records.evaluations(session, unit_id=scope.unit_id, period=period, typical=typical)
    return {"items": plain(found), "total": len(found)}


@get("/api/reports/replications", sync_to_thread=True)
def replications(rt: RT, actor: Who, year: Text = None) -> dict:
    with read_session(rt.engine) as session:
        scope = service.scope_for(session, actor)
        period = parse_year(year, rt.clock.now()) if year else None
        found = records.replications(session, unit_id=scope.unit_id, period=period)
    return {"items": plain(found), "total": len(found)}


@get("/api/reports/typical-cases", sync_to_thread=True)
def typical_cases(request: Request, rt: RT, actor: Who, format: Text = None) -> Any:
    xlsx = wants_xlsx(request, format)
    found, label = reporting.typical_cases(rt, actor)
    if xlsx:
        return reporting.typical_cases_workbook(found, label, rt.clock.now()).response()
    return {"items": plain(found), "total": len(found)}


# One Router, so handlers sharing a path (GET and POST …/milestones) are registered once: Litestar 2.25 wraps
# a sync_to_thread handler again each time another handler joins its path when they are registered one by one.
HANDLERS = [
    monthly, assessment, ledger, class_counts, list_items, classify_item, list_milestones, add_milestone,
    complete_milestone, evaluations, replications, typical_cases,
]
ROUTES: list = [Router(path="/", route_handlers=HANDLERS)]
