"""邮件: the outbox (queued, sent, failed) and, in demo mode, what the local mail sink received."""

from __future__ import annotations

from datetime import datetime

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template
from sqlmodel import func, select

from engine.db import read_session
from engine.errors import WorkflowError
from engine.outbox import OutboxMessage
from notifications.labels import KIND_LABELS
from notifications.sink import list_messages
from web.api.escalations import OUTBOX_STATUSES, listed, outbox_json, require_central
from web.errors import InputError
from web.ui.common import RT, Me, Who, failed, page
from workflows.reform.views import instant

STATUS_LABELS = {"queued": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
SINK_SHOWN = 50


def outbox(rt, status: str | None) -> tuple[dict, dict[str, int]]:
    if status and status not in OUTBOX_STATUSES:
        raise InputError(f"未知状态 {status!r}，可选：{'、'.join(OUTBOX_STATUSES)}")
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    with read_session(rt.engine) as session:
        counts = dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        return listed(session, stmt, lambda row: beijing(outbox_json(row))), counts


def beijing(item: dict) -> dict:
    """The API gives UTC instants; people read Beijing time."""
    for key in ("created_at", "sent_at", "next_attempt_at"):
        if item.get(key):
            item[key] = instant(datetime.fromisoformat(item[key]))
    return item


def sink_messages(rt) -> list[dict]:
    """The newest messages the demo sink kept, received times in Beijing time."""
    if not (rt.settings.mail_sink or rt.settings.demo):
        return []
    newest = list(reversed(list_messages(rt.settings.sink_dir)))[:SINK_SHOWN]
    return [{"subject": m.subject, "to": m.to, "text": m.text,
             "received": instant(datetime.fromisoformat(m.received_at))} for m in newest]


@get("/mail", sync_to_thread=True)
def mail_page(rt: RT, user: Me, actor: Who, status: FromQuery[str | None] = None) -> Template:
    require_central(actor)
    context = {"current": status or "", "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS,
               "sink": sink_messages(rt), "sink_on": rt.settings.mail_sink or rt.settings.demo}
    try:
        rows, counts = outbox(rt, status)
    except WorkflowError as exc:
        return failed(rt, user, "mail.html", exc, rows={"items": [], "total": 0}, counts={}, **context)
    return page(rt, user, "mail.html", rows=rows, counts=counts, error=None, **context)


ROUTES: list = [mail_page]
