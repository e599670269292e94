"""One measure as its page shows it: the service's detail plus names, forms and the timeline with files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from engine.decide import Actor
from engine.errors import WorkflowError
from runtime.core import Runtime
from web.ui.common import ROLE_LABELS
from web.ui.forms import BOOL_WORDS, ActionForm, build_form, shown_values
from workflows import evidence
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform import service as measures
from workflows.reform.table import ACTION_LABELS, REFORM_MEASURE

SYSTEM = "系统（台账导入）"
HIDDEN_DATA = frozenset({"evidence", "source", "seq", "changes", "measure_id"})
DATA_LABELS = {"approved": "审批结果", "old_due_date": "原时间节点", "due_date": "时间节点"}


@dataclass
class Failure:
    """A form that did not go through: which action, what was typed, and what to say."""

    action: str
    message: str
    typed: Mapping[str, Any] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    stale: bool = False


@dataclass
class MeasurePage:
    m: dict
    forms: list[ActionForm]
    timeline: list[dict]
    pending: list[dict]
    reported_files: list[dict]
    may_upload: bool
    lost: list[tuple[str, str]]  # typed values of an action no longer possible


def people(session: Session, usernames: set[str]) -> dict[str, str]:
    """username -> "显示名（角色 · 单位）" for the timeline."""
    found = {name: SYSTEM for name in usernames if name == "system"}
    if not usernames:
        return found
    units = {u.id: u.name for u in session.exec(select(Unit))}
    for user in session.exec(select(User).where(User.username.in_(sorted(usernames)))):
        where = " · ".join(x for x in (ROLE_LABELS.get(user.role, user.role), units.get(user.unit_id, "")) if x)
        found[user.username] = f"{user.display_name or user.username}（{where}）"
    return found


def field_rows(action: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of an action's recorded fields, in the table's order and words."""
    act = REFORM_MEASURE.action(action)
    labels = {s.name: s.label for s in act.fields} if act else {}
    order = list(labels) + sorted(set(data) - set(labels))
    rows = []
    for name in order:
        value = data.get(name)
        if name in HIDDEN_DATA or value in (None, ""):
            continue
        if isinstance(value, bool):
            yes, no = BOOL_WORDS.get(name, ("是", "否"))
            value = yes if value else no
        rows.append((labels.get(name) or DATA_LABELS.get(name, name), str(value)))
    return rows


def timeline(session: Session, m: dict) -> list[dict]:
    names = people(session, {h["actor"] for h in m["history"]})
    files_by_version: dict[int, list[dict]] = {}
    for ev in m["evidence"]:
        if ev["report_version"] is not None:
            files_by_version.setdefault(ev["report_version"], []).append(ev)
    return [{**h, "who": names.get(h["actor"], h["actor"]), "label": ACTION_LABELS.get(h["action"], h["action"]),
             "fields": field_rows(h["action"], h["data"] or {}), "files": files_by_version.get(h["version"], [])}
            for h in m["history"]]


def may_upload(session: Session, measure_id: int, actor: Actor) -> bool:
    try:
        evidence.check_uploader(session, measure_id, actor)
    except WorkflowError:
        return False
    return True


def measure_page(session: Session, rt: Runtime, measure_id: int, actor: Actor,
                 failure: Failure | None = None) -> MeasurePage:
    m = measures.detail(session, rt.measures, measure_id, actor)
    pending = [ev for ev in m["evidence"] if ev["report_version"] is None]
    forms, lost = [], []
    for name in m["allowed_actions"]:
        act = REFORM_MEASURE.action(name)
        mine = failure is not None and failure.action == name
        forms.append(build_form(act, m["version"], failure.typed if mine else None,
                                failure.problems if mine else None, pending))
    if failure is not None and failure.action not in m["allowed_actions"]:
        act = REFORM_MEASURE.action(failure.action)
        names = {str(ev["id"]): ev["filename"] for ev in m["evidence"]}
        lost = shown_values(act, failure.typed, names) if act else []
    return MeasurePage(m, forms, timeline(session, m), pending,
                       [ev for ev in m["evidence"] if ev["report_version"] is not None],
                       may_upload(session, measure_id, actor), lost)
