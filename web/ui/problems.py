"""问题协调 pages: the list, one problem drawn from the problem table, raising one (or recording a 督查 finding) from
the measure page, and recording a 推进会议."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from anyio import to_thread
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select

from engine.definition import Action
from engine.errors import InvalidFields, NotFound, StaleVersion, WorkflowError
from runtime.core import Runtime
from web.errors import status_for
from web.files import receive_problem_evidence
from web.kinds import PROBLEMS
from web.ui import measure
from web.ui.acting import UploadFailed, stale_message
from web.ui.common import RT, Me, Who, page, see_other
from web.ui.forms import body_from, typed_from
from web.ui.measure_view import Failure
from web.ui.supervision_view import subject_page
from workflows.access import Access
from workflows.meetings.table import RECORD as RECORD_MEETING
from workflows.models import Unit
from workflows.problems.service import ProblemQuery
from workflows.problems.table import ORIGIN_LABELS, ORIGINS, PROBLEM
from workflows.roles import UNIT_LEAD

CREATIONS = {a.name: a for a in PROBLEM.creations}
StateQuery = Annotated[str | None, QueryParameter(name="state")]  # `state` is Litestar's own keyword


def attempt(act: Action, typed: dict, do: Callable[[], Any]) -> tuple[Failure | None, int, Any]:
    """Run `do`; a refusal becomes a Failure that keeps what was typed (field problems by name)."""
    try:
        return None, 200, do()
    except UploadFailed as exc:
        return Failure(act.name, exc.message, typed), status_for(exc.cause), None
    except InvalidFields as exc:
        return Failure(act.name, exc.message, typed, {n: p.message for n, p in exc.fields.items()}), 422, None
    except WorkflowError as exc:
        return Failure(act.name, exc.message, typed, stale=isinstance(exc, StaleVersion)), status_for(exc), None


def render(rt: Runtime, user, access: Access, problem_id: int, failure: Failure | None = None, status: int = 200,
           ok: str | None = None) -> Template:
    with rt.read() as session:
        view = subject_page(session, rt, access, PROBLEMS, problem_id, failure)
    done = f"已完成“{PROBLEMS.definition.action_label(ok)}”。" if ok and PROBLEMS.definition.action(ok) else None
    if ok in CREATIONS:
        done = f"已{CREATIONS[ok].title}。"
    return page(rt, user, PROBLEMS.template, status, view=view, p=view.s, failure=failure, done=done,
                defn=PROBLEMS.definition, labels=PROBLEMS.definition.state_labels,
                max_mb=rt.settings.max_upload_bytes // (1024 * 1024), max_bytes=rt.settings.max_upload_bytes)


def unit_names(rt: Runtime) -> list[str]:
    with rt.read() as session:
        return list(session.execute(select(Unit.name).where(Unit.kind == UNIT_LEAD).order_by(Unit.name)).scalars())


@get("/problems", sync_to_thread=True)
def problem_list(rt: RT, user: Me, access: Who, state_: StateQuery = None,
                 origin: FromQuery[str | None] = None, unit: FromQuery[str | None] = None) -> Template:
    filters = {"state": state_ if state_ in PROBLEM.state_labels else "",
               "origin": origin if origin in ORIGIN_LABELS else "", "unit": (unit or "").strip()[:100]}
    query = ProblemQuery(state=filters["state"] or None, origin=filters["origin"] or None, unit=filters["unit"] or None)
    with rt.read() as session:
        found = rt.problems.list(session, access, query)
    return page(rt, user, "problems/list.html", found=found, filters=filters, units=unit_names(rt),
                labels=PROBLEM.state_labels, origins=ORIGIN_LABELS, open_states=PROBLEM.tagged("open"))


@get("/problems/{problem_id:int}", sync_to_thread=True)
def problem_detail(rt: RT, user: Me, access: Who, problem_id: FromPath[int], ok: FromQuery[str | None] = None
                   ) -> Template:
    return render(rt, user, access, problem_id, ok=ok)


def files_of(form: Any) -> list:
    return measure.files_of(form)


def act_on_problem(rt: Runtime, access: Access, problem_id: int, act: Action, form: Any, files: list
                   ) -> tuple[Failure | None, int]:
    """New 整改 files first (kept even when the action is refused), then the action with them ticked."""
    typed = typed_from(act, form)

    def do() -> None:
        ids = []
        for upload in files:
            try:
                ids.append(receive_problem_evidence(rt, access, problem_id, upload.filename, upload.file).id)
            except WorkflowError as exc:
                raise UploadFailed(upload.filename, exc) from exc
        if ids and any(s.kind == "files" for s in act.fields):
            typed["evidence"] = [*typed.get("evidence", []), *(str(i) for i in ids)]
        with rt.write() as session:
            PROBLEMS.fire(rt, session, access, problem_id, act.name, body_from(act, typed, form.get("version")))

    failure, status, _ = attempt(act, typed, do)
    if failure is not None and failure.stale:
        failure.message = stale_message(rt, PROBLEMS, problem_id)
    return failure, status


@post("/problems/{problem_id:int}/actions/{action:str}")
async def problem_act(request: Request, rt: RT, user: Me, access: Who, problem_id: FromPath[int],
                      action: FromPath[str]) -> Template | Redirect:
    act = PROBLEM.action(action)
    if act is None:
        raise NotFound("没有这项操作", detail=f"action {action!r} not found")
    form = await request.form()
    failure, status = await to_thread.run_sync(act_on_problem, rt, access, problem_id, act, form, files_of(form))
    if failure is None:
        return see_other(f"/problems/{problem_id}?ok={action}")
    return await to_thread.run_sync(lambda: render(rt, user, access, problem_id, failure, status))


def create_problem(rt: Runtime, access: Access, measure_id: int, act: Action, form: Any):
    typed = typed_from(act, form)
    body = body_from(act, typed, None) | {"measure_id": measure_id, "origin": ORIGINS[act.name]}

    def do():
        with rt.write() as session:
            return rt.problems.create(session, access, body).id

    return attempt(act, typed, do)


@post("/measures/{measure_id:int}/problems/{how:str}")
async def problem_create(request: Request, rt: RT, user: Me, access: Who, measure_id: FromPath[int],
                         how: FromPath[str]) -> Template | Redirect:
    act = CREATIONS.get(how)
    if act is None:
        raise NotFound("没有这项操作", detail=f"creation {how!r} not found")
    form = await request.form()
    failure, status, new_id = await to_thread.run_sync(create_problem, rt, access, measure_id, act, form)
    if failure is None:
        return see_other(f"/problems/{new_id}?ok={how}")
    return await to_thread.run_sync(lambda: measure.render(rt, user, access, measure_id, failure, status))


def record_meeting(rt: Runtime, access: Access, form: Any):
    typed = typed_from(RECORD_MEETING, form)
    body = body_from(RECORD_MEETING, typed, None)

    def do():
        with rt.write() as session:
            return rt.meetings.record(session, access, body)

    return attempt(RECORD_MEETING, typed, do)


@post("/measures/{measure_id:int}/meetings")
async def meeting_create(request: Request, rt: RT, user: Me, access: Who, measure_id: FromPath[int]
                         ) -> Template | Redirect:
    form = await request.form()
    failure, status, _ = await to_thread.run_sync(record_meeting, rt, access, form)
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok={RECORD_MEETING.name}#meetings")
    return await to_thread.run_sync(lambda: measure.render(rt, user, access, measure_id, failure, status))


ROUTES: list = [problem_list, problem_detail, problem_act, problem_create, meeting_create]
