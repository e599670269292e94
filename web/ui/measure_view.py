"""One subject as its page shows it: the service's detail plus names, forms and the timeline with files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.definition import WorkflowDefinition
from runtime.core import Runtime
from web.ui.forms import ActionForm, build_form, shown_values
from workflows import evidence
from workflows.access import Access
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG

SYSTEM = "系统（台账导入）"
HIDDEN_DATA = frozenset({"evidence", "source", "seq", "changes", "measure_id"})
DATA_LABELS = {"approved": "审批结果", "old_due_date": "原时间节点", "due_date": "时间节点"}


@dataclass
class Failure:
    """A form that did not go through: which action, what was typed, and what to say."""

    action: str
    message: str
    typed: Mapping[str, Any] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)  # field -> Chinese message
    stale: bool = False


@dataclass
class MeasurePage:
    m: Any  # the MeasureDetail read model
    forms: list[ActionForm]
    timeline: list[dict]
    pending: list
    reported_files: list
    may_upload: bool
    lost: list[tuple[str, str]]  # typed values of an action no longer possible


def people(session: Session, usernames: set[str]) -> dict[str, str]:
    """username -> "显示名（角色 · 单位）" for the timeline."""
    found = {name: SYSTEM for name in usernames if name == "system"}
    if not usernames:
        return found
    units = {u.id: u.name for u in session.execute(select(Unit)).scalars()}
    for user in session.execute(select(User).where(User.username.in_(sorted(usernames)))).scalars():
        where = " · ".join(x for x in (ORG.label(user.role), units.get(user.unit_id, "")) if x)
        found[user.username] = f"{user.display_name or user.username}（{where}）"
    return found


def field_rows(defn: WorkflowDefinition, action: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of an action's recorded fields, in the table's order and words."""
    act = defn.action(action)
    specs = {s.name: s for s in act.fields} if act else {}
    order = list(specs) + sorted(set(data) - set(specs))
    rows = []
    for name in order:
        value = data.get(name)
        if name in HIDDEN_DATA or value in (None, ""):
            continue
        if isinstance(value, bool):
            yes, no = specs[name].words if name in specs else ("是", "否")
            value = yes if value else no
        label = specs[name].title if name in specs else DATA_LABELS.get(name, name)
        rows.append((label, str(value)))
    return rows


def timeline(session: Session, m, defn: WorkflowDefinition = REFORM_MEASURE) -> list[dict]:
    names = people(session, {h.actor for h in m.history})
    files_by_version: dict[int, list] = {}
    for ev in getattr(m, "evidence", []):
        if ev.report_version is not None:
            files_by_version.setdefault(ev.report_version, []).append(ev)
    return [{"h": h, "who": names.get(h.actor, h.actor), "label": h.action_label,
             "fields": field_rows(defn, h.action, h.data or {}), "files": files_by_version.get(h.version, []),
             "danger": bool(defn.action(h.action) and defn.action(h.action).danger)}
            for h in m.history]


def measure_page(session: Session, rt: Runtime, access: Access, measure_id: int,
                 failure: Failure | None = None) -> MeasurePage:
    m = rt.measures.detail(session, access, measure_id)
    pending = [ev for ev in m.evidence if ev.report_version is None]
    forms, lost = [], []
    allowed = [str(a) for a in m.allowed_actions]
    for name in allowed:
        act = REFORM_MEASURE.action(name)
        mine = failure is not None and failure.action == name
        forms.append(build_form(act, m.version, failure.typed if mine else None,
                                failure.problems if mine else None, pending, rt.config.limits.text_max))
    if failure is not None and failure.action not in allowed:
        act = REFORM_MEASURE.action(failure.action)
        names = {str(ev.id): ev.filename for ev in m.evidence}
        lost = shown_values(act, failure.typed, names) if act else []
    return MeasurePage(m, forms, timeline(session, m), pending,
                       [ev for ev in m.evidence if ev.report_version is not None],
                       evidence.may_upload(session, access, measure_id), lost)
