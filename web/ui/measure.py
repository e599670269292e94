"""A subject's page for every registered kind: read it, act on it with forms from the table; and the measure's
evidence, uploaded and downloaded."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from engine.errors import NotFound
from web.files import evidence_file
from web.kinds import MEASURES, Kind
from web.ui.acting import submit_action, upload_files
from web.ui.common import RT, Me, Who, page, see_other
from web.ui.measure_view import Failure, measure_page
from web.ui.supervision_view import done_message, measure_panels


def render(rt, user, access, measure_id: int, failure: Failure | None = None, status: int = 200,
           ok: str | None = None) -> Template:
    with rt.read() as session:
        view = measure_page(session, rt, access, measure_id, failure)
        sup = measure_panels(session, rt, access, view.m, failure)
    done = done_message(ok)
    if ok == "upload":
        done = "佐证材料已上传。"
    elif ok and MEASURES.definition.action(ok):
        done = f"已完成“{MEASURES.definition.action_label(ok)}”。"
    return page(rt, user, MEASURES.template, status, view=view, m=view.m, failure=failure, done=done, sup=sup,
                max_mb=rt.settings.max_upload_bytes // (1024 * 1024), max_bytes=rt.settings.max_upload_bytes,
                earlier_ids={ev.id for ev in view.earlier}, defn=MEASURES.definition)


@get("/measures/{measure_id:int}", sync_to_thread=True)
def measure_detail(rt: RT, user: Me, access: Who, measure_id: FromPath[int], ok: FromQuery[str | None] = None
                   ) -> Template:
    return render(rt, user, access, measure_id, ok=ok)


def files_of(form: Any, name: str = "files") -> list[UploadFile]:
    return [f for f in form.getall(name, []) if isinstance(f, UploadFile) and f.filename]


def action_page(kind: Kind, renderer):
    """The POST handler of a kind's action forms: do it, then show the page again (or the refusal)."""

    @post(f"/{kind.slug}/{{subject_id:int}}/actions/{{action:str}}", name=f"{kind.slug}-act-page")
    async def act_page(request: Request, rt: RT, user: Me, access: Who, subject_id: FromPath[int],
                       action: FromPath[str]) -> Template | Redirect:
        act = kind.definition.action(action)
        if act is None:
            raise NotFound("没有这项操作", detail=f"action {action!r} not found")
        form = await request.form()
        failure, status = await to_thread.run_sync(submit_action, rt, access, kind, subject_id, act, form,
                                                   files_of(form))
        if failure is None:
            return see_other(f"/{kind.slug}/{subject_id}?ok={action}")
        return await to_thread.run_sync(lambda: renderer(rt, user, access, subject_id, failure, status))

    return act_page


@post("/measures/{measure_id:int}/evidence")
async def measure_upload(request: Request, rt: RT, user: Me, access: Who, measure_id: FromPath[int]
                         ) -> Template | Redirect:
    form = await request.form()
    failure, status = await to_thread.run_sync(upload_files, rt, access, measure_id, files_of(form))
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok=upload#evidence")
    return await to_thread.run_sync(lambda: render(rt, user, access, measure_id, failure, status))


@get("/evidence/{evidence_id:int}", sync_to_thread=True)
def evidence_download(rt: RT, access: Who, evidence_id: FromPath[int]) -> File:
    return evidence_file(rt, access, evidence_id)


ROUTES: list = [measure_detail, action_page(MEASURES, render), measure_upload, evidence_download]
