"""工作台: what waits for this person, most urgent first, read through the measure service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from engine.decide import Actor
from engine.history import HistoryRecord
from web.ui.fetch import visible
from web.ui.measure_view import people
from workflows.calendar import CalendarUnknown, default_calendar
from workflows.lights import REVIEW_WITHIN, local_day
from workflows.reform.table import REFORM_MEASURE
from workflows.reform.views import instant

LIGHT_RANK = {"red": 0, "yellow": 1, "green": 2, None: 3}
UNIT_ROLES = frozenset({"unit_staff", "unit_head"})


@dataclass
class Task:
    measure: dict
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


def last_returns(session: Session, measure_ids: list[int]) -> dict[int, dict]:
    """For measures whose latest change of state was a return: who returned it, when and why."""
    if not measure_ids:
        return {}
    stmt = (select(HistoryRecord).where(HistoryRecord.workflow == REFORM_MEASURE.name,
                                        HistoryRecord.subject_id.in_(measure_ids),
                                        HistoryRecord.from_state != HistoryRecord.to_state)
            .order_by(HistoryRecord.seq))
    latest: dict[int, HistoryRecord] = {}
    for rec in session.exec(stmt):
        latest[rec.subject_id] = rec
    returned = {mid: rec for mid, rec in latest.items() if rec.action == "return"}
    names = people(session, {rec.actor_name for rec in returned.values()})
    return {mid: {"actor": names.get(rec.actor_name, rec.actor_name), "at": instant(rec.at), "reasons": rec.comment}
            for mid, rec in returned.items()}


def _urgency(m: dict, first: bool = False) -> tuple:
    """`first` ones (returned work) before the rest; then red, yellow, green; most overdue, earliest due."""
    detail = m.get("light_detail") or {}
    return (0 if first else 1, LIGHT_RANK.get(m.get("light"), 3), -(detail.get("overdue_workdays") or 0),
            m.get("due_date") or "9999", m["id"])


def unit_sections(session: Session, actor: Actor, unit: str, now: datetime) -> list[Section]:
    mine = [m for state in ("assigned", "in_progress") for m in visible(session, actor, now, state=state)]
    returns = last_returns(session, [m["id"] for m in mine if m["state"] == "in_progress"])
    lead, helping = [], []
    for m in mine:
        if m["units"] and m["units"][0] != unit:
            helping.append(Task(m, "协办：报送进展", "update_progress", rank=_urgency(m)))
        elif m["state"] == "assigned":
            lead.append(Task(m, "待签收", "start", rank=_urgency(m)))
        elif m["id"] in returns:
            lead.append(Task(m, "已退回，请补充后重新报送", "report", returned=returns[m["id"]],
                             rank=_urgency(m, first=True)))
        else:
            note = "延期申请待审批" if m.get("extension") else ""
            lead.append(Task(m, "待报送完成情况", "report", note=note, rank=_urgency(m)))
    lead.sort(key=lambda t: t.rank)  # returned work first: 督查办 is waiting for the fix
    helping.sort(key=lambda t: t.rank)
    return [Section("本单位主办：待办事项", lead, "暂无待办事项。"),
            Section("本单位协办：可报送进展", helping, "暂无协办事项。")]


def waited_workdays(m: dict, today: date) -> int | None:
    if not m.get("reported_at"):
        return None
    try:
        return default_calendar().workdays_between(local_day(datetime.fromisoformat(m["reported_at"])), today)
    except CalendarUnknown:
        return None


def supervisor_sections(session: Session, actor: Actor, now: datetime) -> list[Section]:
    today = local_day(now)
    waiting = []
    for m in visible(session, actor, now, state="reported"):
        days = waited_workdays(m, today)
        note = f"已超过 {REVIEW_WITHIN} 个工作日" if days is not None and days > REVIEW_WITHIN else ""
        waiting.append(Task(m, "待核验", "approve", waited=days, note=note, rank=(-(days or 0), m["id"])))
    waiting.sort(key=lambda t: t.rank)
    extensions = [Task(m, f"延期申请：申请延至 {m['extension']['proposed_due_date']}", "decide_extension",
                       note=m["extension"]["reason"], rank=_urgency(m))
                  for m in visible(session, actor, now, state="in_progress") if m.get("extension")]
    extensions.sort(key=lambda t: t.rank)
    return [Section("待核验的报送（等待最久的在前）", waiting, "没有待核验的报送。"),
            Section("待审批的延期申请", extensions, "没有待审批的延期申请。")]


def office_sections(session: Session, actor: Actor, now: datetime) -> list[Section]:
    verified = sorted((Task(m, "待评估", "evaluate", rank=(m.get("verified_at") or "", m["id"]))
                       for m in visible(session, actor, now, state="verified")), key=lambda t: t.rank)
    evaluated = [Task(m, "待复制推广或调整优化", "replicate" if m.get("rating") != "差" else "adjust",
                      note=f"评估等级：{m.get('rating') or '—'}", rank=(m["id"],))
                 for m in visible(session, actor, now, state="evaluated")]
    return [Section("已核验，待评估", verified, "没有待评估的举措。"),
            Section("已评估，待复制推广", evaluated, "没有待复制推广的举措。")]


def sections_for(session: Session, actor: Actor, unit: str, now: datetime) -> list[Section]:
    if actor.role in UNIT_ROLES:
        return unit_sections(session, actor, unit, now)
    if actor.role == "supervisor":
        return supervisor_sections(session, actor, now)
    if actor.role == "office":
        return office_sections(session, actor, now)
    return []
