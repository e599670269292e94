"""文书 pages: the 督办文书 this person may see; 督查办 edits a draft's free text and issues it; the .docx."""

from __future__ import annotations

from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engine.errors import NotFound
from runtime.core import Runtime
from web.responses import attachment
from web.ui.common import RT, Me, Who, page, see_other
from web.ui.forms import body_from, build_form, typed_from
from web.ui.measure_view import Failure
from web.ui.problems import attempt
from workflows.access import Access
from workflows.documents.service import DOCX_TYPE as DOCX
from workflows.documents.table import DOCUMENT, KINDS


@get("/documents", sync_to_thread=True)
def document_list(rt: RT, user: Me, access: Who, kind: FromQuery[str | None] = None,
                  measure: FromQuery[int | None] = None) -> Template:
    chosen = kind if kind in KINDS else None
    measure_id = measure if measure is not None and 0 < measure < 2**31 else None
    with rt.read() as session:
        found = rt.documents.list(session, access, chosen, measure_id)
    return page(rt, user, "documents/list.html", found=found, kinds=KINDS, kind=chosen or "", measure=measure_id)


def render(rt: Runtime, user, access: Access, document_id: int, failure: Failure | None = None, status: int = 200,
           ok: str | None = None) -> Template:
    with rt.read() as session:
        row = rt.documents.get(session, access, document_id)
        doc = rt.documents.summary(session, access, row)
    forms = []
    for name in doc.allowed_actions:
        act = DOCUMENT.action(name)
        mine = failure is not None and failure.action == name
        typed = failure.typed if mine else {"required": doc.required,
                                            "reply_by": doc.reply_by.isoformat() if doc.reply_by else ""}
        forms.append(build_form(act, doc.version, typed, failure.problems if mine else None, None,
                                rt.config.limits.text_max))
    done = f"已{DOCUMENT.action_label(ok)}。" if ok and DOCUMENT.action(ok) else None
    return page(rt, user, "documents/detail.html", status, doc=doc, forms=forms, failure=failure, done=done,
                labels=DOCUMENT.state_labels)


@get("/documents/{document_id:int}", sync_to_thread=True)
def document_detail(rt: RT, user: Me, access: Who, document_id: FromPath[int], ok: FromQuery[str | None] = None
                    ) -> Template:
    return render(rt, user, access, document_id, ok=ok)


class _Doc:
    def __init__(self, content: bytes, number: str, ascii_name: str) -> None:
        self.content, self.filename, self.ascii_name, self.media_type = content, f"{number}.docx", ascii_name, DOCX


@get("/documents/{document_id:int}/file", sync_to_thread=True)
def document_file(rt: RT, access: Who, document_id: FromPath[int]) -> Response:
    with rt.read() as session:
        doc, content = rt.documents.content(session, access, document_id)
    return attachment(_Doc(content, doc.number, f"reform-{doc.kind}-{doc.year}-{doc.seq}.docx"))


def act_on_document(rt: Runtime, access: Access, document_id: int, name: str, form):
    act = DOCUMENT.action(name)
    typed = typed_from(act, form)

    def do():
        with rt.write() as session:
            return rt.documents.act(session, access, document_id, name, body_from(act, typed, form.get("version")))

    failure, status, _ = attempt(act, typed, do)
    return failure, status


@post("/documents/{document_id:int}/actions/{action:str}")
async def document_act(request: Request, rt: RT, user: Me, access: Who, document_id: FromPath[int],
                       action: FromPath[str]) -> Template | Redirect:
    if DOCUMENT.action(action) is None:
        raise NotFound("没有这项操作", detail=f"action {action!r} not found")
    form = await request.form()
    failure, status = await to_thread.run_sync(act_on_document, rt, access, document_id, action, form)
    if failure is None:
        return see_other(f"/documents/{document_id}?ok={action}")
    return await to_thread.run_sync(lambda: render(rt, user, access, document_id, failure, status))


ROUTES: list = [document_list, document_detail, document_file, document_act]
