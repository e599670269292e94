"""Action forms generated from the workflow table's field specs: controls to render, and what came back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.definition import Action, FieldSpec


@dataclass
class Control:
    """One labelled form control, with what the person typed and what is wrong with it."""

    name: str
    label: str
    widget: str  # textarea | text | date | number | radio | checkbox | select | files
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    min: int | None = None
    max: int | None = None
    value: Any = ""
    error: str | None = None
    suggestions: tuple[str, ...] = ()
    hint: str = ""
    max_length: int | None = None


@dataclass
class ActionForm:
    action: str
    label: str
    controls: list[Control]
    version: int
    danger: bool = False
    multipart: bool = False
    confirm: str = ""


def widget_for(spec: FieldSpec) -> str:
    if spec.kind == "text":
        return "textarea" if spec.long else "text"
    if spec.kind == "bool":
        return "radio" if spec.required else "checkbox"
    return {"date": "date", "int": "number", "choice": "select", "files": "files"}[spec.kind]


def choices_for(spec: FieldSpec) -> list[tuple[str, str]]:
    if spec.kind == "choice":
        return [(c, c) for c in spec.choices]
    if spec.kind == "bool":
        return [("true", spec.words[0]), ("false", spec.words[1])]
    return []


def build_form(act: Action, version: int, typed: Mapping[str, Any] | None = None,
               problems: Mapping[str, str] | None = None, pending: list | None = None,
               text_max: int | None = None) -> ActionForm:
    """The form for one action; `typed` refills it, `problems` are the Chinese messages per field,
    `pending` the evidence not yet reported."""
    typed, problems = typed or {}, problems or {}
    controls = []
    for spec in act.fields:
        value = typed.get(spec.name, default_value(spec, pending))
        controls.append(Control(spec.name, spec.title, widget_for(spec), spec.required, choices_for(spec),
                                spec.min, spec.max, value, problems.get(spec.name), spec.suggestions, spec.hint,
                                spec.max_length or (text_max if spec.kind == "text" else None)))
    return ActionForm(act.name, act.title, controls, version, act.danger,
                      any(c.widget == "files" for c in controls), act.confirm)


def default_value(spec: FieldSpec, pending: list | None) -> Any:
    if spec.kind == "files":
        return [str(ev.id) for ev in pending or []]  # every unreported file, ticked
    if spec.kind == "bool" and not spec.required:
        return False
    return ""


def typed_from(act: Action, form: Any) -> dict[str, Any]:
    """What the person sent for the action's fields, as strings (lists for files), ready to refill the form."""
    typed: dict[str, Any] = {}
    for spec in act.fields:
        if spec.kind == "files":
            typed[spec.name] = [v for v in form.getall(spec.name, []) if str(v).isdigit()]
        elif spec.kind == "bool" and not spec.required:
            typed[spec.name] = form.get(spec.name) in ("true", "on", "1")
        else:
            raw = form.get(spec.name)
            typed[spec.name] = raw if isinstance(raw, str) else ""
    return typed


def anything_typed(typed: Mapping[str, Any]) -> bool:
    return any(v not in ("", None, False, []) for v in typed.values())


def body_from(act: Action, typed: Mapping[str, Any], version: Any) -> dict[str, Any]:
    """The action body the services take."""
    body: dict[str, Any] = {"version": version}
    for spec in act.fields:
        value = typed.get(spec.name)
        body[spec.name] = [int(v) for v in value] if spec.kind == "files" else value
    return body


def shown_values(act: Action, typed: Mapping[str, Any], evidence_names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, text) of what was typed: shown when the action can no longer be taken, so nothing is lost."""
    out = []
    for spec in act.fields:
        value = typed.get(spec.name)
        if spec.kind == "files":
            text = "、".join(evidence_names.get(v, v) for v in value or [])
        elif spec.kind == "bool":
            yes, no = spec.words
            text = {True: yes, "true": yes, False: no, "false": no}.get(value, "")
        else:
            text = str(value or "")
        if text:
            out.append((spec.title, text))
    return out
