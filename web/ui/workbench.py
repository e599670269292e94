"""工作台: the page each person lands on."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from web.ui.common import RT, Me, Who, page, unit_name
from web.ui.supervision_view import supervision_work
from web.ui.work import next_line, sections_for
from workflows.roles import ORG


@get("/", sync_to_thread=True)
def workbench(rt: RT, user: Me, access: Who) -> Template:
    with rt.read() as session:
        sections = sections_for(rt, session, access, unit_name(rt, user.unit_id))
        supervision = supervision_work(rt, session, access)
    missing = rt.calendar_missing() if ORG.in_group(user.role, "calendar") else None
    return page(rt, user, "workbench.html", sections=sections, now=rt.clock.now(), calendar_missing=missing,
                next_step=next_line(sections, rt.config.ladder.review_within,
                                    [line for _, lines, _ in supervision for line in lines]),
                may_import=ORG.in_group(user.role, "administration"), supervision=supervision)


ROUTES: list = [workbench]
