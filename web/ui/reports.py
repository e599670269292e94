"""Report pages: 月调度 with charts, 督查考核, 分类推进, evaluation records, typical cases, 倒排时间表."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from engine.errors import WorkflowError
from runtime import reports as reporting
from runtime.core import Runtime
from web.errors import status_for
from web.responses import attachment
from web.ui import charts as bar_charts
from web.ui import common
from web.ui import report_charts as charts
from web.ui.common import RT, Form, Me, Who
from workflows import exports
from workflows.access import Access
from workflows.accounts_models import User
from workflows.documents.text import is_end_of_day
from workflows.items.table import ITEM_CLASSES, UNCLASSED
from workflows.milestones.service import MilestoneList
from workflows.milestones.table import MILESTONE
from workflows.models import Measure
from workflows.reform.table import REFORM_MEASURE
from workflows.reports import classes, records, service
from workflows.reports.periods import local_day, parse_year
from workflows.reports.rows import cutoff_label, due_shown

Text = FromQuery[str | None]


def page_cutoff(cutoff: datetime) -> str:
    """A report's 统计截止 on a page: 2022年6月30日24时 for a finished day, 2022年6月20日 9:00 while it runs."""
    return cutoff_label(cutoff) if is_end_of_day(cutoff) else common.cn_date(cutoff, with_time=True)


def score(value: float | None) -> str:
    """93.5, 100: a score or quantity with the decimals it has, none for an integer."""
    return "—" if value is None else f"{round(value, 2):g}"


def points(value: float | None) -> str:
    """+2, -3.5; blank for nothing, as an empty line of the breakdown prints."""
    return "" if not value else f"{round(value, 2):+g}"


def page(rt: Runtime, name: str, user: User, status: int = 200, **context: Any) -> Template:
    return common.page(rt, user, f"reports/{name}.html", status, level_titles=rt.config.ladder.headings,
                       action_labels_ms=MILESTONE.action_labels, cutoff_label=page_cutoff,
                       due_shown=shown_due, score=score, points=points, **context)


def shown_due(row) -> str:
    """A row's 时间节点 on a page: 2022年6月30日, or 已完成 for a measure the plan declared done."""
    due = due_shown(row)
    return due if isinstance(due, str) else common.cn_date(due)


def failed(rt: Runtime, name: str, user: User, exc: WorkflowError, **context: Any) -> Template:
    return page(rt, name, user, status_for(exc), error=exc.message, **context)


@get("/reports", sync_to_thread=True)
def index(rt: RT, user: Me) -> Template:
    today = local_day(rt.clock.now())
    return page(rt, "index", user, month=f"{today:%Y-%m}", year=today.year)


def by_state(rows):
    """The same stacked bars, palette and legend as 总览."""
    colours = {s.name: s.colour for s in REFORM_MEASURE.states}
    return bar_charts.stacked_bars(rows, colours, REFORM_MEASURE.state_labels)


@get("/reports/monthly", sync_to_thread=True)
def monthly_page(rt: RT, user: Me, access: Who, month: Text = None, unit: Text = None) -> Template:
    month = month or f"{local_day(rt.clock.now()):%Y-%m}"
    try:
        with rt.read() as session:
            report = reporting.monthly(rt, session, access, month, unit)
    except WorkflowError as exc:
        return failed(rt, "monthly", user, exc, month=month, report=None)
    state_chart = by_state([(u.unit, u.by_state) for u in report.units])
    rate_chart = charts.rates([(u.unit, u.on_time_rate) for u in report.units], report.lagging_threshold)
    return page(rt, "monthly", user, month=month, report=report, state_chart=state_chart, rate_chart=rate_chart,
                overall_chart=by_state([("全部举措", report.overall.by_state)]))


@get("/reports/monthly.xlsx", sync_to_thread=True)
def monthly_download(rt: RT, access: Who, month: Text = None, unit: Text = None) -> Response:
    with rt.read() as session:
        return attachment(reporting.monthly_workbook(rt, reporting.monthly(rt, session, access, month, unit)))


@get("/reports/monthly.docx", sync_to_thread=True)
def monthly_document(rt: RT, access: Who, month: Text = None, unit: Text = None) -> Response:
    with rt.read() as session:
        return attachment(reporting.monthly_document(rt, reporting.monthly(rt, session, access, month, unit)))


@get("/reports/assessment", sync_to_thread=True)
def assessment_page(rt: RT, user: Me, access: Who, year: Text = None) -> Template:
    year = year or str(local_day(rt.clock.now()).year)
    try:
        with rt.read() as session:
            report = reporting.assessment(rt, session, access, year)
    except WorkflowError as exc:
        return failed(rt, "assessment", user, exc, year=year, report=None)
    return page(rt, "assessment", user, year=year, report=report)


@get("/reports/assessment.xlsx", sync_to_thread=True)
def assessment_download(rt: RT, access: Who, year: Text = None) -> Response:
    with rt.read() as session:
        return attachment(reporting.assessment_workbook(rt, reporting.assessment(rt, session, access, year)))


@get("/reports/ledger.xlsx", sync_to_thread=True)
def ledger_download(rt: RT, user: Me, access: Who, unit: Text = None, plan: Text = None) -> Response | Redirect:
    """Made here for a ledger of up to export_inline_max measures; a larger one is made in the background and
    fetched from its job's page (a city's ledger takes a minute to write)."""
    with rt.read() as session:
        size = reporting.ledger_size(session, access, unit, plan)
        if size <= rt.settings.export_inline_max:
            return attachment(reporting.ledger_workbook(rt, session, access, unit, plan))
    job = rt.exports.ledger(user.id, size, unit, plan)
    return common.see_other(f"/exports/{job.id}")


@get("/exports/{job_id:int}", sync_to_thread=True)
def export_page(rt: RT, user: Me, access: Who, job_id: FromPath[int]) -> Template:
    job = rt.exports.of(access, job_id)
    return page(rt, "export", user, job=job, status_label=exports.STATUS_LABELS[job.status],
                created=common.cn_date(job.created_at, with_time=True),
                finished=common.cn_date(job.finished_at, with_time=True) if job.finished_at else "",
                size_label=size_label(job.size))


def size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(size, 1) / 1024:.0f} KB"


@get("/exports/{job_id:int}/file", sync_to_thread=True)
def export_file(rt: RT, access: Who, job_id: FromPath[int]) -> Response:
    return attachment(rt.exports.download(access, job_id))


@get("/reports/classes", sync_to_thread=True)
def classes_page(rt: RT, user: Me, access: Who, klass: Text = None) -> Template:
    may_edit = any(access.actor.role in a.roles for a in rt.items.defn.actions)
    with rt.read() as session:
        base = {"counts": classes.counts(session), "choices": ITEM_CLASSES, "unclassed": UNCLASSED,
                "may_edit": may_edit}
        try:
            chosen = classes.check_filter(klass)
        except WorkflowError as exc:
            return failed(rt, "classes", user, exc, items=[], klass=None, **base)
        return page(rt, "classes", user, items=classes.items(session, klass=chosen), klass=chosen, **base)


@post("/reports/classes/{item_id:int}", sync_to_thread=True)
def classify(rt: RT, access: Who, item_id: FromPath[int], data: Form) -> Redirect:
    with rt.write() as session:
        classes.set_class(session, rt.items, item_id, data.get("klass"), access)
    back = data.get("back", "")
    return common.see_other(back if back.startswith("/reports/classes") else "/reports/classes")


@get("/reports/records", sync_to_thread=True)
def records_page(rt: RT, user: Me, access: Who, year: Text = None) -> Template:
    try:
        with rt.read() as session:
            scope = service.scope_for(session, access)
            period = parse_year(year, rt.clock.now()) if year else None
            evaluations = records.evaluations(session, unit_id=scope.unit_id, period=period)
            replications = records.replications(session, unit_id=scope.unit_id, period=period)
    except WorkflowError as exc:
        return failed(rt, "records", user, exc, evaluations=[], replications=[], year=year)
    return page(rt, "records", user, evaluations=evaluations, replications=replications, year=year, scope=scope)


@get("/reports/typical-cases", sync_to_thread=True)
def typical_cases_page(rt: RT, user: Me, access: Who) -> Template:
    with rt.read() as session:
        cases, label = reporting.typical_cases(rt, session, access)
    return page(rt, "typical_cases", user, cases=cases, scope_label=label, today=local_day(rt.clock.now()))


@get("/reports/typical-cases.xlsx", sync_to_thread=True)
def typical_cases_download(rt: RT, access: Who) -> Response:
    with rt.read() as session:
        cases, label = reporting.typical_cases(rt, session, access)
    return attachment(reporting.typical_cases_workbook(rt, cases, label))


@dataclass
class TimetableView:
    measure: Measure
    milestones: MilestoneList


def timetable_view(rt: Runtime, access: Access, measure_id: int) -> TimetableView:
    with rt.read() as session:
        found = rt.milestones.list(session, access, measure_id)
        return TimetableView(session.get(Measure, measure_id), found)


def timetable(rt: Runtime, user: User, access: Access, measure_id: int, status: int = 200, **context: Any) -> Template:
    """The timetable page; `context` may name a form being corrected, a step to confirm or what was just done."""
    context = {"form": {}, "problems": {}, "editing": None, "confirming": None, "done": None,
               **timetable_words(rt), **context}
    return page(rt, "timetable", user, status, view=timetable_view(rt, access, measure_id), **context)


def timetable_words(rt: Runtime) -> dict[str, Any]:
    """What the timetable template reads besides the view: the actions as declared, and today for the date inputs."""
    return {"acts": {a.name: a for a in MILESTONE.actions}, "today": local_day(rt.clock.now())}


@get("/measures/{measure_id:int}/timetable", sync_to_thread=True)
def timetable_page(rt: RT, user: Me, access: Who, measure_id: FromPath[int], done: Text = None,
                   ms: FromQuery[int | None] = None) -> Template:
    """`?done=complete&ms=3` after an action: says what happened and offers the way back (撤销)."""
    just = {"action": done, "label": MILESTONE.action_label(done), "id": ms} if MILESTONE.action(done or "") else None
    return timetable(rt, user, access, measure_id, done=just)


@post("/measures/{measure_id:int}/timetable", sync_to_thread=True)
def timetable_add(rt: RT, user: Me, access: Who, measure_id: FromPath[int], data: Form) -> Template | Redirect:
    try:
        with rt.write() as session:
            rt.milestones.add(session, access, measure_id, dict(data))
    except WorkflowError as exc:  # keep what was typed and say what is wrong, next to the field
        problems = {name: p.message for name, p in exc.fields.items()}
        return timetable(rt, user, access, measure_id, status_for(exc), error=exc.message, form=data,
                         problems=problems)
    return common.see_other(f"/measures/{measure_id}/timetable")


@post("/measures/{measure_id:int}/timetable/{milestone_id:int}/{action:str}", sync_to_thread=True)
def timetable_act(rt: RT, user: Me, access: Who, measure_id: FromPath[int], milestone_id: FromPath[int],
                  action: FromPath[str], data: Form) -> Template | Redirect:
    """An action on one milestone; one the table asks to confirm is first shown as a question (no script needed)."""
    act = MILESTONE.action(action)
    fields = {k: v for k, v in dict(data).items() if k != "confirmed"}
    if act is not None and act.confirm and data.get("confirmed") != "1":
        view = timetable_view(rt, access, measure_id)
        asked = next((ms for ms in view.milestones.items if ms.id == milestone_id and action in ms.allowed_actions),
                     None)
        if asked is not None:  # otherwise the action is refused below, with the reason
            return page(rt, "timetable", user, view=view, form={}, problems={}, editing=None, done=None,
                        confirming={"action": act, "milestone": asked}, **timetable_words(rt))
    try:
        with rt.write() as session:
            rt.milestones.act(session, access, measure_id, milestone_id, action, fields)
    except WorkflowError as exc:
        problems = {name: p.message for name, p in exc.fields.items()}
        return timetable(rt, user, access, measure_id, status_for(exc), error=exc.message, form=data,
                         problems=problems, editing=milestone_id if problems else None)
    return common.see_other(f"/measures/{measure_id}/timetable?done={action}&ms={milestone_id}")


# One Router: see web/api/reports.py (handlers sharing a path must be registered together).
HANDLERS = [
    index, monthly_page, monthly_download, monthly_document, assessment_page, assessment_download, ledger_download,
    export_page, export_file,
    classes_page, classify, records_page, typical_cases_page, typical_cases_download, timetable_page, timetable_add,
    timetable_act,
]
ROUTES: list = [Router(path="/", route_handlers=HANDLERS, include_in_schema=False)]
