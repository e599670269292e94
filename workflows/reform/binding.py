"""How reform measures meet the engine: who owns a measure, and what each action writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from engine.decide import View
from engine.errors import MissingField
from engine.outbox import Notice
from engine.service import ActionFired
from workflows.accounts_models import User
from workflows.models import (
    UNIT_SUPERVISOR,
    Evaluation,
    Evidence,
    Extension,
    Measure,
    MeasureUnit,
    Replication,
    Unit,
)
from workflows.reform.table import ACTION_LABELS, REFORM_MEASURE


def measure_units(session: Session, measure_id: int) -> list[Unit]:
    """Lead units of a measure, primary first."""
    stmt = (select(Unit).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
            .where(MeasureUnit.measure_id == measure_id).order_by(MeasureUnit.position))
    return list(session.exec(stmt))


def unit_recipients(session: Session, unit: Unit, roles: tuple[str, ...] = ("unit_staff", "unit_head")
                    ) -> list[tuple[str, str]]:
    """(email, name) of a unit's active users in the roles; the unit head's address as a fallback."""
    users = session.exec(select(User).where(User.unit_id == unit.id, User.active,
                                            User.role.in_(roles))).all()
    found = [(u.email, u.display_name or u.username) for u in users if u.email]
    if not found and unit.head_email:
        found = [(unit.head_email, unit.head_name or unit.name)]
    return found


def pending_evidence(session: Session, measure_id: int) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.measure_id == measure_id, Evidence.report_version.is_(None))
    return list(session.exec(stmt.order_by(Evidence.id)))


_LINKS = select(MeasureUnit.unit_id, MeasureUnit.position).where(MeasureUnit.measure_id == bindparam("mid"))


class MeasureBinding:
    definition = REFORM_MEASURE
    row_type = Measure

    def view(self, session: Session, row: Measure) -> View:
        links = session.execute(_LINKS, {"mid": row.id}).all()
        owners = frozenset(unit_id for unit_id, position in links if position == 0)
        return View(id=row.id, state=row.state, owner_ids=owners,
                    participant_ids=frozenset(unit_id for unit_id, _ in links), record=row)

    def apply(self, session: Session, row: Measure, event: ActionFired) -> list[Notice]:
        handler = getattr(self, f"_on_{event.action.name}", None)
        row.updated_at = event.at
        notices = handler(session, row, event) if handler else []
        return notices or []

    # -- one method per action that writes more than state and history

    def _on_update_progress(self, session: Session, row: Measure, ev: ActionFired) -> None:
        row.last_progress, row.last_progress_at = ev.comment, ev.at
        if ev.fields.get("percent") is not None:
            row.percent = ev.fields["percent"]

    def _on_request_extension(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        proposed = ev.fields["proposed_due_date"]
        if row.due_date and proposed <= row.due_date:
            raise MissingField(ev.action.name, ["proposed_due_date"],
                               {"proposed_due_date": f"must be later than the current deadline {row.due_date}"})
        row.extension_date, row.extension_reason = proposed, ev.comment
        session.add(Extension(measure_id=row.id, old_due_date=row.due_date, proposed_due_date=proposed,
                              reason=ev.comment, requested_by=ev.actor.id, requested_at=ev.at))
        return self._to_supervisors(session, row, ev, "extension_requested",
                                    {"proposed_due_date": proposed.isoformat()})

    def _on_decide_extension(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        ext = session.exec(select(Extension).where(Extension.measure_id == row.id,
                                                   Extension.approved.is_(None))
                           .order_by(Extension.id.desc())).first()
        approved = bool(ev.fields["approve"])
        extra: dict[str, Any] = {"approved": approved, "old_due_date": _iso(row.due_date)}
        if ext is not None:
            ext.approved, ext.decided_by, ext.decided_at = approved, ev.actor.id, ev.at
            ext.decision_comment = ev.comment
            session.add(ext)
        if approved:
            row.due_date = row.extension_date
            row.deadline_version += 1
        extra["due_date"] = _iso(row.due_date)
        row.extension_date, row.extension_reason = None, ""
        return self._to_unit(session, row, ev, "extension_decided", extra)

    def _on_report(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        wanted = set(ev.fields["evidence"])
        pending = {e.id: e for e in pending_evidence(session, row.id)}
        unknown = sorted(wanted - set(pending))
        if unknown:
            raise MissingField(ev.action.name, ["evidence"],
                               {"evidence": f"files {unknown} are not unattached evidence of this measure"})
        for eid in wanted:
            pending[eid].report_version = ev.version
            session.add(pending[eid])
        row.reported_at = ev.at
        return self._to_supervisors(session, row, ev, "measure_reported", {"files": len(wanted)})

    def _on_approve(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        row.verified_at = ev.at
        return self._to_unit(session, row, ev, "measure_verified", {})

    def _on_return(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        return self._to_unit(session, row, ev, "measure_returned", {})

    def _on_evaluate(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        f = ev.fields
        typical = bool(f.get("typical_case"))
        if typical and not f.get("case_text"):
            raise MissingField(ev.action.name, ["case_text"], {"case_text": "required for a typical case"})
        row.rating, row.satisfaction = f["rating"], f["satisfaction"]
        row.typical_case, row.case_text = typical, f.get("case_text") or ""
        session.add(Evaluation(measure_id=row.id, rating=f["rating"], satisfaction=f["satisfaction"],
                               typical_case=typical, case_text=row.case_text, comment=ev.comment,
                               by_user=ev.actor.id, at=ev.at))
        return self._to_unit(session, row, ev, "evaluation_done",
                             {"rating": f["rating"], "satisfaction": f["satisfaction"], "typical_case": typical})

    def _on_replicate(self, session: Session, row: Measure, ev: ActionFired) -> None:
        session.add(Replication(measure_id=row.id, scope=ev.fields["scope"],
                                description=ev.fields["description"], by_user=ev.actor.id, at=ev.at))

    def _on_adjust(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        new_due = ev.fields["new_due_date"]
        row.due_date = new_due
        row.deadline_version += 1
        row.rating, row.satisfaction, row.typical_case, row.case_text = None, None, False, ""
        return self._to_unit(session, row, ev, "measure_adjusted", {"due_date": new_due.isoformat()})

    # -- recipients

    def _payload(self, session: Session, row: Measure, ev: ActionFired, extra: dict) -> dict:
        units = measure_units(session, row.id)
        return {"measure_id": row.id, "measure_text": row.text,
                "action": ev.action.name, "action_label": ACTION_LABELS[ev.action.name],
                "actor": ev.actor.username, "comment": ev.comment, "due_date": _iso(row.due_date),
                "units": [u.name for u in units], "state": row.state, **extra}

    def _to_unit(self, session: Session, row: Measure, ev: ActionFired, kind: str, extra: dict) -> list[Notice]:
        units = measure_units(session, row.id)
        if not units:
            return []
        payload = self._payload(session, row, ev, extra)
        return [Notice(kind, email, name, "measure", row.id, payload)
                for email, name in unit_recipients(session, units[0])]

    def _to_supervisors(self, session: Session, row: Measure, ev: ActionFired, kind: str,
                        extra: dict) -> list[Notice]:
        payload = self._payload(session, row, ev, extra)
        notices = []
        for unit in session.exec(select(Unit).where(Unit.kind == UNIT_SUPERVISOR)):
            notices += [Notice(kind, email, name, "measure", row.id, payload)
                        for email, name in unit_recipients(session, unit, ("supervisor",))]
        return notices


def _iso(value) -> str | None:
    return value.isoformat() if value else None


BINDING = MeasureBinding()
