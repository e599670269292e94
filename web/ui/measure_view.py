"""One subject as its page shows it: the service's detail plus names, forms and the timeline with files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.definition import WorkflowDefinition
from runtime.core import Runtime
from web.ui.common import cn_date
from web.ui.forms import ActionForm, anything_typed, build_form, shown_values
from workflows import evidence
from workflows.access import Access
from workflows.accounts_models import User
from workflows.models import Replication, Unit
from workflows.reform.binding import earlier_evidence
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

    @property
    def kept(self) -> bool:
        """Whether there is typed text to speak of (say "kept" only then)."""
        return anything_typed(self.typed)


@dataclass
class Round:
    """One 报送批次: the files a submit/report carried, and the 退回理由 if it was sent back or returned."""

    no: int
    label: str  # the action that carried it (提交审签, 报送完成情况)
    at: Any
    who: str
    files: list
    returned_by: str = ""
    returned_at: Any = None
    reasons: str = ""


@dataclass
class MeasurePage:
    m: Any  # the MeasureDetail read model
    forms: list[ActionForm]
    timeline: list[dict]
    pending: list
    reported_files: list
    may_upload: bool
    lost: list[tuple[str, str]]  # typed values of an action no longer possible
    primary: str | None = None  # the one action this person is expected to take next
    next_step: str = ""  # what this person must do next, and by when, in one line
    rounds: list[Round] = field(default_factory=list)
    returned: Round | None = None  # the latest round, when it came back and is not yet reported again
    earlier: list = field(default_factory=list)  # files of earlier rounds, offered again when re-reporting
    replication: Replication | None = None  # the latest 复制推广: its 推广范围 and 推广说明

    @property
    def pending_and_earlier(self) -> list:
        return [*self.pending, *self.earlier]


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


CARRIES_FILES = frozenset(a.name for a in REFORM_MEASURE.actions if any(f.kind == "files" for f in a.fields))
COMES_BACK = frozenset(REFORM_MEASURE.actions_tagged("returns") + REFORM_MEASURE.actions_tagged("sends_back"))
# The order in which a person's possible actions are offered: the first one they may take is the primary.
PRIMARY_TAGS = ("starts", "signs_off", "submits", "reports", "verifies", "decides_extension", "evaluates",
                "replicates", "progress")


def rounds_of(m, names: Mapping[str, str]) -> list[Round]:
    """The 报送批次 in order, each with its files and, when it came back, who sent it back and why."""
    files: dict[int, list] = {}
    for ev in m.evidence:
        if ev.report_version is not None:
            files.setdefault(ev.report_version, []).append(ev)
    out: list[Round] = []
    for h in m.history:
        if h.action in CARRIES_FILES:
            out.append(Round(len(out) + 1, h.action_label, h.at, names.get(h.actor, h.actor), files.get(h.version, [])))
        elif h.action in COMES_BACK and out:
            last = out[-1]
            last.returned_by, last.returned_at, last.reasons = names.get(h.actor, h.actor), h.at, h.comment
    return out


def primary_action(allowed: list[str]) -> str | None:
    for tag in PRIMARY_TAGS:
        for name in REFORM_MEASURE.actions_tagged(tag):
            if name in allowed:
                return name
    return None


def deadline_words(m) -> str:
    due = f"请在 {cn_date(m.due_date)} 前" if m.due_date else "请尽快"
    overdue = m.light_detail.overdue_workdays if m.light_detail else None
    return f"{due}（已逾期 {overdue} 个工作日）" if overdue else due


def next_step_line(m, primary: str | None, returned: Round | None) -> str:
    """One sentence: what this person does next and by when, from the state, their actions and the deadline."""
    if primary is None:
        step = REFORM_MEASURE.state(m.state).next_step
        return f"您目前无需办理此举措：{step}。" if step else "您目前无需办理此举措。"
    tags = REFORM_MEASURE.action(primary).tags
    label = REFORM_MEASURE.action_label(primary)
    if "starts" in tags:
        return f"{deadline_words(m)}完成：先“{label}”，再报送完成情况。"
    if "signs_off" in tags:
        return "经办人已提交完成情况，请您审签：核对后“审签报送”督查办，或写明理由“退回修改”。"
    if tags & {"submits", "reports"}:
        then = "提交单位负责人审签" if "submits" in tags else "报送督查办核验"
        if returned is not None:
            return f"已被退回：请按退回理由补充，{deadline_words(m)}重新“{label}”（{then}）。"
        return f"{deadline_words(m)}填写完成情况、附佐证材料，“{label}”（{then}）。"
    if "verifies" in tags:
        return "请核验报送的完成情况：“核验通过”，或写明理由“退回”。"
    if "decides_extension" in tags:
        return f"请审批延期申请（申请延至 {cn_date(m.extension.proposed_due_date) if m.extension else '—'}）。"
    if "evaluates" in tags:
        return "请评估此举措：评估等级与市场主体满意度。"
    if "replicates" in tags:
        return "请“复制推广”此举措，或“调整优化”。"
    return f"{deadline_words(m)}“{label}”。"


def measure_page(session: Session, rt: Runtime, access: Access, measure_id: int,
                 failure: Failure | None = None) -> MeasurePage:
    m = rt.measures.detail(session, access, measure_id)
    pending = [ev for ev in m.evidence if ev.report_version is None]
    earlier = earlier_evidence(session, measure_id)
    forms, lost = [], []
    allowed = [str(a) for a in m.allowed_actions]
    for name in allowed:
        act = REFORM_MEASURE.action(name)
        mine = failure is not None and failure.action == name
        forms.append(build_form(act, m.version, failure.typed if mine else None,
                                failure.problems if mine else None, [*pending, *earlier], rt.config.limits.text_max))
    if failure is not None and failure.action not in allowed:
        act = REFORM_MEASURE.action(failure.action)
        names = {str(ev.id): ev.filename for ev in m.evidence}
        lost = shown_values(act, failure.typed, names) if act else []
    primary = primary_action(allowed)
    forms.sort(key=lambda f: f.action != primary)  # the primary form first, the rest behind disclosures
    rounds = rounds_of(m, people(session, {h.actor for h in m.history}))
    owes = "owes_work" in REFORM_MEASURE.state(m.state).tags
    returned = rounds[-1] if rounds and rounds[-1].reasons and owes else None
    return MeasurePage(m, forms, timeline(session, m), pending,
                       [ev for ev in m.evidence if ev.report_version is not None],
                       evidence.may_upload(session, access, measure_id), lost, primary,
                       next_step_line(m, primary, returned), rounds, returned, earlier,
                       latest_replication(session, measure_id))


def latest_replication(session: Session, measure_id: int) -> Replication | None:
    stmt = (select(Replication).where(Replication.measure_id == measure_id)
            .order_by(Replication.at.desc(), Replication.id.desc()).limit(1))
    return session.execute(stmt).scalars().first()
