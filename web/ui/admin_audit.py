"""管理 · 操作记录: the records of people's changes outside the workflows, newest first (web.audit_view says them)."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from runtime.audit_trail import trail_page
from web.api.common import IdParam, Text
from web.ui.common import RT, Me, Who, page
from workflows import audit_log


@get("/admin/audit", sync_to_thread=True)
def admin_audit(rt: RT, user: Me, access: Who, kind: Text = None, before: IdParam = None) -> Template:
    access.require("administration", "查看操作记录")
    with rt.read() as session:
        items, after = trail_page(session, kind, before)
    return page(rt, user, "admin/audit.html", tab="audit", items=items, kind=kind or "", kinds=audit_log.KINDS,
                next_before=after, first=before is None)


ROUTES: list = [admin_audit]
