"""Escalations fired, the outbox, and the demo mail sink, as JSON."""

from __future__ import annotations

import enum
from typing import Annotated

import msgspec
from litestar.params import QueryParameter

from engine.errors import NotFound
from engine.outbox import STATUSES
from notifications.outbox_views import OutboxList, list_outbox
from notifications.sink import list_messages
from web.api.common import RT, IdParam, Text, Who, api_get
from workflows.escalations import EscalationList, list_escalations

OutboxStatus = enum.StrEnum("OutboxStatus", [(s, s) for s in STATUSES])
StatusParam = Annotated[OutboxStatus | None, QueryParameter(name="status")]
MAX_ROWS = 500


class SinkMail(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    received_at: str
    sender: str
    to: str
    subject: str
    message_id: str
    text: str


class SinkList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SinkMail]
    total: int


@api_get("/api/escalations", summary="已发出的预警（单位用户仅见本单位举措）")
def escalations(rt: RT, access: Who, measure: IdParam = None, level: Text = None) -> EscalationList:
    with rt.read() as session:
        return list_escalations(session, access, rt.config.ladder, measure=measure, level=level)


@api_get("/api/outbox", summary="待发送、已发送和发送失败的通知（督查办、营商办、管理员）")
def outbox(rt: RT, access: Who, status: StatusParam = None) -> OutboxList:
    access.require("outbox", "查看通知发送情况")
    with rt.read() as session:
        return list_outbox(session, str(status) if status else None)


@api_get("/api/mail", summary="演示邮件接收器收到的邮件（演示模式）")
def mail(rt: RT, access: Who) -> SinkList:
    """What the local SMTP sink received (demo mode), newest first."""
    access.require("outbox", "查看邮件")
    if not rt.settings.mail_sink:
        raise NotFound("未启用本地邮件接收器（REFORM_MAIL_SINK）", detail="the local mail sink is not enabled")
    found = list(reversed(list_messages(rt.settings.sink_dir)))
    items = [SinkMail(id=m.id, received_at=m.received_at, sender=m.sender, to=m.to, subject=m.subject,
                      message_id=m.message_id, text=m.text) for m in found[:MAX_ROWS]]
    return SinkList(items=items, total=len(found))


ROUTES = [escalations, outbox, mail]
