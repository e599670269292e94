"""邮件: the outbox (queued, sent, failed), who could not be told, and in demo mode what the local receivers kept."""

from __future__ import annotations

import re
from datetime import datetime

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engine.errors import BadRequest, NotFound, WorkflowError
from engine.outbox import STATUSES
from notifications.outbox_ops import retry
from notifications.outbox_views import STATUS_LABELS, counts, list_outbox, unaddressed
from notifications.robot_channel import KIND_LABELS as ROBOT_KIND_LABELS
from notifications.robot_sink import read_messages, shown
from notifications.sink import list_messages, read_mail
from web.headers import PREVIEW
from web.ui.common import RT, Form, Me, Who, failed, page, see_other
from workflows.escalations import silent_rungs

SINK_SHOWN = 50
SINK_ID = re.compile(r"[0-9T]+-[0-9a-f]{8}")  # <received>-<uuid8>, as notifications.sink names a stored mail


def sink_on(rt) -> bool:
    return bool(rt.settings.mail_sink or rt.settings.demo)


def sink_messages(rt) -> list[dict]:
    """The newest messages the demo sink kept, received times as instants; the HTML part for a sandboxed preview."""
    if not sink_on(rt):
        return []
    newest = list(reversed(list_messages(rt.settings.sink_dir)))[:SINK_SHOWN]
    return [{"id": m.id, "subject": m.subject, "to": m.to, "text": m.text, "html": bool(m.html),
             "message_id": m.message_id,
             "received": datetime.fromisoformat(m.received_at)} for m in newest]


def robot_messages(rt) -> list[dict]:
    """The newest messages the demo's robot receiver kept (it checked their bodies and DingTalk signatures)."""
    if not sink_on(rt):
        return []
    newest = list(reversed(read_messages(rt.settings.robot_sink_dir)))[:SINK_SHOWN]
    return [shown(m) | {"received": datetime.fromisoformat(m["received_at"]),
                        "kind_label": ROBOT_KIND_LABELS.get(m.get("kind", ""), m.get("kind", ""))} for m in newest]


@get("/mail", sync_to_thread=True)
def mail_page(rt: RT, user: Me, access: Who, status: FromQuery[str | None] = None,
              retried: FromQuery[int | None] = None) -> Template:
    access.require("outbox", "查看通知发送情况")
    context = {"current": status or "", "status_labels": STATUS_LABELS, "sink": sink_messages(rt),
               "robots": robot_messages(rt), "sink_on": sink_on(rt),
               "done": f"已重新排队 {retried} 条，将在下一次发送时投递。" if retried is not None else None}
    try:
        if status and status not in STATUSES:
            raise BadRequest(f"未知状态 {status!r}，可选：{'、'.join(STATUSES)}")
        with rt.read() as session:
            rows, found = list_outbox(session, status or None), counts(session)
            nowhere, silent = unaddressed(session), silent_rungs(session, rt.config.ladder)
    except WorkflowError as exc:
        return failed(rt, user, "mail.html", exc, rows=None, counts={}, nowhere=None, silent=None, **context)
    return page(rt, user, "mail.html", rows=rows, counts=found, nowhere=nowhere, silent=silent, error=None, **context)


@post("/mail/retry", sync_to_thread=True)
def mail_retry(rt: RT, user: Me, access: Who, data: Form) -> Redirect:
    """A failed row (field `id`), or every failed row (`id=all`), back to the queue; recorded in the history."""
    access.require("outbox", "重新发送邮件")
    wanted = (data.get("id") or "").strip()
    if wanted != "all" and not wanted.isdigit():
        raise BadRequest("请选择要重新发送的邮件")
    with rt.write() as session:
        result = retry(session, None if wanted == "all" else [int(wanted)], actor_name=user.username,
                       now=rt.clock.now(), actor_id=user.id)
    return see_other(f"/mail?status=failed&retried={len(result.retried)}")


@get(f"{PREVIEW}{{mail_id:str}}", sync_to_thread=True)
def mail_preview(rt: RT, access: Who, mail_id: FromPath[str]) -> Response:
    """One received mail's HTML part, for the sandboxed frame on 邮件 (its inline styles allowed there only)."""
    access.require("outbox", "查看通知发送情况")
    if not sink_on(rt) or not SINK_ID.fullmatch(mail_id):
        raise NotFound("没有这封邮件")
    path = rt.settings.sink_dir / f"{mail_id}.eml"
    if not path.is_file():
        raise NotFound("没有这封邮件")
    return Response(read_mail(path).html, media_type="text/html; charset=utf-8")


ROUTES: list = [mail_page, mail_retry, mail_preview]
