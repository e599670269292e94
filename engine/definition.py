"""A workflow declared as data, checked when it loads, rendered as Markdown and Mermaid."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DefinitionError

FIELD_KINDS = ("text", "date", "int", "bool", "choice", "files")


@dataclass(frozen=True)
class FieldSpec:
    """One value an action carries. `files` means evidence already attached to the subject."""

    name: str
    kind: str = "text"
    required: bool = True
    label: str = ""
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class State:
    name: str
    label: str = ""
    final: bool = False


@dataclass(frozen=True)
class Action:
    """One row of the table: who may move a subject from `source` to `target`, carrying `fields`.

    `scope` limits scoped roles to subjects they own ("owner") or take part in ("participant").
    `four_eyes` names an earlier action whose actor may not perform this one.
    `conditions` name predicates of the workflow that must hold for the subject.
    """

    name: str
    source: tuple[str, ...]
    target: str
    roles: frozenset[str]
    fields: tuple[FieldSpec, ...] = ()
    four_eyes: str | None = None
    conditions: tuple[str, ...] = ()
    scope: str = "owner"
    label: str = ""

    @property
    def is_internal(self) -> bool:
        return all(src == self.target for src in self.source)


Condition = Callable[[Any], bool]


@dataclass(frozen=True, eq=False)
class WorkflowDefinition:
    name: str
    states: tuple[State, ...]
    initial: tuple[str, ...]
    actions: tuple[Action, ...]
    roles: frozenset[str]
    scoped_roles: frozenset[str] = frozenset()
    conditions: Mapping[str, tuple[Condition, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise DefinitionError(self.name, problems)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.final)


def validate(defn: WorkflowDefinition) -> list[str]:
    """Every problem of a definition, in order; an empty list means it can run."""
    problems: list[str] = []
    names = [s.name for s in defn.states]
    known = set(names)
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"state {dup!r} is declared twice")
    action_names = [a.name for a in defn.actions]
    for dup in sorted({n for n in action_names if action_names.count(n) > 1}):
        problems.append(f"action {dup!r} is declared twice")
    for init in defn.initial:
        if init not in known:
            problems.append(f"initial state {init!r} is not declared")
    if not defn.initial:
        problems.append("no initial state")
    final = {s.name for s in defn.states if s.final}
    for act in defn.actions:
        where = f"action {act.name!r}"
        if not act.source:
            problems.append(f"{where} has no source state")
        for src in act.source:
            if src not in known:
                problems.append(f"{where}: source {src!r} is not a declared state")
            if src in final:
                problems.append(f"{where} leaves final state {src!r}")
        if act.target not in known:
            problems.append(f"{where}: target {act.target!r} is not a declared state")
        if not act.roles:
            problems.append(f"{where} has no role: declare who may act")
        for role in sorted(act.roles - defn.roles):
            problems.append(f"{where}: role {role!r} is not a declared role")
        for cond in act.conditions:
            if cond not in defn.conditions:
                problems.append(f"{where}: condition {cond!r} is not declared")
        if act.four_eyes and act.four_eyes not in action_names:
            problems.append(f"{where}: four-eyes refers to unknown action {act.four_eyes!r}")
        if act.scope not in ("owner", "participant"):
            problems.append(f"{where}: scope {act.scope!r} is neither 'owner' nor 'participant'")
        fnames = [f.name for f in act.fields]
        for dup in sorted({n for n in fnames if fnames.count(n) > 1}):
            problems.append(f"{where}: field {dup!r} is declared twice")
        for spec in act.fields:
            if spec.kind not in FIELD_KINDS:
                problems.append(f"{where}: field {spec.name!r} has unknown kind {spec.kind!r}")
            if spec.kind == "choice" and not spec.choices:
                problems.append(f"{where}: choice field {spec.name!r} has no choices")
    problems.extend(_reachability(defn, known, final))
    return problems


def _reachability(defn: WorkflowDefinition, known: set[str], final: set[str]) -> list[str]:
    problems = []
    edges: dict[str, set[str]] = {s: set() for s in known}
    for act in defn.actions:
        for src in act.source:
            if src in edges and act.target in known:
                edges[src].add(act.target)
    seen: set[str] = set()
    todo = [s for s in defn.initial if s in known]
    while todo:
        cur = todo.pop()
        if cur not in seen:
            seen.add(cur)
            todo.extend(edges[cur])
    for name in (s.name for s in defn.states):
        if name not in seen:
            problems.append(f"state {name!r} is unreachable from the initial states")
        elif name not in final and not (edges[name] - {name}):
            problems.append(f"state {name!r} is a trap: not final and no action leaves it")
    if not final:
        problems.append("no final state")
    return problems


def to_mermaid(defn: WorkflowDefinition) -> str:
    """The table as a Mermaid state diagram (internal actions as self-loops)."""
    lines = ["stateDiagram-v2"]
    for state in defn.states:
        lines.append(f"    {state.name}: {state.name} {state.label}".rstrip())
    for init in defn.initial:
        lines.append(f"    [*] --> {init}")
    for act in defn.actions:
        roles = ", ".join(sorted(act.roles))
        for src in act.source:
            lines.append(f"    {src} --> {act.target}: {act.name} {act.label} ({roles})")
    for name in defn.final_states:
        lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"


def to_markdown(defn: WorkflowDefinition) -> str:
    """The table as Markdown: one row per action."""
    rows = ["| action | from | to | roles | fields | rules |", "|---|---|---|---|---|---|"]
    for act in defn.actions:
        fields = ", ".join(f.name + ("" if f.required else "?") for f in act.fields) or "-"
        rules = [f"not by who did {act.four_eyes}"] if act.four_eyes else []
        rules += list(act.conditions)
        rows.append(f"| {act.name} {act.label} | {', '.join(act.source)} | {act.target} | "
                    f"{', '.join(sorted(act.roles))} | {fields} | {'; '.join(rules) or '-'} |")
    return "\n".join(rows) + "\n"
