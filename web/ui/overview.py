"""总览: the whole ledger at a glance, charts drawn on the server."""

from __future__ import annotations

from litestar import Request, Response, get

from web.ui.common import RT, Me, Who, fragment, kept_page
from web.ui.overview_data import chart_set, month_label, overview


@get("/overview", sync_to_thread=True)
def overview_page(request: Request, rt: RT, user: Me, access: Who) -> Response:
    """The figures, their charts and their tables are counted and drawn once per data version, cut-off dates and
    reader (rt.figures); each request only wraps them in the layout (its own token and navigation)."""
    now = rt.clock.now()
    cut = rt.measures.light_sql(now).cut

    def drawn():
        ov = overview(rt, session, access, now)
        return fragment(request, "_overview_body.html", ov=ov, charts=chart_set(ov), month_label=month_label,
                        me_sees_all=access.sees_all)

    with rt.read() as session:
        body = rt.figures.get(session, ("overview page", cut, access), drawn)
        return kept_page(request, rt, session, user, "overview.html", (cut, access), body=body)


ROUTES: list = [overview_page]
