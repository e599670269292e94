"""The administrator's API: the records of people's changes outside the workflows (管理 · 操作记录)."""

from __future__ import annotations

from runtime.audit_trail import trail_page
from web.api.common import RT, IdParam, Text, Who, api_get


@api_get("/api/admin/audit")
def api_admin_audit(rt: RT, access: Who, kind: Text = None, before: IdParam = None) -> dict:
    """Changes to accounts, units, robots, the ledger, calendars and the outbox, newest first, 50 at a time, each
    with who, when, from where and what changed; `kind` (user, unit, signin, ledger, calendar, outbox) narrows
    them; `next_before` (null on the last page) is the `before` of the next page. Administrators only."""
    access.require("administration", "查看操作记录")
    with rt.read() as session:
        items, after = trail_page(session, kind, before)
    return {"items": [e.as_dict() for e in items], "next_before": after}


ROUTES: list = [api_admin_audit]
