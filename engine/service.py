"""The shell around the pure core: fire an action and write state, version, history and outbox at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from engine import decide, history
from engine.claim import Claims
from engine.clock import Clock
from engine.decide import Actor, SubjectView
from engine.definition import Action, Context, Limits, WorkflowDefinition
from engine.errors import FieldProblem, InvalidFields, NotFound, StaleVersion, TransitionNotAllowed
from engine.machine import fire as machine_fire
from engine.outbox import Notice, Router, unrouted


@dataclass(frozen=True)
class ActionFired:
    """The fact that an action happened; handed to the workflow's effects."""

    workflow: str
    subject_id: int
    action: Action
    from_state: str
    to_state: str
    actor: Actor
    at: datetime
    version: int
    fields: Mapping[str, Any]
    comment: str
    recorded: dict[str, Any] = field(default_factory=dict)  # what the binding adds to the history (a file's hash)


class Binding(Protocol):
    """How one workflow's rows meet the engine. Implemented in workflows/, never imported here."""

    definition: WorkflowDefinition
    row_type: type

    def view(self, session: Session, row: Any) -> SubjectView: ...

    def apply(self, session: Session, row: Any, event: ActionFired) -> list[Notice]:
        """Write the action's own effects on the row and related rows; return notices to queue."""


class WorkflowService:
    def __init__(self, binding: Binding, clock: Clock, limits: Limits | None = None, route: Router = unrouted) -> None:
        self.binding, self.clock, self.limits, self.route = binding, clock, limits or Limits(), route
        self.defn = binding.definition
        self.claims = Claims(self.defn, binding.row_type, binding)

    def last_actors(self, session: Session, row: Any, actions: list[Action], records=None) -> dict[str, int]:
        """Who last did each action that a four-eyes rule of `actions` refers to; from the subject's `records`
        (its history, oldest first) when the caller has read them, else asked of the history."""
        wanted = {a.four_eyes for a in actions if a.four_eyes}
        if records is None:
            found = {name: history.last_actor(session, self.defn.name, row.id, name) for name in wanted}
        else:
            found = {rec.action: rec.actor_id for rec in records if rec.action in wanted}  # the last one stays
        return {name: actor_id for name, actor_id in found.items() if actor_id is not None}

    def allowed(self, session: Session, row: Any, actor: Actor, records=None) -> list[str]:
        """The actions `actor` may take on `row` now; `records`: its history, oldest first, if already read."""
        view = self.binding.view(session, row)
        candidates = [a for a in self.defn.actions if row.state in a.source]
        return decide.allowed_actions(self.defn, view, actor, self.last_actors(session, row, candidates, records))

    def fire(self, session: Session, row: Any, action: str, actor: Actor, fields: Mapping[str, Any],
             expected_version: int | None) -> ActionFired:
        """Check and perform one action inside the caller's transaction; the caller commits."""
        if expected_version is None or expected_version != row.version:
            raise StaleVersion(row.id, expected_version, row.version)
        view = self.binding.view(session, row)
        declared = self.defn.action(action)
        last = self.last_actors(session, row, [declared]) if declared else {}
        ctx = Context(record=row, limits=self.limits, extra=getattr(view, "extra", None) or {}, now=self.clock.now())
        act, cleaned = decide.check(self.defn, action, view, actor, last, fields, ctx)
        comment = cleaned.get("comment") or decide.free_comment(fields.get("comment"), ctx)
        now = self.clock.now()
        from_state = row.state
        # the machine moves a stand-in, not the row: the row's new state arrives with the claim below, as a committed
        # value, so an action that writes nothing else leaves the row clean (no flush, no UPDATE of unchanged columns)
        to_state = machine_fire(self.defn, _Subject(from_state), act.name)
        params = self._params(row.id, expected_version, to_state, now)
        # on the session's connection, past the ORM's statement handling: the claim is Core and reads nothing the
        # session holds unflushed
        conn = session.connection()
        claimed = conn.execute(self.claims.of_row(conn.dialect.name), params).first()
        if claimed is None:
            raise StaleVersion(row.id, expected_version, None)
        # what the UPDATE wrote is the row's committed state now: the unit of work writes only what apply changes
        set_committed_value(row, "state", to_state)
        set_committed_value(row, "version", expected_version + 1)
        for column, value in self.claims.resets.items():
            set_committed_value(row, column, value)
        if self.claims.stamps:
            set_committed_value(row, "updated_at", now)
        return self._record(session, row, act, from_state, actor, cleaned, comment, now, tuple(claimed))

    def fire_id(self, session: Session, subject_id: int, action: str, actor: Actor, fields: Mapping[str, Any],
                expected_version: int | None) -> tuple[Any, ActionFired]:
        """`fire` for a subject not loaded yet: (the row, the event). The claim fetches the row when it can (see
        `claim`); otherwise, or when the claim finds no such row, the row is loaded and `fire` checks it and names
        what is wrong (a stale version, the state, the scope) as it always does."""
        fired = self.claim(session, subject_id, action, actor, fields, expected_version)
        if fired is not None:
            return fired
        row = session.get(self.binding.row_type, subject_id)
        if row is None:
            raise NotFound(f"找不到该{self.defn.title}", detail=f"{self.defn.name} {subject_id} not found")
        return row, self.fire(session, row, action, actor, fields, expected_version)

    def claim(self, session: Session, subject_id: int, action: str, actor: Actor, fields: Mapping[str, Any],
              expected_version: int | None) -> tuple[Any, ActionFired] | None:
        """Perform the action in one claim that checks the version, the source state and the actor's scope in its
        WHERE clause and fetches the row (no SELECT before it), when the table leaves nothing else to check of the
        row (Claims.fetches). None, having written nothing, when it cannot or when the claim matched no row: the
        caller then loads the row and fires it, which says why."""
        act = self.defn.action(action)
        scoped = actor.role in self.defn.scoped_roles
        if (act is None or expected_version is None or actor.role not in act.roles
                or not self.claims.fetches(act, scoped)):
            return None
        now = self.clock.now()
        try:  # the action declares no field: only a free comment, checked before anything is written
            comment = decide.free_comment(fields.get("comment"), Context(limits=self.limits, now=now))
        except InvalidFields:
            return None  # `fire` names the first problem, in its order (a stale version before a field)
        # the move the machine makes from the one source (machine_for builds its transitions from the same table)
        from_state = act.source[0]
        params = self._params(subject_id, expected_version, act.target_from(from_state), now)
        units = sorted(actor.unit_ids) if scoped else None
        if units:
            params |= {f"b_unit{i}": unit_id for i, unit_id in enumerate(units)}
        elif scoped:  # no unit: in nobody's scope (the long way says so)
            return None
        conn = session.connection()
        claimed = conn.execute(self.claims.by_id(conn.dialect.name, act, units and len(units)), params).first()
        if claimed is None:
            return None
        row = self.claims.loaded(session, claimed[:-3])
        return row, self._record(session, row, act, from_state, actor, {}, comment, now, tuple(claimed[-3:]))

    def _params(self, subject_id: int, expected_version: int, to_state: str, now: datetime) -> dict[str, Any]:
        params = {"b_id": subject_id, "b_old": expected_version, "b_new": expected_version + 1, "b_state": to_state}
        if self.claims.stamps:
            params["b_at"] = now
        return params

    def _record(self, session: Session, row: Any, act: Action, from_state: str, actor: Actor,
                cleaned: dict[str, Any], comment: str, now: datetime, numbered: tuple) -> ActionFired:
        """After the claim: the binding's own writes, the history record, the notices."""
        to_state = row.state  # as the claim wrote it
        event = ActionFired(self.defn.name, row.id, act, from_state, to_state, actor, now,
                            row.version, cleaned, comment)
        notices = self.binding.apply(session, row, event)
        if row not in session:
            session.add(row)
        history.append(session, workflow=self.defn.name, subject_id=row.id, action=act.name,
                       from_state=from_state, to_state=to_state, version=row.version, actor_id=actor.id,
                       actor_name=actor.username, at=now, comment=comment,
                       data=_plain(cleaned) | event.recorded, locked=True, numbered=numbered)
        if notices:
            for notice in self.route(session, notices):
                session.add(notice.to_row(now))
        session.flush()
        return event

    def create(self, session: Session, view: SubjectView, actor: Actor, fields: Mapping[str, Any],
               build: Any, extra: Mapping[str, Any] | None = None, how: str | None = None
               ) -> tuple[Any, ActionFired]:
        """Check a creation action (`how`, default the first) for `view` (the subject to be), build the row from
        the cleaned fields with `build(cleaned)`, and record its first version; the binding's `created` may add
        notices."""
        creation = next((a for a in self.defn.creations if how is None or a.name == how), None)
        if creation is None:
            raise TransitionNotAllowed(f"{self.defn.title}不能这样创建",
                                       detail=f"{self.defn.name}: no creation {how!r}")
        now = self.clock.now()
        ctx = Context(record=getattr(view, "record", None), limits=self.limits, extra=dict(extra or {}), now=now)
        act, cleaned = decide.check(self.defn, creation.name, view, actor, {}, fields, ctx)
        row = build(cleaned)
        session.add(row)
        session.flush()
        texts = [cleaned.get(f.name) for f in act.fields if f.kind == "text" and f.long]
        comment = str(cleaned.get("comment") or next((t for t in texts if t), "")).strip()
        event = ActionFired(self.defn.name, row.id, act, None, row.state, actor, now, row.version, cleaned, comment)
        hook = getattr(self.binding, "created", None)
        notices = hook(session, row, event) if hook else []
        history.append(session, workflow=self.defn.name, subject_id=row.id, action=act.name, from_state=None,
                       to_state=row.state, version=row.version, actor_id=actor.id, actor_name=actor.username,
                       at=now, comment=comment, data=_plain(cleaned), locked=True)
        for notice in self.route(session, notices or []):
            session.add(notice.to_row(now))
        session.flush()
        return row, event

    def created(self, session: Session, row: Any, actor_name: str, *, action: str = "create",
                comment: str = "", data: Mapping[str, Any] | None = None, actor_id: int | None = None
                ) -> None:
        """Record a subject's first version (version 1) in the history."""
        history.append(session, workflow=self.defn.name, subject_id=row.id, action=action,
                       from_state=None, to_state=row.state, version=row.version, actor_id=actor_id,
                       actor_name=actor_name, at=self.clock.now(), comment=comment, data=data, locked=True)

    def changed(self, session: Session, row: Any, actor_name: str, *, action: str, comment: str = "",
                data: Mapping[str, Any] | None = None, actor_id: int | None = None) -> None:
        """Record an edit outside the table (a re-import): bumps the version like any action."""
        row.version += 1
        for column, value in self.claims.resets.items():
            setattr(row, column, value)
        session.add(row)
        history.append(session, workflow=self.defn.name, subject_id=row.id, action=action,
                       from_state=row.state, to_state=row.state, version=row.version, actor_id=actor_id,
                       actor_name=actor_name, at=self.clock.now(), comment=comment, data=data)


@dataclass(slots=True)
class _Subject:
    """What the state machine moves in a row's place (see WorkflowService.fire)."""

    state: str


def _plain(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """What the history keeps of an action's fields (the comment has its own column)."""
    return {k: v for k, v in cleaned.items() if k != "comment"}


def version_of(action: str, raw: Any) -> int:
    """The `version` a request body carries, checked: the engine compares it with the row's."""
    if raw is None:
        raise InvalidFields(action, {"version": FieldProblem("required", "缺少版本号 version，请刷新页面后重试")})
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
        raise InvalidFields(action, {"version": FieldProblem("bad_format", "版本号 version 应为整数")})
    return int(raw)

