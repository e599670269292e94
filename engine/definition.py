"""A workflow declared as data: states with tags and labels, actions with roles and fields, checked when it loads.

The definition is the vocabulary: everything else (lights, ladder, reports, pages, mail, access) asks it
(`defn.tagged("owes_work")`, `defn.label(state)`) instead of naming states itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.errors import DefinitionError

FIELD_KINDS = ("text", "date", "int", "bool", "choice", "files")


@dataclass(frozen=True)
class Limits:
    """Bounds every field obeys unless it declares its own: text length and the span of dates."""

    text_max: int = 5000
    date_min: date = date(2000, 1, 1)
    date_max: date = date(2099, 12, 31)


@dataclass(frozen=True)
class Context:
    """What a field rule may look at: the subject's record, the other cleaned fields, and the bounds."""

    record: Any = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = Limits()
    extra: Mapping[str, Any] = field(default_factory=dict)  # what the binding adds (e.g. pending files)
    now: datetime | None = None


@dataclass(frozen=True)
class Rule:
    """A rule a cleaned value must follow; `message` (text, or a function of value and context) is Chinese."""

    code: str
    test: Callable[[Any, Context], bool]
    message: str | Callable[[Any, Context], str]

    def problem(self, value: Any, ctx: Context) -> str | None:
        if self.test(value, ctx):
            return None
        return self.message(value, ctx) if callable(self.message) else self.message


@dataclass(frozen=True)
class FieldSpec:
    """One value an action carries, with its label, bounds, rules and how a form asks for it.

    `files` means evidence already attached to the subject. `required_when` names a bool field that makes
    this one required (a typical case needs its text).
    """

    name: str
    kind: str = "text"
    required: bool = True
    label: str = ""
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None  # None: the deployment's Limits.text_max
    rules: tuple[Rule, ...] = ()
    required_when: str | None = None
    required_message: str = ""
    long: bool = False  # a paragraph, not a line
    words: tuple[str, str] = ("是", "否")  # how a bool reads
    suggestions: tuple[str, ...] = ()
    hint: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class State:
    """A state: its Chinese label, its tags (what it means to the rest of the system), its colour.

    `next_step` says, for people, who acts next while a subject is in this state.
    """

    name: str
    label: str = ""
    final: bool = False
    tags: frozenset[str] = frozenset()
    colour: str = "#90a4ae"
    short: str = ""
    next_step: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name

    @property
    def short_title(self) -> str:
        return self.short or self.title


@dataclass(frozen=True)
class Condition:
    """A predicate an action needs, with what is said when it does not hold.

    `test(record)` looks at the subject's record; with `sees_actor`, `test(record, actor, facts)` also sees who
    asks and the facts the binding adds (for example whether the unit has an active head).
    """

    name: str
    test: Callable[..., bool]
    unmet: str  # 已有待审批的延期申请: said when the action is refused
    rule: str = ""  # 须无待审批的延期申请: said on the help page
    sees_actor: bool = False

    def holds(self, record: Any, actor: Any = None, facts: Mapping[str, Any] | None = None) -> bool:
        if self.sees_actor:
            return bool(self.test(record, actor, facts or {}))
        return bool(self.test(record))


@dataclass(frozen=True)
class Action:
    """One row of the table: who may move a subject from `source` to `target`, carrying `fields`.

    `scope` limits scoped roles to subjects they own ("owner") or take part in ("participant").
    `four_eyes` names an earlier action whose actor may not perform this one.
    `conditions` name predicates of the workflow that must hold for the subject.
    `tags` say what the action means to reports and pages (e.g. "verifies", "returns").
    """

    name: str
    source: tuple[str, ...]
    target: str | None  # None: the subject stays in the state it was in (a note, a reminder)
    roles: frozenset[str]
    fields: tuple[FieldSpec, ...] = ()
    four_eyes: str | None = None
    conditions: tuple[str, ...] = ()
    scope: str = "owner"
    label: str = ""
    tags: frozenset[str] = frozenset()
    danger: bool = False  # sends work back or discards: drawn as a warning button
    confirm: str = ""  # asked before the action is taken, when set

    @property
    def is_internal(self) -> bool:
        return self.target is None or all(src == self.target for src in self.source)

    def target_from(self, source: str) -> str:
        return source if self.target is None else self.target

    @property
    def title(self) -> str:
        return self.label or self.name

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    colour: str = "#455a64"


@dataclass(frozen=True)
class RoleGroup:
    """Roles that mean one thing to the system: the units that do the work, the offices that see all."""

    name: str
    label: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Roles:
    """The organisation's roles and groups, declared once; workflows and pages ask it."""

    roles: tuple[Role, ...]
    groups: tuple[RoleGroup, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def label(self, role: str) -> str:
        return next((r.label for r in self.roles if r.name == role), role)

    def group(self, name: str) -> frozenset[str]:
        for g in self.groups:
            if g.name == name:
                return g.roles
        raise KeyError(f"role group {name!r} is not declared")

    def in_group(self, role: str, group: str) -> bool:
        return role in self.group(group)

    @property
    def labels(self) -> dict[str, str]:
        return {r.name: r.label for r in self.roles}


@dataclass(frozen=True, eq=False)
class WorkflowDefinition:
    """A declared workflow. `lifecycle=False` declares a record (no final state needed, e.g. a milestone list)."""

    name: str
    states: tuple[State, ...]
    initial: tuple[str, ...]
    actions: tuple[Action, ...]
    roles: frozenset[str]
    scoped_roles: frozenset[str] = frozenset()
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    title: str = ""  # what a subject is called: 改革举措
    events: Mapping[str, str] = field(default_factory=dict)  # history records outside the table -> label
    lifecycle: bool = True
    creations: tuple[Action, ...] = ()  # how people create a subject (fields, roles, conditions): each targets
    # an initial state; a problem is raised by a unit or recorded by 督查办

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
        """A table action, or the creation action by its name."""
        found = next((a for a in self.actions if a.name == name), None)
        return found or next((a for a in self.creations if a.name == name), None)

    @property
    def creation(self) -> Action | None:
        return self.creations[0] if self.creations else None

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.final)

    def tagged(self, *tags: str) -> frozenset[str]:
        """Names of the states that carry every one of `tags`."""
        return frozenset(s.name for s in self.states if set(tags) <= s.tags)

    def has_tag(self, state: str, tag: str) -> bool:
        return any(s.name == state and tag in s.tags for s in self.states)

    def actions_tagged(self, tag: str) -> tuple[str, ...]:
        return tuple(a.name for a in self.actions if tag in a.tags)

    def label(self, state: str | None) -> str:
        if state is None:
            return ""
        return next((s.title for s in self.states if s.name == state), state)

    @property
    def state_labels(self) -> dict[str, str]:
        return {s.name: s.title for s in self.states}

    @property
    def action_labels(self) -> dict[str, str]:
        made = {a.name: a.title for a in self.creations}
        return {a.name: a.title for a in self.actions} | made | dict(self.events)

    def action_label(self, name: str) -> str:
        return self.action_labels.get(name, name)

    def initial_tagged(self, tag: str) -> str:
        """The initial state carrying `tag` (an imported row declared done starts awaiting review)."""
        return next(s for s in self.initial if self.has_tag(s, tag))

    def roles_acting_in(self, state: str) -> frozenset[str]:
        return frozenset(r for a in self.actions if state in a.source for r in a.roles)


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
    for name, cond in defn.conditions.items():
        if not isinstance(cond, Condition) or cond.name != name:
            problems.append(f"condition {name!r} must be a Condition named {name!r}")
    final = {s.name for s in defn.states if s.final}
    for act in defn.actions:
        problems.extend(_action_problems(defn, act, known, final, action_names))
    for made in defn.creations:
        problems.extend(_action_problems(defn, made, known, final, action_names))
        if made.target not in defn.initial or made.name in action_names:
            problems.append(f"creation {made.name!r} must target an initial state and not be a table action")
    problems.extend(_reachability(defn, known, final))
    return problems


def _action_problems(defn: WorkflowDefinition, act: Action, known: set[str], final: set[str],
                     action_names: list[str]) -> list[str]:
    where, problems = f"action {act.name!r}", []
    if not act.source:
        problems.append(f"{where} has no source state")
    for src in act.source:
        if src not in known:
            problems.append(f"{where}: source {src!r} is not a declared state")
        if src in final:
            problems.append(f"{where} leaves final state {src!r}")
    if act.target is not None and act.target not in known:
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
        if spec.required_when and spec.required_when not in fnames:
            problems.append(f"{where}: field {spec.name!r} is required when unknown field {spec.required_when!r}")
    return problems


def _reachability(defn: WorkflowDefinition, known: set[str], final: set[str]) -> list[str]:
    problems = []
    edges: dict[str, set[str]] = {s: set() for s in known}
    for act in defn.actions:
        for src in act.source:
            if src in edges and act.target_from(src) in known:
                edges[src].add(act.target_from(src))
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
        elif defn.lifecycle and name not in final and not (edges[name] - {name}):
            problems.append(f"state {name!r} is a trap: not final and no action leaves it")
    if defn.lifecycle and not final:
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
            lines.append(f"    {src} --> {act.target_from(src)}: {act.name} {act.label} ({roles})")
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
        rows.append(f"| {act.name} {act.label} | {', '.join(act.source)} | {act.target or '（不变）'} | "
                    f"{', '.join(sorted(act.roles))} | {fields} | {'; '.join(rules) or '-'} |")
    return "\n".join(rows) + "\n"
