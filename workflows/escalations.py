"""Escalations fired, as a read model: the rungs of the ladder recorded per measure, seen as access allows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlmodel import Session

from engine.errors import BadRequest
from workflows.access import Access
from workflows.ladder import Ladder
from workflows.models import Escalation
from workflows.reform.views import Struct, beijing

MAX_ROWS = 500


class EscalationView(Struct):
    id: int
    measure_id: int
    level: str
    level_label: str
    due_date: date
    fire_on: date
    fired_at: datetime
    status: str  # fired | superseded
    deadline_version: int
    recipients: list[str]


class EscalationList(Struct):
    items: list[EscalationView]
    total: int


def escalation_view(e: Escalation, ladder: Ladder) -> EscalationView:
    label = ladder.labels.get(e.level, e.level)
    return EscalationView(id=e.id, measure_id=e.measure_id, level=e.level, level_label=label, due_date=e.due_date,
                          fire_on=e.fire_on, fired_at=beijing(e.fired_at), status=e.status,
                          deadline_version=e.deadline_version,
                          recipients=[r.strip() for r in e.recipients.split(",") if r.strip()])


def list_escalations(session: Session, access: Access, ladder: Ladder, *, measure: int | None = None,
                     level: str | None = None) -> EscalationList:
    """Escalations, newest first; unit users see only those of their units' measures."""
    stmt = access.filter(select(Escalation), Escalation.measure_id)
    if level:
        if level not in ladder.codes:
            raise BadRequest(f"未知预警级别 {level!r}，可选：{'、'.join(ladder.codes)}")
        stmt = stmt.where(Escalation.level == level)
    if measure is not None:
        stmt = stmt.where(Escalation.measure_id == measure)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Escalation.fired_at.desc(), Escalation.id.desc()).limit(MAX_ROWS)).scalars()
    return EscalationList(items=[escalation_view(e, ladder) for e in rows], total=total)


def silent_rungs_query():
    """Rungs fired with nobody to tell: the sweep wrote no notice for them, on any channel (`silent`, set as they
    fire, by a partial index)."""
    return select(Escalation).where(text("escalation.silent"), Escalation.status == "fired")


def silent_rungs(session: Session, ladder: Ladder, limit: int = MAX_ROWS) -> EscalationList:
    """The rungs the sweep fired with nobody to tell, newest first: listed on 邮件 and counted in /health."""
    stmt = silent_rungs_query()
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Escalation.fired_at.desc(), Escalation.id.desc()).limit(limit)).scalars()
    return EscalationList(items=[escalation_view(e, ladder) for e in rows], total=total)
