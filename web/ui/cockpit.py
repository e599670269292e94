"""驾驶舱: the whole pilot at a glance for district leaders and the two offices (a Chinese 403 for units)."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from web.ui.common import RT, Me, Who, page
from workflows.cockpit import build
from workflows.problems.table import PROBLEM
from workflows.reform.table import REFORM_MEASURE


@get("/cockpit", sync_to_thread=True)
def cockpit(rt: RT, user: Me, access: Who) -> Template:
    access.require("cockpit", "查看驾驶舱")
    lights = rt.measures.light_sql(rt.clock.now())
    with rt.read() as session:
        data = rt.figures.get(session, ("cockpit", lights.cut, access),
                              lambda: build(session, access, lights, rt.instructions))
    peak = max([m.verified for m in data.trend] or [1])
    return page(rt, user, "cockpit/index.html", c=data, peak=peak, may_urge=access.in_group("central"),
                state_defs=REFORM_MEASURE.states, problem_title=PROBLEM.title)


ROUTES: list = [cockpit]
