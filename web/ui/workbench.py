"""工作台: the page each person lands on."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from engine.db import read_session
from web.ui.common import RT, Me, Who, page, unit_name
from web.ui.work import sections_for


@get("/", sync_to_thread=True)
def workbench(rt: RT, user: Me, actor: Who) -> Template:
    now = rt.clock.now()
    with read_session(rt.engine) as session:
        sections = sections_for(session, actor, unit_name(rt, user.unit_id), now)
    return page(rt, user, "workbench.html", sections=sections, now=now)


ROUTES: list = [workbench]
