"""总览: the whole ledger at a glance, charts drawn on the server."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from web.ui.common import RT, Me, Who, page
from web.ui.overview_data import chart_set, month_label, overview


@get("/overview", sync_to_thread=True)
def overview_page(rt: RT, user: Me, access: Who) -> Template:
    now = rt.clock.now()
    cut = rt.measures.light_sql(now).cut
    with rt.read() as session:
        ov = rt.figures.get(session, ("overview", cut, access), lambda: overview(rt, session, access, now))
    return page(rt, user, "overview.html", ov=ov, charts=chart_set(ov), month_label=month_label)


ROUTES: list = [overview_page]
