"""工作台: the page each person lands on."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from web.ui.common import RT, Me, Who, fragment, page, unit_name
from web.ui.supervision_view import supervision_work
from web.ui.work import next_line, sections_for
from workflows.roles import ORG


@get("/", sync_to_thread=True)
def workbench(request: Request, rt: RT, user: Me, access: Who) -> Template:
    """The sections (and their drawn tasks) and the supervision lines are read once per data version, cut-off
    dates and reader (rt.figures): a see-all reader's sections scan the ledger."""
    unit = unit_name(rt, user.unit_id)
    cut = rt.measures.light_sql(rt.clock.now()).cut

    def read():
        sections = sections_for(rt, session, access, unit)
        return sections, fragment(request, "_workbench_sections.html", sections=sections), \
            supervision_work(rt, session, access)

    with rt.read() as session:
        sections, sections_html, supervision = rt.figures.get(session, ("workbench", cut, access, unit), read)
    missing = rt.calendar_missing() if ORG.in_group(user.role, "calendar") else None
    return page(rt, user, "workbench.html", sections=sections, sections_html=sections_html, now=rt.clock.now(),
                calendar_missing=missing,
                next_step=next_line(sections, rt.config.ladder.review_within,
                                    [line for _, lines, _ in supervision for line in lines]),
                may_import=ORG.in_group(user.role, "administration"), supervision=supervision)


ROUTES: list = [workbench]
