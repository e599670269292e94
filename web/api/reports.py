"""Report endpoints: 月调度, 督查考核, the ledger workbook, classes, milestones, evaluation records."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.params import FromPath, FromQuery, JSONBody

from engine.errors import BadRequest
from runtime import reports as reporting
from web.api.common import RT, IdParam, Text, Who, api_get, api_patch, api_post
from web.responses import attachment
from workflows import exports
from workflows.milestones.service import MilestoneList, MilestoneView
from workflows.reports import classes, records, service
from workflows.reports.assessment import AssessmentReport
from workflows.reports.monthly import MonthlyReport
from workflows.reports.periods import parse_year
from workflows.reports.records import EvaluationRow, ReplicationRow
from workflows.reports.rows import plain
from workflows.reports.xlsx import XLSX_TYPE


class ClassCount(msgspec.Struct, frozen=True, kw_only=True):
    klass: str
    items: int
    measures: int
    by_state: dict[str, int]


class ClassCounts(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ClassCount]
    total: int


class ItemRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    item_no: str
    title: str
    category: str
    category_seq: int
    klass: str | None
    measures: int
    version: int


class ItemList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemRow]
    total: int


class Evaluations(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EvaluationRow]
    total: int


class Replications(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReplicationRow]
    total: int


def wanted_format(request: Request, fmt: str | None, *offered: str) -> str:
    """json, or a file format the endpoint offers, from `?format=` or the Accept header."""
    choices = ("json", *offered)
    if fmt:
        if fmt not in choices:
            raise BadRequest(f"不支持的格式 {fmt!r}，可选 {' 或 '.join(choices)}")
        return fmt
    accept = request.headers.get("accept", "")
    types = {"xlsx": XLSX_TYPE, "docx": reporting.DOCX_TYPE}
    return next((f for f in offered if types[f] in accept), "json")


def wants_xlsx(request: Request, fmt: str | None) -> bool:
    return wanted_format(request, fmt, "xlsx") == "xlsx"


@api_get("/api/reports/monthly",
         summary="月调度：全区或一个单位一个月的推进情况（format=xlsx 下载 Excel，format=docx 下载 Word 通报）")
def monthly(request: Request, rt: RT, access: Who, month: Text = None, unit: Text = None,
            format: Text = None) -> MonthlyReport:
    fmt = wanted_format(request, format, "xlsx", "docx")
    with rt.read() as session:
        report = reporting.monthly(rt, session, access, month, unit)
    if fmt == "xlsx":
        return attachment(reporting.monthly_workbook(rt, report))
    return attachment(reporting.monthly_document(rt, report)) if fmt == "docx" else plain(report)


@api_get("/api/reports/assessment", summary="督查考核：各牵头单位一年的得分与计分明细（format=xlsx 下载 Excel）")
def assessment(request: Request, rt: RT, access: Who, year: Text = None, unit: Text = None,
               format: Text = None) -> AssessmentReport:
    xlsx = wants_xlsx(request, format)
    with rt.read() as session:
        report = reporting.assessment(rt, session, access, year, unit)
    return attachment(reporting.assessment_workbook(rt, report)) if xlsx else plain(report)


@api_get("/api/reports/ledger.xlsx", summary="任务台账 Excel（方案版式，可重新导入）")
def ledger(rt: RT, access: Who, unit: Text = None, plan: Text = None) -> Response:
    with rt.read() as session:
        return attachment(reporting.ledger_workbook(rt, session, access, unit, plan))


class ExportView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    status: str  # queued | running | done | failed
    status_label: str
    measures: int
    created_at: str
    finished_at: str | None
    file_name: str
    size: int
    error: str
    file_url: str | None  # once done


def export_view(job) -> ExportView:
    return ExportView(id=job.id, kind=job.kind, status=job.status, status_label=exports.STATUS_LABELS[job.status],
                      measures=job.measures, created_at=job.created_at.isoformat(),
                      finished_at=job.finished_at.isoformat() if job.finished_at else None, file_name=job.file_name,
                      size=job.size, error=job.error,
                      file_url=f"/api/exports/{job.id}/file" if job.status == exports.DONE else None)


def _text_field(data: dict[str, Any] | None, name: str) -> str | None:
    value = (data or {}).get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{name} 应为文字（单位名称或方案代码）", detail=f"{name}: {type(value).__name__}")
    return value or None


@api_post("/api/reports/ledger/exports", status_code=202,
          summary="在后台生成任务台账 Excel（大台账用）：立即返回导出任务，完成后从 file_url 下载，仅限本人")
def export_ledger(rt: RT, access: Who, data: JSONBody[dict[str, Any] | None] = None) -> ExportView:
    unit, plan = _text_field(data, "unit"), _text_field(data, "plan")
    with rt.read() as session:
        size = reporting.ledger_size(session, access, unit, plan)
    return export_view(rt.exports.ledger(access.actor.id, size, unit, plan))


@api_get("/api/exports/{export_id:int}", summary="一项导出任务：状态、完成后的下载地址（仅限本人）")
def export_status(rt: RT, access: Who, export_id: FromPath[int]) -> ExportView:
    return export_view(rt.exports.of(access, export_id))


@api_get("/api/exports/{export_id:int}/file", summary="下载导出文件（生成完成后，仅限本人，保留一天）")
def export_file(rt: RT, access: Who, export_id: FromPath[int]) -> Response:
    return attachment(rt.exports.download(access, export_id))


@api_get("/api/reports/classes", summary="分类推进：各分类的事项与举措数")
def class_counts(rt: RT, access: Who) -> ClassCounts:
    with rt.read() as session:
        found = [ClassCount(**c) for c in classes.counts(session)]
    return ClassCounts(items=found, total=len(found))


@api_get("/api/items", summary="改革事项及其分类")
def list_items(rt: RT, access: Who, klass: Text = None, category: IdParam = None) -> ItemList:
    with rt.read() as session:
        found = [ItemRow(**i) for i in classes.items(session, klass=classes.check_filter(klass), category=category)]
    return ItemList(items=found, total=len(found))


@api_patch("/api/items/{item_id:int}", summary="设置改革事项的分类（营商办）")
def classify_item(rt: RT, access: Who, item_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> ItemRow:
    if "klass" not in data:
        raise BadRequest("请求体须包含 klass 字段")
    with rt.write() as session:
        item = classes.set_class(session, rt.items, item_id, data["klass"], access, data.get("version"))
        found = classes.items(session)
    return ItemRow(**next(i for i in found if i["id"] == item.id))


@api_get("/api/measures/{measure_id:int}/milestones", summary="倒排时间表")
def list_milestones(rt: RT, access: Who, measure_id: FromPath[int]) -> MilestoneList:
    with rt.read() as session:
        return rt.milestones.list(session, access, measure_id)


@api_post("/api/measures/{measure_id:int}/milestones", status_code=201, summary="添加倒排节点（第一牵头单位）")
def add_milestone(rt: RT, access: Who, measure_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> MilestoneView:
    with rt.write() as session:
        return rt.milestones.add(session, access, measure_id, data)


@api_post("/api/measures/{measure_id:int}/milestones/{milestone_id:int}/actions/{action:str}", status_code=200,
          summary="办理倒排节点：标记完成、撤销完成、修改、删除")
def act_milestone(rt: RT, access: Who, measure_id: FromPath[int], milestone_id: FromPath[int],
                  action: FromPath[str], data: JSONBody[dict[str, Any]]) -> MilestoneView:
    with rt.write() as session:
        return rt.milestones.act(session, access, measure_id, milestone_id, action, data)


@api_post("/api/measures/{measure_id:int}/milestones/{milestone_id:int}/done", status_code=200,
          summary="标记倒排节点完成（与 actions/complete 相同）")
def complete_milestone(rt: RT, access: Who, measure_id: FromPath[int], milestone_id: FromPath[int]) -> MilestoneView:
    with rt.write() as session:
        return rt.milestones.act(session, access, measure_id, milestone_id, "complete", {})


@api_get("/api/reports/evaluations", summary="评估记录")
def evaluations(rt: RT, access: Who, year: Text = None, typical: FromQuery[bool | None] = None) -> Evaluations:
    with rt.read() as session:
        scope = service.scope_for(session, access)
        period = parse_year(year, rt.clock.now()) if year else None
        found = records.evaluations(session, unit_id=scope.unit_id, period=period, typical=typical)
    return Evaluations(items=found, total=len(found))


@api_get("/api/reports/replications", summary="复制推广记录")
def replications(rt: RT, access: Who, year: Text = None) -> Replications:
    with rt.read() as session:
        scope = service.scope_for(session, access)
        period = parse_year(year, rt.clock.now()) if year else None
        found = records.replications(session, unit_id=scope.unit_id, period=period)
    return Replications(items=found, total=len(found))


@api_get("/api/reports/typical-cases", summary="典型案例清单（format=xlsx 下载 Excel）")
def typical_cases(request: Request, rt: RT, access: Who, format: Text = None) -> Evaluations:
    xlsx = wants_xlsx(request, format)
    with rt.read() as session:
        found, label = reporting.typical_cases(rt, session, access)
    if xlsx:
        return attachment(reporting.typical_cases_workbook(rt, found, label))
    return Evaluations(items=found, total=len(found))


# One Router, so handlers sharing a path (GET and POST …/milestones) are registered once: Litestar 2.25 wraps
# a sync_to_thread handler again each time another handler joins its path when they are registered one by one.
HANDLERS = [
    monthly, assessment, ledger, export_ledger, export_status, export_file, class_counts, list_items, classify_item,
    list_milestones, add_milestone,
    act_milestone, complete_milestone, evaluations, replications, typical_cases,
]
ROUTES: list = [Router(path="/", route_handlers=HANDLERS)]
