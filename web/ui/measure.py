"""A measure's page: read it, act on it with forms from the table, add evidence, download evidence."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from engine.db import read_session
from engine.errors import NotFound
from web.files import evidence_file
from web.ui.acting import submit_action, upload_files
from web.ui.common import RT, Me, Who, page, see_other
from web.ui.measure_view import Failure, measure_page
from workflows.reform.table import ACTION_LABELS, REFORM_MEASURE


def render(rt, user, actor, measure_id: int, failure: Failure | None = None, status: int = 200,
           ok: str | None = None) -> Template:
    with read_session(rt.engine) as session:
        view = measure_page(session, rt, measure_id, actor, failure)
    done = {"upload": "佐证材料已上传。"}.get(ok or "") or (f"已完成“{ACTION_LABELS[ok]}”。" if ok in ACTION_LABELS
                                                           else None)
    return page(rt, user, "measure.html", status, view=view, m=view.m, failure=failure, done=done,
                max_mb=rt.settings.max_upload_bytes // (1024 * 1024))


@get("/measures/{measure_id:int}", sync_to_thread=True)
def measure_detail(rt: RT, user: Me, actor: Who, measure_id: FromPath[int], ok: FromQuery[str | None] = None
                   ) -> Template:
    return render(rt, user, actor, measure_id, ok=ok)


def files_of(form: Any, name: str = "files") -> list[UploadFile]:
    return [f for f in form.getall(name, []) if isinstance(f, UploadFile) and f.filename]


@post("/measures/{measure_id:int}/actions/{action:str}")
async def measure_act(request: Request, rt: RT, user: Me, actor: Who, measure_id: FromPath[int],
                      action: FromPath[str]) -> Template | Redirect:
    act = REFORM_MEASURE.action(action)
    if act is None:
        raise NotFound(f"action {action!r} not found")
    form = await request.form()
    failure, status = await to_thread.run_sync(submit_action, rt, actor, measure_id, act, form, files_of(form))
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok={action}")
    return await to_thread.run_sync(lambda: render(rt, user, actor, measure_id, failure, status))


@post("/measures/{measure_id:int}/evidence")
async def measure_upload(request: Request, rt: RT, user: Me, actor: Who, measure_id: FromPath[int]
                         ) -> Template | Redirect:
    form = await request.form()
    failure, status = await to_thread.run_sync(upload_files, rt, actor, measure_id, files_of(form))
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok=upload#evidence")
    return await to_thread.run_sync(lambda: render(rt, user, actor, measure_id, failure, status))


@get("/evidence/{evidence_id:int}", sync_to_thread=True)
def evidence_download(rt: RT, actor: Who, evidence_id: FromPath[int]) -> File:
    return evidence_file(rt, actor, evidence_id)


ROUTES: list = [measure_detail, measure_act, measure_upload, evidence_download]
