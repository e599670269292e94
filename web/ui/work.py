"""工作台: what waits for this person, most urgent first, read through the measure service.

Which sections a person sees follows from the table: a section lists the measures in states with a tag,
and is shown to the roles that may take its action there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlmodel import Session

from engine.history import HistoryRecord
from runtime.core import Runtime
from web.ui.common import cn_date
from web.ui.measure_view import deadline_words, people
from workflows.access import Access
from workflows.calendar import CalendarUnknown
from workflows.lights import LIGHTS, local_day
from workflows.models import Measure
from workflows.reform.table import REFORM_MEASURE as DEFN

LIGHT_RANK = {"red": 0, "yellow": 1, "green": 2, None: 3}
OWES_WORK, UNSTARTED = DEFN.tagged("owes_work"), DEFN.tagged("unstarted")
RETURNS = DEFN.actions_tagged("returns")
SHOWN = 50  # a see-all section lists its most urgent SHOWN; the count and the ledger give the rest


@dataclass
class Task:
    measure: object  # a MeasureSummary
    todo: str  # the next step in Chinese
    action: str  # the action it leads to
    returned: dict | None = None  # the last return: actor, at, reasons
    waited: int | None = None  # working days a report has waited for 督查办
    note: str = ""
    rank: tuple = field(default=(), repr=False)


@dataclass
class Section:
    title: str
    tasks: list[Task]
    empty: str
    total: int | None = None  # when more wait than are listed


def tagged(tag: str):
    return Measure.state.in_(sorted(DEFN.tagged(tag)))


def urgent_first(rt: Runtime):
    """SQL order of `urgency`: red, yellow, green, no light; the earliest deadline (the most overdue) first."""
    light = rt.measures.light_of(rt.measures.light_sql(rt.clock.now()))
    rank = case(*((light == name, LIGHT_RANK[name]) for name in LIGHTS), else_=LIGHT_RANK[None])
    return rank, Measure.due_date.is_(None), Measure.due_date, Measure.id


def capped(rt: Runtime, session: Session, access: Access, where, order) -> tuple[list, int | None]:
    """The first SHOWN measures in `order`, and how many match when that is more."""
    rows = rt.measures.every(session, access, where=where, order=order, limit=SHOWN)
    if len(rows) < SHOWN:
        return rows, None
    count = session.execute(access.filter(select(func.count(Measure.id)).where(where))).scalar_one()
    return rows, count if count > len(rows) else None


def last_returns(session: Session, measure_ids: list[int]) -> dict[int, dict]:
    """For measures whose latest change of state was a return: who returned it, when and why."""
    if not measure_ids:
        return {}
    stmt = (select(HistoryRecord).where(HistoryRecord.workflow == DEFN.name,
                                        HistoryRecord.subject_id.in_(measure_ids),
                                        HistoryRecord.from_state != HistoryRecord.to_state)
            .order_by(HistoryRecord.seq))
    latest: dict[int, HistoryRecord] = {}
    for rec in session.execute(stmt).scalars():
        latest[rec.subject_id] = rec
    returned = {mid: rec for mid, rec in latest.items() if rec.action in RETURNS}
    names = people(session, {rec.actor_name for rec in returned.values()})
    return {mid: {"actor": names.get(rec.actor_name, rec.actor_name), "at": rec.at, "reasons": rec.comment}
            for mid, rec in returned.items()}


def urgency(m, first: bool = False) -> tuple:
    """`first` ones (returned work) before the rest; then red, yellow, green; most overdue, earliest due."""
    light = str(m.light) if m.light else None
    return (0 if first else 1, LIGHT_RANK.get(light, 3), -(m.light_detail.overdue_workdays or 0),
            m.due_date or date.max, m.id)


def may_take(access: Access, tag: str) -> bool:
    return any(access.actor.role in DEFN.action(a).roles for a in DEFN.actions_tagged(tag))


def unit_sections(rt: Runtime, session: Session, access: Access, unit: str) -> list[Section]:
    mine = rt.measures.every(session, access, where=tagged("owes_work"))
    returns = last_returns(session, [m.id for m in mine if m.state not in UNSTARTED])
    lead, helping = [], []
    for m in mine:
        if m.primary_unit != unit:
            helping.append(Task(m, "共同牵头：报送进展", "update_progress", rank=urgency(m)))
        elif m.state in UNSTARTED:
            lead.append(Task(m, "待签收", DEFN.actions_tagged("starts")[0], rank=urgency(m)))
        elif m.id in returns:
            lead.append(Task(m, "已退回，请补充后重新报送", "report", returned=returns[m.id],
                             rank=urgency(m, first=True)))
        else:
            note = "延期申请待审批" if m.extension else ""
            lead.append(Task(m, "待报送完成情况", "report", note=note, rank=urgency(m)))
    lead.sort(key=lambda t: t.rank)  # returned work first: 督查办 is waiting for the fix
    helping.sort(key=lambda t: t.rank)
    return [Section("本单位为第一牵头单位：待办事项", lead, "暂无待办事项。"),
            Section("本单位为共同牵头单位：可报送进展", helping, "暂无共同牵头事项。")]


def waited_workdays(rt: Runtime, m, today: date) -> int | None:
    if not m.reported_at:
        return None
    try:
        return rt.calendar.workdays_between(local_day(m.reported_at), today)
    except CalendarUnknown:
        return None


def review_sections(rt: Runtime, session: Session, access: Access) -> list[Section]:
    today, within = local_day(rt.clock.now()), rt.config.ladder.review_within
    waiting = []
    rows, waiting_total = capped(rt, session, access, tagged("awaiting_review"),
                                 (Measure.reported_at.is_(None), Measure.reported_at, Measure.id))
    for m in rows:
        days = waited_workdays(rt, m, today)
        late = within is not None and days is not None and days > within
        waiting.append(Task(m, "待核验", DEFN.actions_tagged("verifies")[0], waited=days,
                            note=f"已超过 {within} 个工作日" if late else "", rank=(-(days or 0), m.id)))
    waiting.sort(key=lambda t: t.rank)
    rows, asked = capped(rt, session, access, tagged("owes_work") & Measure.extension_date.is_not(None),
                         urgent_first(rt))
    extensions = [Task(m, f"延期申请：申请延至 {cn_date(m.extension.proposed_due_date)}", "decide_extension",
                       note=m.extension.reason, rank=urgency(m)) for m in rows]
    extensions.sort(key=lambda t: t.rank)
    out = []
    if may_take(access, "verifies"):
        out.append(Section("待核验的报送（等待最久的在前）", waiting, "没有待核验的报送。", waiting_total))
    if may_take(access, "decides_extension"):
        out.append(Section("待审批的延期申请", extensions, "没有待审批的延期申请。", asked))
    return out


def evaluation_sections(rt: Runtime, session: Session, access: Access) -> list[Section]:
    if not may_take(access, "evaluates"):
        return []
    rows, verified_total = capped(rt, session, access, tagged("awaiting_evaluation"),
                                  (Measure.verified_at.is_not(None), Measure.verified_at, Measure.id))
    verified = [Task(m, "待评估", DEFN.actions_tagged("evaluates")[0]) for m in rows]
    rows, evaluated_total = capped(rt, session, access, tagged("awaiting_replication"), (Measure.id,))
    evaluated = [Task(m, "待复制推广或调整优化", "replicate" if m.rating != "差" else "adjust",
                      note=f"评估等级：{m.rating or '—'}") for m in rows]
    return [Section("已核验，待评估", verified, "没有待评估的举措。", verified_total),
            Section("已评估，待复制推广", evaluated, "没有待复制推广的举措。", evaluated_total)]


def sections_for(rt: Runtime, session: Session, access: Access, unit: str) -> list[Section]:
    if access.is_unit_user:
        return unit_sections(rt, session, access, unit)
    return review_sections(rt, session, access) + evaluation_sections(rt, session, access)


def next_line(sections: list[Section], review_within: int | None, others: list | None = None) -> str:
    """The workbench's one line at the top: the most urgent task of the first section that has one, and by when;
    without one, the first of `others` (the supervision pages' work lines: problems, 批示) this person must act on."""
    tasks = [t for s in sections for t in s.tasks]
    if not tasks:
        acting = [w for w in others or [] if not w.todo.startswith("等待")]  # "等待…" lines follow others' work
        if acting:
            w = acting[0]
            when = f"，期限 {cn_date(w.due)}" if w.due else ""
            more = f"另有 {len(acting) - 1} 项待办，见下方列表。" if len(acting) > 1 else ""
            return f"{w.todo}：“{w.title}”{when}。{more}"
        waiting = len(others or [])
        if waiting:
            return f"您目前没有需要办理的事项；下方 {waiting} 项正在等待其他单位办理。"
        return "您目前没有待办事项。新的交办、退回或待核验事项会出现在这里，并同时通知您。"
    t, m = tasks[0], tasks[0].measure
    what = f"“{m.item_no}. {m.text if len(m.text) <= 24 else m.text[:23] + '…'}”"
    if t.waited is not None:
        limit = f"，应在报送后 {review_within} 个工作日内核验" if review_within is not None else ""
        when = f"报送已等待 {t.waited} 个工作日{limit}"
    elif m.state in OWES_WORK and m.light_detail and m.light_detail.overdue_workdays:
        when = f"时间节点 {cn_date(m.due_date)} 已过（逾期 {m.light_detail.overdue_workdays} 个工作日），请尽快完成"
    elif m.state in OWES_WORK:
        when = f"{deadline_words(m)}完成"
    else:
        when = f"{cn_date(m.verified_at)}核验通过，请尽快办理" if m.verified_at else "请尽快办理"
    more = f"另有 {len(tasks) - 1} 项待办，见下方列表。" if len(tasks) > 1 else ""
    return f"{t.todo}：{what}，{when}。{more}"
