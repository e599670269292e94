"""How reform measures meet the engine: who owns a measure, and what each action writes besides its state.

Validation lives in the table (field rules, conditions); `apply` only writes and says who to tell.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.decide import View
from engine.outbox import Notice, Recipient
from engine.service import ActionFired
from workflows.directory import role_people, unit_people
from workflows.models import Evaluation, Evidence, Extension, Item, Measure, Replication
from workflows.reform.links import Links, links_of
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import SUPERVISOR


def pending_evidence(session: Session, measure_id: int) -> list[Evidence]:
    """Evidence uploaded and not yet carried by a report."""
    stmt = select(Evidence).where(Evidence.measure_id == measure_id, Evidence.report_version.is_(None))
    return list(session.execute(stmt.order_by(Evidence.id)).scalars())


class MeasureBinding:
    definition = REFORM_MEASURE
    row_type = Measure

    def view(self, session: Session, row: Measure) -> View:
        links = links_of(session, row.id)
        pending = tuple(ev.id for ev in pending_evidence(session, row.id))
        return View(id=row.id, state=row.state, owner_ids=links.primary_ids, participant_ids=links.lead_ids,
                    record=row, extra={"pending_evidence": pending, "links": links})

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
        row.extension_date, row.extension_reason = proposed, ev.comment
        session.add(Extension(measure_id=row.id, old_due_date=row.due_date, proposed_due_date=proposed,
                              reason=ev.comment, requested_by=ev.actor.id, requested_at=ev.at))
        return self._to_supervisors(session, row, ev, "extension_requested",
                                    {"proposed_due_date": proposed.isoformat()})

    def _on_decide_extension(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        ext = session.execute(select(Extension).where(Extension.measure_id == row.id, Extension.approved.is_(None))
                              .order_by(Extension.id.desc())).scalars().first()
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
        for item in pending_evidence(session, row.id):
            if item.id in wanted:
                item.report_version = ev.version
                session.add(item)
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

    def _to_unit(self, session: Session, row: Measure, ev: ActionFired, kind: str, extra: dict) -> list[Notice]:
        links = links_of(session, row.id)
        if links.primary is None:
            return []
        return notices(kind, row, payload(session, row, links, ev, extra), unit_people(session, links.primary))

    def _to_supervisors(self, session: Session, row: Measure, ev: ActionFired, kind: str,
                        extra: dict) -> list[Notice]:
        links = links_of(session, row.id)
        return notices(kind, row, payload(session, row, links, ev, extra), role_people(session, SUPERVISOR))


def payload(session: Session, row: Measure, links: Links, ev: ActionFired | None, extra: dict) -> dict:
    """What a notice about a measure says: everything a digest line shows, labels included."""
    item = session.get(Item, row.item_id)
    body = {"measure_id": row.id, "measure_text": row.text, "item_no": item.item_no if item else "",
            "item_title": item.title if item else "", "due_date": _iso(row.due_date), "units": links.names,
            "unit": links.primary.name if links.primary else "", "state": row.state,
            "state_label": REFORM_MEASURE.label(row.state)}
    if ev is not None:
        body |= {"action": ev.action.name, "action_label": ev.action.title, "actor": ev.actor.display,
                 "comment": ev.comment, "at": ev.at.isoformat()}
    return body | extra


def notices(kind: str, row: Measure, body: dict, people: list[Recipient]) -> list[Notice]:
    return [Notice(kind, to, "measure", row.id, body) for to in people]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


BINDING = MeasureBinding()
