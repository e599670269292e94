"""Action forms generated from the workflow table's FieldSpecs: controls to render, and what came back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.definition import Action, FieldSpec
from engine.errors import MissingField

LONG_TEXT = frozenset({"comment", "description", "case_text"})
SUGGESTIONS = {"scope": ("全区", "全市", "其他区县")}
BOOL_WORDS = {"approve": ("同意", "不同意")}
DANGER = frozenset({"return", "adjust"})
GENERIC_PROBLEMS = {"required": "必填", "text": "请填写文字", "date": "日期格式应为 年-月-日",
                    "int": "应为整数", "choice": "请选择一项", "bool": "请选择", "files": "请选择佐证材料"}


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


@dataclass
class ActionForm:
    action: str
    label: str
    controls: list[Control]
    version: int
    danger: bool = False
    multipart: bool = False


def widget_for(spec: FieldSpec) -> str:
    if spec.kind == "text":
        return "textarea" if spec.name in LONG_TEXT else "text"
    if spec.kind == "bool":
        return "radio" if spec.required else "checkbox"
    return {"date": "date", "int": "number", "choice": "select", "files": "files"}[spec.kind]


def choices_for(spec: FieldSpec) -> list[tuple[str, str]]:
    if spec.kind == "choice":
        return [(c, c) for c in spec.choices]
    if spec.kind == "bool":
        yes, no = BOOL_WORDS.get(spec.name, ("是", "否"))
        return [("true", yes), ("false", no)]
    return []


def build_form(act: Action, version: int, typed: Mapping[str, Any] | None = None,
               problems: Mapping[str, str] | None = None, pending: list[dict] | None = None) -> ActionForm:
    """The form for one action; `typed` refills it, `pending` is the evidence not yet reported."""
    typed, problems = typed or {}, problems or {}
    controls = []
    for spec in act.fields:
        widget = widget_for(spec)
        value = typed.get(spec.name, default_value(spec, pending))
        controls.append(Control(spec.name, spec.label or spec.name, widget, spec.required, choices_for(spec),
                                spec.min, spec.max, value, problem_text(spec, problems.get(spec.name)),
                                SUGGESTIONS.get(spec.name, ())))
    return ActionForm(act.name, act.label or act.name, controls, version, act.name in DANGER,
                      any(c.widget == "files" for c in controls))


def default_value(spec: FieldSpec, pending: list[dict] | None) -> Any:
    if spec.kind == "files":
        return [str(ev["id"]) for ev in pending or []]  # every unreported file, ticked
    if spec.kind == "bool" and not spec.required:
        return False
    return ""


def problem_text(spec: FieldSpec, problem: str | None) -> str | None:
    """A field's problem in Chinese: the engine's words are for developers."""
    if problem is None:
        return None
    if problem == "required":
        return "请选择或上传至少一份佐证材料" if spec.kind == "files" else "此项为必填项"
    if "between" in problem:
        return f"应在 {spec.min} 到 {spec.max} 之间"
    if "later than" in problem:
        return "申请的日期须晚于当前时间节点"
    if "typical case" in problem:
        return "选为典型案例时须填写典型案例说明"
    if "not unattached evidence" in problem:
        return "所选文件已不是待报送的佐证材料，请重新选择"
    return GENERIC_PROBLEMS.get(spec.kind, "输入有误")


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


def body_from(act: Action, typed: Mapping[str, Any], version: Any) -> dict[str, Any]:
    """The action body the measure service takes."""
    body: dict[str, Any] = {"version": version}
    for spec in act.fields:
        value = typed.get(spec.name)
        body[spec.name] = [int(v) for v in value] if spec.kind == "files" else value
    return body


def missing_message(act: Action, exc: MissingField) -> str:
    labels = {s.name: s.label or s.name for s in act.fields}
    named = "、".join(labels.get(name, name) for name in exc.fields if name in labels)
    return f"请检查标出的各项：{named}" if named else "请刷新页面后重试"


def shown_values(act: Action, typed: Mapping[str, Any], evidence_names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, text) of what was typed: shown when the action can no longer be taken, so nothing is lost."""
    out = []
    for spec in act.fields:
        value = typed.get(spec.name)
        if spec.kind == "files":
            text = "、".join(evidence_names.get(v, v) for v in value or [])
        elif spec.kind == "bool":
            yes, no = BOOL_WORDS.get(spec.name, ("是", "否"))
            text = {True: yes, "true": yes, False: no, "false": no}.get(value, "")
        else:
            text = str(value or "")
        if text:
            out.append((spec.label or spec.name, text))
    return out
