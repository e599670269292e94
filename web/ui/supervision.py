"""批示 and their 落实情况 from the measure page, and 催办 of many red measures at once."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from engine.errors import NotFound, WorkflowError
from runtime.core import Runtime
from web.ui import measure
from web.ui.common import RT, Me, Who, page, see_other
from web.ui.forms import body_from, typed_from
from web.ui.problems import attempt
from web.ui.supervision_view import REPLY, URGES
from workflows.access import Access
from workflows.instructions.table import INSTRUCT
from workflows.supervision_models import Instruction

URGE = URGES[0]
BULK_LIMIT = 200


def instruct(rt: Runtime, access: Access, measure_id: int, form: Any):
    typed = typed_from(INSTRUCT, form)
    body = body_from(INSTRUCT, typed, None)

    def do():
        with rt.write() as session:
            return rt.instructions.create(session, access, measure_id, body)

    return attempt(INSTRUCT, typed, do)


@post("/measures/{measure_id:int}/instructions")
async def instruction_create(request: Request, rt: RT, user: Me, access: Who, measure_id: FromPath[int]
                             ) -> Template | Redirect:
    form = await request.form()
    failure, status, _ = await to_thread.run_sync(instruct, rt, access, measure_id, form)
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok={INSTRUCT.name}#instructions")
    return await to_thread.run_sync(lambda: measure.render(rt, user, access, measure_id, failure, status))


def answer(rt: Runtime, access: Access, instruction_id: int, form: Any):
    typed = typed_from(REPLY, form)
    body = body_from(REPLY, typed, form.get("version"))

    def do():
        with rt.write() as session:
            return rt.instructions.reply(session, access, instruction_id, body)

    failure, status, _ = attempt(REPLY, typed, do)
    if failure is not None:  # the form of this instruction, not of another one on the page
        failure.action = f"{REPLY.name}-{instruction_id}"
    return failure, status


@post("/instructions/{instruction_id:int}/actions/reply")
async def instruction_reply(request: Request, rt: RT, user: Me, access: Who, instruction_id: FromPath[int]
                            ) -> Template | Redirect:
    def measure_of() -> int:
        with rt.read() as session:
            row = session.get(Instruction, instruction_id)
            if row is None:
                raise NotFound("找不到该批示", detail=f"instruction {instruction_id} not found")
            access.measure(session, row.measure_id)
            return row.measure_id

    measure_id = await to_thread.run_sync(measure_of)
    form = await request.form()
    failure, status = await to_thread.run_sync(answer, rt, access, instruction_id, form)
    if failure is None:
        return see_other(f"/measures/{measure_id}?ok={REPLY.name}#instruction-{instruction_id}")
    return await to_thread.run_sync(lambda: measure.render(rt, user, access, measure_id, failure, status))


def red_measures(rt: Runtime, access: Access) -> list:
    with rt.read() as session:
        return [m for m in rt.measures.every(session, access, light="red") if m.state in URGE.source]


@get("/urge", sync_to_thread=True)
def urge_page(rt: RT, user: Me, access: Who) -> Template:
    access.require("central", "催办")
    return page(rt, user, "cockpit/urge.html", measures=red_measures(rt, access), results=None, comment="")


def urge_many(rt: Runtime, access: Access, ids: list[int], comment: str) -> list[tuple[int, str, bool]]:
    """Each chosen measure urged in its own transaction: one refused (already urged today) never holds the rest."""
    results = []
    for mid in ids[:BULK_LIMIT]:
        try:
            with rt.write() as session:
                row = access.measure(session, mid)
                rt.measures.fire(session, access, mid, URGE.name, {"version": row.version, "comment": comment})
            results.append((mid, "已催办", True))
        except WorkflowError as exc:
            results.append((mid, exc.message, False))
    return results


@post("/urge")
async def urge_bulk(request: Request, rt: RT, user: Me, access: Who) -> Template:
    access.require("central", "催办")
    form = await request.form()
    ids = [int(v) for v in form.getall("measure", []) if str(v).isdigit() and 0 < int(v) < 2**31]
    comment = str(form.get("comment") or "").strip()[:rt.config.limits.text_max]
    if not ids:
        measures = await to_thread.run_sync(red_measures, rt, access)
        return page(rt, user, "cockpit/urge.html", 422, measures=measures, results=None, comment=comment,
                    error="请至少勾选一项举措")
    results = await to_thread.run_sync(urge_many, rt, access, ids, comment)
    measures = await to_thread.run_sync(red_measures, rt, access)
    return page(rt, user, "cockpit/urge.html", measures=measures, results=results, comment=comment,
                titles={m.id: f"{m.item_no}. {m.text}" for m in measures})


ROUTES: list = [instruction_create, instruction_reply, urge_page, urge_bulk]
