"""How reform measures meet the engine: who owns a measure, and what each action writes besides its state.

Validation lives in the table (field rules, conditions); `apply` only writes and says who to tell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlmodel import Session

from engine.db import read_memo
from engine.decide import View
from engine.definition import WorkflowDefinition
from engine.outbox import Notice, Recipient
from engine.service import ActionFired
from workflows.accounts_models import User
from workflows.directory import role_people, unit_people
from workflows.lights import local_day
from workflows.models import LEAD, Escalation, Evaluation, Evidence, Extension, Item, Measure, MeasureUnit, Replication
from workflows.reform.links import Links, links_of, scope_clause, unit_ids_of
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import HEAD, STAFF, SUPERVISOR

URGE = "urge"  # the escalation level a one-click 催办 is listed under


def _evidence(session: Session, measure_id: int) -> tuple[list[Evidence], list[Evidence]]:
    """(pending, earlier) from one query: the files not yet carried by a report, and those of earlier rounds once
    per content (the newest round's row kept) that are not pending again."""
    rows = session.execute(select(Evidence).where(Evidence.measure_id == measure_id, Evidence.problem_id.is_(None))
                           .order_by(Evidence.id)).scalars().all()
    pending = [ev for ev in rows if ev.report_version is None]
    fresh, seen = {ev.sha256 for ev in pending}, {}
    for ev in sorted((ev for ev in rows if ev.report_version is not None), key=lambda e: (-e.report_version, e.id)):
        if ev.sha256 not in fresh:
            seen.setdefault(ev.sha256, ev)
    return pending, sorted(seen.values(), key=lambda e: e.id)


def pending_evidence(session: Session, measure_id: int) -> list[Evidence]:
    """Evidence uploaded and not yet carried by a report."""
    return _evidence(session, measure_id)[0]


def earlier_evidence(session: Session, measure_id: int) -> list[Evidence]:
    """The files of earlier report rounds, once per content (newest row first kept), not already pending."""
    return _evidence(session, measure_id)[1]


def default_files(session: Session, measure_id: int) -> list[int]:
    """What a report that names no files carries: the pending files and those of earlier rounds."""
    pending, earlier = _evidence(session, measure_id)
    return [ev.id for ev in pending] + [ev.id for ev in earlier]


def _heads_of(unit_id) -> tuple:
    """SQL: the active heads (负责人) of the unit `unit_id` (a value or an expression)."""
    return User.unit_id == unit_id, User.role == HEAD, User.active


_HEAD = select(User.id).where(*_heads_of(bindparam("unit_id"))).limit(1)  # built once
_MU = MeasureUnit.__table__.c


def head_clause(measure_id_column):
    """SQL: the measure's first lead unit has an active head to sign: a detail reads it with its row."""
    primary = (select(_MU.unit_id).where(_MU.measure_id == measure_id_column, _MU.part == LEAD)
               .order_by(_MU.position).limit(1).correlate_except(MeasureUnit).scalar_subquery())  # to the measure row
    return exists().where(*_heads_of(primary))


def has_active_head(session: Session, unit_id: int | None, measure_id: int | None = None) -> bool:
    """Whether `unit_id` (the first lead unit of `measure_id`, when given) has an active head; what this read
    session's detail row already said (note_read) when it did."""
    if unit_id is None:
        return False
    kept = read_memo(session, "head")
    if measure_id is not None and kept is not None and measure_id in kept:
        return kept[measure_id]
    return session.execute(_HEAD, {"unit_id": unit_id}).first() is not None


def _urges(measure_id, day_ordinal) -> tuple:
    """SQL: the 催办 of the measure `measure_id` on the day whose ordinal is `day_ordinal` (values or expressions)."""
    return (Escalation.subject_type == "measure", Escalation.subject_id == measure_id, Escalation.level == URGE,
            Escalation.deadline_version == day_ordinal)


_URGED = select(Escalation.id).where(*_urges(bindparam("mid"), bindparam("day"))).limit(1)  # built once


def urged_clause(measure_id_column, day_ordinal):
    """SQL: the measure was urged on that day: a detail reads it with its row."""
    return exists().where(*_urges(measure_id_column, day_ordinal))


def note_read(session: Session, measure_id: int, day: date, urged: bool, head: bool) -> None:
    """What the caller read with `urged_clause` and `head_clause`, kept for `urged_on` and `has_active_head` in
    this read session: the rules' facts then cost the detail no statement of their own."""
    kept = read_memo(session, "urged")
    if kept is not None:
        kept[measure_id, day.toordinal()] = bool(urged)
        read_memo(session, "head")[measure_id] = bool(head)


def urged_on(session: Session, measure_id: int, day: date) -> bool:
    kept = read_memo(session, "urged")
    if kept is not None and (measure_id, day.toordinal()) in kept:
        return kept[measure_id, day.toordinal()]
    return session.execute(_URGED, {"mid": measure_id, "day": day.toordinal()}).first() is not None


class LazyFacts(Mapping[str, Any]):
    """A mapping whose callable values are computed on first access, then kept."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self._facts = facts

    def __getitem__(self, key: str) -> Any:
        value = self._facts[key]
        if callable(value):
            value = self._facts[key] = value()
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


class MeasureBinding:
    row_type = Measure
    # every change (an action, a re-import) may move a rung: the sweep evaluates the measure afresh
    reset_on_change = {"sweep_after": None}

    def __init__(self, definition: WorkflowDefinition = REFORM_MEASURE, clock=None) -> None:
        self.definition, self.clock = definition, clock

    def view(self, session: Session, row: Measure) -> View:
        primary, members = unit_ids_of(session, row.id)  # who may act needs the ids alone (the full links when asked)
        today = local_day(self.clock.now()) if self.clock else None
        # each fact is read when a rule asks for it (`start` needs none of the queries); the evidence once for both
        evidence = cache(lambda: _evidence(session, row.id))
        facts = LazyFacts({
            "pending_evidence": lambda: tuple(ev.id for ev in evidence()[0]),
            "earlier_evidence": lambda: tuple(ev.id for ev in evidence()[1]),
            "links": lambda: links_of(session, row.id),
            "unit_has_head": lambda: has_active_head(session, primary, row.id),
            "urged_today": lambda: bool(today) and urged_on(session, row.id, today)})
        owners = frozenset() if primary is None else frozenset({primary})
        return View(id=row.id, state=row.state, owner_ids=owners, participant_ids=members, record=row, extra=facts)

    def scope_clause(self, scope: str, unit_ids):
        """The SQL form of the view's scope test, for a claim that fetches the row (engine.claim): one of
        `unit_ids` (SQL values) is the measure's first lead unit ("owner"), or any of its lead or cooperating units."""
        return scope_clause(scope, unit_ids, Measure.__table__.c.id)

    def apply(self, session: Session, row: Measure, event: ActionFired) -> list[Notice]:
        """The action's writes beyond state and version (the engine's claim has stamped `updated_at` already, so
        an action with nothing more to write leaves the row clean and the flush has nothing to do)."""
        handler = getattr(self, f"_on_{event.action.name}", None)
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

    def _carry(self, session: Session, row: Measure, ev: ActionFired) -> int:
        """Attach the chosen files to this round: pending ones move in, earlier rounds' ones are repeated (a new
        row pointing back); the same content is never listed twice in one round."""
        wanted, seen = list(ev.fields["evidence"]), set()
        for item in pending_evidence(session, row.id):
            if item.id in wanted and item.sha256 not in seen:
                item.report_version = ev.version
                seen.add(item.sha256)
                session.add(item)
        for item in earlier_evidence(session, row.id):
            if item.id in wanted and item.sha256 not in seen:
                seen.add(item.sha256)
                session.add(Evidence(measure_id=row.id, sha256=item.sha256, filename=item.filename,
                                     content_type=item.content_type, size=item.size, uploaded_by=item.uploaded_by,
                                     uploaded_at=item.uploaded_at, report_version=ev.version, carried_from=item.id))
        return len(seen)

    def _on_submit(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        files = self._carry(session, row, ev)
        row.submitted_at = ev.at
        links = links_of(session, row.id)
        heads = unit_people(session, links.primary, (HEAD,)) if links.primary else []
        return notices("measure_submitted", row, payload(session, row, links, ev, {"files": files}), heads)

    def _on_sign_off(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        row.reported_at, row.submitted_at = ev.at, None
        return self._to_supervisors(session, row, ev, "measure_reported", {"signed_off": True})

    def _on_send_back(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        row.submitted_at = None
        links = links_of(session, row.id)
        clerks = unit_people(session, links.primary, (STAFF,)) if links.primary else []
        return notices("measure_sent_back", row, payload(session, row, links, ev, {}), clerks)

    def _on_report(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        files = self._carry(session, row, ev)
        row.reported_at = ev.at
        return self._to_supervisors(session, row, ev, "measure_reported", {"files": files})

    def _on_urge(self, session: Session, row: Measure, ev: ActionFired) -> list[Notice]:
        """To every lead unit's staff and head; listed with the escalations (level `urge`), keyed by the day: a
        second the same day is refused."""
        links = links_of(session, row.id)
        people = [p for unit in links.leads for p in unit_people(session, unit)]
        day = local_day(ev.at)
        session.add(Escalation(measure_id=row.id, subject_type="measure", subject_id=row.id, level=URGE,
                               deadline_version=day.toordinal(), due_date=row.due_date or day, fire_on=day,
                               fired_at=ev.at, status="fired", recipients=", ".join(p.name for p in people),
                               silent=not people))
        return notices(URGE, row, payload(session, row, links, ev, {"level": URGE, "level_label": "催办"}), people)

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
