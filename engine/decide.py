"""Pure decisions: which actions may this actor take now, may this one happen, and are its fields right."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from engine.db import MAX_ID
from engine.definition import Action, Context, FieldSpec, WorkflowDefinition
from engine.errors import FieldProblem, InvalidFields, PermissionDenied, TransitionNotAllowed, WorkflowError


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: str
    unit_ids: frozenset[int] = frozenset()
    name: str = ""  # the display name people read

    @property
    def display(self) -> str:
        return self.name or self.username


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
    extra: Mapping[str, Any] | None = None  # what field rules may need (e.g. the pending evidence ids)


def refusal(defn: WorkflowDefinition, act: Action, subject: SubjectView, actor: Actor,
            last_actors: Mapping[str, int]) -> WorkflowError | None:
    """The reason this actor may not take this action now, or None when it may."""
    sid, what = subject.id, f"{defn.name} {subject.id}"
    if actor.role not in act.roles:
        return PermissionDenied(f"您的角色不能办理“{act.title}”",
                                detail=f"{what}: role {actor.role!r} may not {act.name!r}")
    if actor.role in defn.scoped_roles:
        mine = subject.owner_ids if act.scope == "owner" else subject.participant_ids
        if not (actor.unit_ids & mine):
            who = "第一牵头单位" if act.scope == "owner" else "牵头单位"
            return PermissionDenied(f"只有{who}的人员可以办理“{act.title}”",
                                    detail=f"{what}: user {actor.username!r} is not of a unit that may {act.name!r}")
    if subject.state not in act.source:
        return TransitionNotAllowed(f"“{defn.label(subject.state)}”状态下不能办理“{act.title}”",
                                    detail=f"{what}: {act.name!r} is not allowed in state {subject.state!r}")
    if act.four_eyes and last_actors.get(act.four_eyes) == actor.id:
        other = defn.action(act.four_eyes)
        return PermissionDenied(f"“{act.title}”须由“{other.title if other else act.four_eyes}”经办人以外的人员办理",
                                detail=f"{what}: {act.name!r} by the same user who did {act.four_eyes!r} (sid {sid})")
    record = getattr(subject, "record", None) or subject
    facts = getattr(subject, "extra", None) or {}
    for name in act.conditions:
        cond = defn.conditions[name]
        if not cond.holds(record, actor, facts):
            return TransitionNotAllowed(cond.unmet, detail=f"{what}: {act.name!r} refused: condition {name}")
    return None


def allowed_actions(defn: WorkflowDefinition, subject: SubjectView, actor: Actor,
                    last_actors: Mapping[str, int]) -> list[str]:
    return [a.name for a in defn.actions if refusal(defn, a, subject, actor, last_actors) is None]


def check(defn: WorkflowDefinition, action: str, subject: SubjectView, actor: Actor,
          last_actors: Mapping[str, int], fields: Mapping[str, Any], ctx: Context | None = None
          ) -> tuple[Action, dict[str, Any]]:
    """Raise the first reason the action may not happen; return it with its cleaned fields."""
    act = defn.action(action)
    if act is None:
        raise TransitionNotAllowed(f"没有“{action}”这项操作", detail=f"{defn.name} {subject.id}: unknown action "
                                                                  f"{action!r}")
    reason = refusal(defn, act, subject, actor, last_actors)
    if reason is not None:
        raise reason
    return act, clean_fields(act, fields, ctx or Context(record=getattr(subject, "record", None)))


def clean_fields(act: Action, fields: Mapping[str, Any], ctx: Context | None = None) -> dict[str, Any]:
    """Coerce and check every declared field against its bounds and rules; unknown keys are dropped."""
    return clean_values(act.name, act.fields, fields, ctx)


def clean_values(name: str, specs: tuple[FieldSpec, ...], fields: Mapping[str, Any], ctx: Context | None = None
                 ) -> dict[str, Any]:
    """The same for any declared form (an account, a unit): InvalidFields names each field and its bound."""
    ctx = ctx or Context()
    cleaned: dict[str, Any] = {}
    problems: dict[str, FieldProblem] = {}
    for spec in specs:
        try:
            cleaned[spec.name] = coerce(spec, fields.get(spec.name), ctx)
        except FieldInvalid as exc:
            problems[spec.name] = exc.problem
    ctx = replace(ctx, fields=cleaned)  # keeps `now`: rules such as "not in the past" read it
    for spec in specs:
        if spec.name in problems:
            continue
        problem = _after(spec, cleaned, ctx)
        if problem is not None:
            problems[spec.name] = problem
    if problems:
        raise InvalidFields(name, problems, {s.name: s.title for s in specs})
    return cleaned


FREE_COMMENT = FieldSpec("comment", "text", required=False, label="意见")


def free_comment(raw: Any, ctx: Context | None = None) -> str:
    """A comment given to an action that declares none (its history keeps it): bounded like any text."""
    if raw is None or raw == "":  # what most actions get: nothing to clean
        return ""
    return clean_values("comment", (FREE_COMMENT,), {"comment": raw}, ctx)["comment"] or ""


class FieldInvalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = FieldProblem(code, message)


def _after(spec: FieldSpec, cleaned: Mapping[str, Any], ctx: Context) -> FieldProblem | None:
    """Rules that look at the other fields or the record, once every field is coerced."""
    value = cleaned.get(spec.name)
    if value is None:
        if spec.required_when and cleaned.get(spec.required_when):
            return FieldProblem("required", spec.required_message or f"请填写{spec.title}")
        return None
    for rule in spec.rules:
        message = rule.problem(value, ctx)
        if message is not None:
            return FieldProblem(rule.code, message)
    return None


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def coerce(spec: FieldSpec, raw: Any, ctx: Context) -> Any:
    """The field's value in its kind, None when blank and optional; raises FieldInvalid with a Chinese message."""
    if blank(raw):
        if spec.required:
            raise FieldInvalid("required", _required_message(spec))
        return False if spec.kind == "bool" else None
    return _COERCE[spec.kind](spec, raw, ctx)


def _required_message(spec: FieldSpec) -> str:
    if spec.required_message:
        return spec.required_message
    if spec.kind == "files":
        return f"请选择或上传至少一份{spec.title}"
    return f"请选择{spec.title}" if spec.kind in ("choice", "bool") else f"请填写{spec.title}"


CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}


def _text(spec: FieldSpec, raw: Any, ctx: Context) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid("bad_format", f"{spec.title}应为文字")
    value = raw.strip()
    if not CONTROL.isdisjoint(value):  # NUL and the like: no database keeps them, no person typed them
        raise FieldInvalid("bad_format", f"{spec.title}含有无法保存的控制字符")
    limit = spec.max_length or ctx.limits.text_max
    if len(value) > limit:
        raise FieldInvalid("too_long", f"{spec.title}最多 {limit:,} 个字，现为 {len(value):,} 个字")
    return value


def _date(spec: FieldSpec, raw: Any, ctx: Context) -> date:
    try:
        value = raw if isinstance(raw, date) and not isinstance(raw, datetime) else date.fromisoformat(str(raw).strip())
    except ValueError:
        raise FieldInvalid("bad_format", f"{spec.title}的日期格式应为 年-月-日，例如 2022-06-30") from None
    low, high = ctx.limits.date_min, ctx.limits.date_max
    if not low <= value <= high:
        raise FieldInvalid("out_of_range", f"{spec.title}应在 {cn_date(low)} 至 {cn_date(high)} 之间")
    return value


def _int(spec: FieldSpec, raw: Any, ctx: Context) -> int:
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise FieldInvalid("bad_format", f"{spec.title}应为整数")
    try:
        value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise FieldInvalid("bad_format", f"{spec.title}应为整数") from None
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise FieldInvalid("out_of_range", f"{spec.title}应在 {spec.min} 到 {spec.max} 之间")
    return value


TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _bool(spec: FieldSpec, raw: Any, ctx: Context) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FieldInvalid("bad_format", f"请选择{spec.title}：{spec.words[0]}或{spec.words[1]}")


def _choice(spec: FieldSpec, raw: Any, ctx: Context) -> str:
    if raw not in spec.choices:
        raise FieldInvalid("not_a_choice", f"{spec.title}请从以下选项中选择：{'、'.join(spec.choices)}")
    return raw


def _files(spec: FieldSpec, raw: Any, ctx: Context) -> list[int]:
    items = raw if isinstance(raw, list | tuple) else [raw]
    try:
        ids = [int(x) for x in items if not isinstance(x, bool)]
    except (TypeError, ValueError, OverflowError):
        raise FieldInvalid("bad_format", f"{spec.title}应为文件编号") from None
    if any(not 1 <= i <= MAX_ID for i in ids):  # no row has such an id, and the database could not compare it
        raise FieldInvalid("bad_format", f"{spec.title}应为文件编号")
    return list(dict.fromkeys(ids))


_COERCE = {"text": _text, "date": _date, "int": _int, "bool": _bool, "choice": _choice, "files": _files}


def cn_date(value: date) -> str:
    """2022年6月30日: how every date reads for people."""
    return f"{value.year}年{value.month}月{value.day}日"
