"""What the supervision pages show: a generic subject page drawn from its kind's table, the measure page's panels
(problems, 批示, 推进会议, 催办) and the 工作台's section of problems, 批示 and drafts waiting for this person."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from engine.definition import Action, WorkflowDefinition
from runtime.core import Runtime
from web.kinds import Kind
from web.ui.common import cn_date
from web.ui.forms import ActionForm, build_form, shown_values
from web.ui.measure_view import Failure, timeline
from workflows.access import Access
from workflows.accounts_models import User
from workflows.documents.table import DOCUMENT
from workflows.instructions.table import INSTRUCT, INSTRUCTION
from workflows.meetings.table import RECORD as RECORD_MEETING
from workflows.problems.service import ProblemQuery
from workflows.problems.table import PROBLEM, RAISE, RECORD
from workflows.reform.links import links_of
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG
from workflows.supervision_models import Document, Problem

HANDS_OUT = frozenset({"assign_units", "assign_due_date"})  # the meeting fields that assign referred problems
URGES = [REFORM_MEASURE.action(a) for a in REFORM_MEASURE.actions_tagged("urges")]
REPLY = INSTRUCTION.action(INSTRUCTION.actions_tagged("answers")[0])


@dataclass
class SubjectPage:
    """One subject of any registered kind: its read model, the forms of what this person may do, its history."""

    s: Any
    kind: Kind
    forms: list[ActionForm]
    timeline: list[dict]
    pending: list
    lost: list[tuple[str, str]]
    meetings: list = field(default_factory=list)


def forms_for(defn: WorkflowDefinition, allowed: list[str], version: int, failure: Failure | None,
              pending: list, text_max: int) -> tuple[list[ActionForm], list[tuple[str, str]]]:
    """A form per allowed action, refilled when it is the one that failed; what was typed for one no longer open."""
    forms = []
    for name in allowed:
        mine = failure is not None and failure.action == name
        forms.append(build_form(defn.action(name), version, failure.typed if mine else None,
                                failure.problems if mine else None, pending, text_max))
    lost: list[tuple[str, str]] = []
    if failure is not None and failure.action not in allowed and (act := defn.action(failure.action)):
        lost = shown_values(act, failure.typed, {})
    return forms, lost


def subject_page(session: Session, rt: Runtime, access: Access, kind: Kind, subject_id: int,
                 failure: Failure | None = None) -> SubjectPage:
    s = kind.detail(rt, session, access, subject_id)
    evidence = list(getattr(s, "evidence", []))
    forms, lost = forms_for(kind.definition, [str(a) for a in s.allowed_actions], s.version, failure, evidence,
                            rt.config.limits.text_max)
    meetings = rt.meetings.about(session, kind.definition.name, subject_id) if rt.meetings else []
    return SubjectPage(s, kind, forms, readable(timeline(session, s, kind.definition)), evidence, lost, meetings)


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def readable(entries: list[dict]) -> list[dict]:
    """Recorded dates as people read them (2022年7月15日); a field that only repeats the comment left out."""
    for t in entries:
        comment = t["h"].comment
        t["fields"] = [(label, cn_date(date.fromisoformat(v)) if ISO_DAY.match(v) else v)
                       for label, v in t["fields"] if v != comment]
    return entries


def creation_form(act: Action, failure: Failure | None, text_max: int) -> ActionForm:
    mine = failure is not None and failure.action == act.name
    return build_form(act, 0, failure.typed if mine else None, failure.problems if mine else None, None, text_max)


def leaders(session: Session) -> list[tuple[str, str]]:
    stmt = select(User).where(User.role.in_(sorted(ORG.group("leaders"))), User.active).order_by(User.id)
    return [(str(u.id), u.display_name or u.username) for u in session.execute(stmt).scalars()]


@dataclass
class MeasurePanels:
    """The measure page's supervision section: what hangs off the measure and the forms this person may use."""

    raise_form: ActionForm | None = None
    finding_form: ActionForm | None = None
    instruct_form: ActionForm | None = None
    meeting_form: ActionForm | None = None
    replies: dict[int, ActionForm] = field(default_factory=dict)  # instruction id -> its reply form
    urged_today: bool = False
    documents: list = field(default_factory=list)


def measure_panels(session: Session, rt: Runtime, access: Access, m: Any, failure: Failure | None) -> MeasurePanels:
    role, text_max = access.actor.role, rt.config.limits.text_max
    links = links_of(session, m.id)
    lead = access.is_lead(links)
    out = MeasurePanels()
    if role in RAISE.roles and lead:
        out.raise_form = creation_form(RAISE, failure, text_max)
    if role in RECORD.roles:
        out.finding_form = creation_form(RECORD, failure, text_max)
    if role in INSTRUCT.roles:
        out.instruct_form = creation_form(INSTRUCT, failure, text_max)
        if not ORG.in_group(role, "leaders"):  # 营商办 names the leader whose 批示 it enters
            for c in out.instruct_form.controls:
                if c.name == "on_behalf_of":
                    c.widget, c.required, c.choices = "select", True, leaders(session)
    if role in RECORD_MEETING.roles and (lead or not access.is_unit_user):
        out.meeting_form = creation_form(RECORD_MEETING, failure, text_max)
        for c in out.meeting_form.controls:
            if c.name == "measures" and not c.value:
                c.value = str(m.id)
        if access.is_unit_user:  # only 营商办 hands problems out by a meeting's decision (its fields say so)
            out.meeting_form.controls = [c for c in out.meeting_form.controls if c.name not in HANDS_OUT]
    for ins in m.instructions:
        if REPLY.name in ins.allowed_actions:
            typed = failure.typed if failure and failure.action == f"{REPLY.name}-{ins.id}" else None
            out.replies[ins.id] = build_form(REPLY, ins.version, typed, None, None, text_max)
    may_urge = any(role in a.roles and m.state in a.source for a in URGES)
    out.urged_today = may_urge and not any(a.name in [str(x) for x in m.allowed_actions] for a in URGES)
    out.documents = rt.documents.list(session, access, None, m.id).items if rt.documents else []
    return out


@dataclass
class WorkLine:
    href: str
    title: str
    text: str
    todo: str
    state_label: str
    due: Any = None
    age_days: int | None = None


def supervision_work(rt: Runtime, session: Session, access: Access) -> list[tuple[str, list[WorkLine], str]]:
    """(title, lines, empty text) for the 工作台: problems this person can act on, 批示 to answer, drafts to issue."""
    out = []
    problems = []
    listed = rt.problems.list(session, access, ProblemQuery(open_only=True)).items if rt.problems else []
    for p in listed:
        row = session.get(Problem, p.id)
        allowed = rt.problems.workflow.allowed(session, row, access.actor)
        if allowed:
            todo = "、".join(PROBLEM.action_label(a) for a in allowed)
            problems.append(WorkLine(f"/problems/{p.id}", f"{p.item_no}. {p.origin_label}", p.text, todo,
                                     p.state_label, p.due_date, p.age_days))
    if problems or access.is_unit_user or access.in_group("central"):
        out.append(("待办理的问题（问题协调、督查整改）", problems, "没有需要您办理的问题。"))
    if rt.instructions and access.is_unit_user:
        lines = []
        for row in rt.instructions.open_rows(session, access):
            view = rt.instructions.view(session, access, row)
            if REPLY.name in view.allowed_actions:
                lines.append(WorkLine(f"/measures/{row.measure_id}#instruction-{row.id}", f"{view.by} 批示",
                                      view.text, REPLY.title, view.state_label, None, None))
        out.append(("待报告落实情况的批示", lines, "没有待落实的批示。"))
    if access.in_group("leaders"):  # a leader follows their own 批示 until the units answer
        lines = [WorkLine(f"/measures/{row.measure_id}#instruction-{row.id}", "我的批示", row.text, "等待落实情况",
                          INSTRUCTION.label(row.state))
                 for row in rt.instructions.open_rows(session, access) if row.leader_id == access.actor.id]
        out.append(("我的批示：等待牵头单位落实", lines, "您的批示都已有落实情况。"))
    if rt.documents and any(access.actor.role in a.roles for a in DOCUMENT.actions):
        drafts = session.execute(select(Document).where(Document.state.in_(sorted(DOCUMENT.tagged("editable"))))
                                 .order_by(Document.created_at, Document.id).limit(100)).scalars()
        lines = [WorkLine(f"/documents/{d.id}", d.number, d.title, "核改后印发", DOCUMENT.label(d.state))
                 for d in drafts]
        out.append(("待印发的督办文书", lines, "没有待印发的文书草稿。"))
    return out


DONE = {RAISE.name: "问题已提出，等待营商办受理。", RECORD.name: "督查发现问题已记录，已通知牵头单位整改。",
        INSTRUCT.name: "批示已录入，已通知牵头单位。", REPLY.name: "落实情况已报告。",
        RECORD_MEETING.name: "推进会议已记录。"}


def done_message(ok: str | None) -> str | None:
    """What the measure page says after one of the supervision forms went through."""
    return DONE.get(ok or "")
