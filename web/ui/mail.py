"""邮件: the outbox (queued, sent, failed) and, in demo mode, what the local mail sink received."""

from __future__ import annotations

from datetime import datetime

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from engine.errors import BadRequest, WorkflowError
from engine.outbox import STATUSES
from notifications.outbox_views import STATUS_LABELS, counts, list_outbox
from notifications.sink import list_messages
from web.ui.common import RT, Me, Who, failed, page

SINK_SHOWN = 50


def sink_messages(rt) -> list[dict]:
    """The newest messages the demo sink kept, received times as instants."""
    if not (rt.settings.mail_sink or rt.settings.demo):
        return []
    newest = list(reversed(list_messages(rt.settings.sink_dir)))[:SINK_SHOWN]
    return [{"subject": m.subject, "to": m.to, "text": m.text, "received": datetime.fromisoformat(m.received_at)}
            for m in newest]


@get("/mail", sync_to_thread=True)
def mail_page(rt: RT, user: Me, access: Who, status: FromQuery[str | None] = None) -> Template:
    access.require("outbox", "查看通知发送情况")
    context = {"current": status or "", "status_labels": STATUS_LABELS, "sink": sink_messages(rt),
               "sink_on": rt.settings.mail_sink or rt.settings.demo}
    try:
        if status and status not in STATUSES:
            raise BadRequest(f"未知状态 {status!r}，可选：{'、'.join(STATUSES)}")
        with rt.read() as session:
            rows, found = list_outbox(session, status or None), counts(session)
    except WorkflowError as exc:
        return failed(rt, user, "mail.html", exc, rows=None, counts={}, **context)
    return page(rt, user, "mail.html", rows=rows, counts=found, error=None, **context)


ROUTES: list = [mail_page]
