"""Pure decisions: which actions may this actor take now, and may this one happen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from engine.definition import Action, FieldSpec, WorkflowDefinition
from engine.errors import MissingField, PermissionDenied, TransitionNotAllowed, WorkflowError


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: str
    unit_ids: frozenset[int] = frozenset()


class SubjectView(Protocol):
    id: Any
    state: str
    owner_ids: frozenset[int]
    participant_ids: frozenset[int]


@dataclass(frozen=True)
class View:
    """A plain snapshot of a subject, enough to decide on."""

    id: Any
    state: str
    owner_ids: frozenset[int] = frozenset()
    participant_ids: frozenset[int] = frozenset()
    record: Any = None


def refusal(defn: WorkflowDefinition, act: Action, subject: SubjectView, actor: Actor,
            last_actors: Mapping[str, int]) -> WorkflowError | None:
    """The reason this actor may not take this action now, or None when it may."""
    sid = subject.id
    if actor.role not in act.roles:
        return PermissionDenied(f"{defn.name} {sid}: role {actor.role!r} may not {act.name!r}")
    if actor.role in defn.scoped_roles:
        mine = subject.owner_ids if act.scope == "owner" else subject.participant_ids
        if not (actor.unit_ids & mine):
            return PermissionDenied(f"{defn.name} {sid}: user {actor.username!r} is not of a unit "
                                    f"that may {act.name!r} it")
    if subject.state not in act.source:
        return TransitionNotAllowed(f"{defn.name} {sid}: {act.name!r} is not allowed in state "
                                    f"{subject.state!r}")
    if act.four_eyes and last_actors.get(act.four_eyes) == actor.id:
        return PermissionDenied(f"{defn.name} {sid}: {act.name!r} must be done by someone other than "
                                f"who did {act.four_eyes!r} (user {actor.username!r})")
    record = getattr(subject, "record", None) or subject
    for cond in act.conditions:
        predicate, message = defn.conditions[cond]
        if not predicate(record):
            return TransitionNotAllowed(f"{defn.name} {sid}: {act.name!r} refused: {message}")
    return None



def allowed_actions(defn: WorkflowDefinition, subject: SubjectView, actor: Actor,
                    last_actors: Mapping[str, int]) -> list[str]:
    return [a.name for a in defn.actions if refusal(defn, a, subject, actor, last_actors) is None]


def check(defn: WorkflowDefinition, action: str, subject: SubjectView, actor: Actor,
          last_actors: Mapping[str, int], fields: Mapping[str, Any]) -> tuple[Action, dict[str, Any]]:
    """Raise the first reason the action may not happen; return it with its cleaned fields."""
    act = defn.action(action)
    if act is None:
        raise TransitionNotAllowed(f"{defn.name} {subject.id}: unknown action {action!r}")
    reason = refusal(defn, act, subject, actor, last_actors)
    if reason is not None:
        raise reason
    return act, clean_fields(act, fields)


def clean_fields(act: Action, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce and check every declared field; unknown keys are dropped."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in act.fields:
        raw = fields.get(spec.name)
        if _blank(raw):
            if spec.required:
                problems[spec.name] = "required"
            else:
                cleaned[spec.name] = None
            continue
        try:
            cleaned[spec.name] = _coerce(spec, raw)
        except (TypeError, ValueError) as exc:
            problems[spec.name] = str(exc)
    if problems:
        raise MissingField(act.name, list(problems), problems)
    return cleaned


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (
        isinstance(raw, list | tuple) and not raw)


def _coerce(spec: FieldSpec, raw: Any) -> Any:
    if spec.kind == "text":
        if not isinstance(raw, str):
            raise TypeError("must be text")
        return raw.strip()
    if spec.kind == "date":
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    if spec.kind == "int":
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise TypeError("must be a whole number")
        value = int(raw)
        if spec.min is not None and value < spec.min or spec.max is not None and value > spec.max:
            raise ValueError(f"must be between {spec.min} and {spec.max}")
        return value
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError("must be true or false")
    if spec.kind == "choice":
        if raw not in spec.choices:
            raise ValueError(f"must be one of {', '.join(spec.choices)}")
        return raw
    if spec.kind == "files":
        return [int(x) for x in raw]
    raise TypeError(f"unknown field kind {spec.kind}")
