"""Escalations fired, the outbox, and the demo mail sink, as JSON."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlmodel import Session, func, select

from engine.db import read_session, utc
from engine.decide import Actor
from engine.errors import NotFound, PermissionDenied
from engine.outbox import OutboxMessage
from notifications.sink import list_messages
from runtime.core import Runtime
from web.errors import InputError
from workflows.ladder import default_ladder
from workflows.models import Escalation, MeasureUnit
from workflows.reform.service import sees_all

RT = NamedDependency[Runtime]
Who = NamedDependency[Actor]
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")
MAX_ROWS = 500


def iso(value) -> str | None:
    return utc(value).isoformat() if value is not None else None


def escalation_json(e: Escalation) -> dict:
    return {"id": e.id, "measure_id": e.measure_id, "level": e.level, "due_date": e.due_date.isoformat(),
            "fire_on": e.fire_on.isoformat(), "fired_at": iso(e.fired_at), "status": e.status,
            "deadline_version": e.deadline_version,
            "recipients": [r.strip() for r in e.recipients.split(",") if r.strip()]}


def outbox_json(m: OutboxMessage) -> dict:
    return {"id": m.id, "kind": m.kind, "recipient": m.recipient, "recipient_name": m.recipient_name,
            "measure_id": m.subject_id if m.subject_type == "measure" else None, "status": m.status,
            "attempts": m.attempts, "created_at": iso(m.created_at), "next_attempt_at": iso(m.next_attempt_at),
            "sent_at": iso(m.sent_at), "last_error": m.last_error, "message_id": m.message_id}


def require_central(actor: Actor) -> None:
    if not sees_all(actor):
        raise PermissionDenied(f"user {actor.username!r} (role {actor.role}) may not read the outbox or mail")


def listed(session: Session, stmt, to_json) -> dict:
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    return {"items": [to_json(r) for r in session.exec(stmt.limit(MAX_ROWS))], "total": total}


@get("/api/escalations", sync_to_thread=True)
def list_escalations(rt: RT, actor: Who, measure: FromQuery[int | None] = None,
                     level: FromQuery[str | None] = None) -> dict:
    """Escalations, newest first; unit users see only those of their units' measures."""
    stmt = select(Escalation).order_by(Escalation.fired_at.desc(), Escalation.id.desc())
    if level:
        if level not in default_ladder().codes:
            raise InputError(f"未知预警级别 {level!r}，可选：{'、'.join(default_ladder().codes)}")
        stmt = stmt.where(Escalation.level == level)
    if measure is not None:
        stmt = stmt.where(Escalation.measure_id == measure)
    if not sees_all(actor):
        mine = select(MeasureUnit.measure_id).where(MeasureUnit.unit_id.in_(sorted(actor.unit_ids)))
        stmt = stmt.where(Escalation.measure_id.in_(mine))
    with read_session(rt.engine) as session:
        return listed(session, stmt, escalation_json)


@get("/api/outbox", sync_to_thread=True)
def list_outbox(rt: RT, actor: Who, status: FromQuery[str | None] = None) -> dict:
    require_central(actor)
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        if status not in OUTBOX_STATUSES:
            raise InputError(f"未知状态 {status!r}，可选：{'、'.join(OUTBOX_STATUSES)}")
        stmt = stmt.where(OutboxMessage.status == status)
    with read_session(rt.engine) as session:
        return listed(session, stmt, outbox_json)


@get("/api/mail", sync_to_thread=True)
def list_mail(rt: RT, actor: Who) -> dict:
    """What the local SMTP sink received (demo mode), newest first."""
    require_central(actor)
    if not rt.settings.mail_sink:
        raise NotFound("the local mail sink is not enabled (REFORM_MAIL_SINK)")
    items = [m.summary() for m in reversed(list_messages(rt.settings.sink_dir))]
    return {"items": items[:MAX_ROWS], "total": len(items)}


ROUTES = [list_escalations, list_outbox, list_mail]
