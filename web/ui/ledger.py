"""台账: every measure this person may see, grouped by category and item as the plan prints them."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy import select
from sqlmodel import Session

from engine.db import MAX_ID
from engine.errors import WorkflowError
from web.api.common import PRINTABLE, TEXT_PARAM_MAX
from web.ui.common import RT, Me, Who, failed, page
from workflows.models import Unit
from workflows.reform.service import MeasureQuery
from workflows.roles import UNIT_LEAD

PAGE_SIZE = 30
Text = Annotated[str | None, QueryParameter(max_length=TEXT_PARAM_MAX, pattern=PRINTABLE)]
PageNo = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_ID // PAGE_SIZE)]  # the offset fits the database
Anchor = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
StateParam = Annotated[str | None, QueryParameter(name="state")]  # `state` is a name Litestar reserves
KEYS = {"1": True, "0": False}


def grouped(items: list[dict]) -> list[dict]:
    """[{category, item_rows: [{item_no, item_title, measures}]}] in the order given."""
    groups: list[dict] = []
    for m in items:
        if not groups or groups[-1]["category"] != m.category:
            groups.append({"category": m.category, "item_rows": []})
        items_of = groups[-1]["item_rows"]
        if not items_of or (items_of[-1]["item_no"], items_of[-1]["item_title"]) != (m.item_no, m.item_title):
            items_of.append({"item_no": m.item_no, "item_title": m.item_title, "measures": []})
        items_of[-1]["measures"].append(m)
    return groups


def lead_units(session: Session) -> list[str]:
    return list(session.execute(select(Unit.name).where(Unit.kind == UNIT_LEAD).order_by(Unit.id)).scalars())


@get("/ledger", sync_to_thread=True)
def ledger_page(rt: RT, user: Me, access: Who, state_: StateParam = None, unit: Text = None, light: Text = None,
                key: Text = None, q: Text = None, page_no: PageNo = 1, after: Anchor = None, before: Anchor = None,
                last: Text = None) -> Template:
    """Pages by keyset (下一页 after the last row shown, 上一页 before the first, 末页 from the end), so a page deep
    in a city's ledger costs what the first does; `page` alone, as old links have it, still pages by offset."""
    filters = {"state": state_ or "", "unit": unit or "", "light": light or "", "key": key or "", "q": q or ""}
    to_end = last == "1"
    cursor = after is not None or before is not None or to_end
    query = MeasureQuery(state=state_, unit=unit, light=light, q=q, key=KEYS.get(key or ""), limit=PAGE_SIZE,
                         offset=0 if cursor else (page_no - 1) * PAGE_SIZE, after=after, before=before, last=to_end)
    with rt.read() as session:
        units = lead_units(session)
        try:
            found = rt.measure_list(session, access, query)
        except WorkflowError as exc:
            return failed(rt, user, "ledger.html", exc, filters=filters, units=units, groups=[], total=0,
                          page_no=1, pages=1, pager=None)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return page(rt, user, "ledger.html", filters=filters, units=units, groups=grouped(found.items),
                total=found.total, page_no=_page_number(found, page_no, pages, to_end), pages=pages,
                pager=found, error=None, may_urge=access.in_group("central"))


def _page_number(found, asked: int, pages: int, last: bool) -> int:
    """The number the links carried, put right where the page shows it is the first or the last one (the ledger
    may have changed since the link was made)."""
    if last or (found.next_after is None and found.items):
        return pages
    if found.prev_before is None:
        return 1
    return max(1, min(asked, pages))


ROUTES: list = [ledger_page]
