"""A small ledger built by hand, and a driver that walks measures through the real workflow at chosen times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from config.settings import SHANGHAI
from engine.db import write_session
from tests.api_support import headers, people
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Category, Evidence, Item, Measure, MeasureUnit, Plan, Unit

UNITS = ("区市场监管局", "区财政局", "区政务办")


def bj(text: str) -> datetime:
    """A Beijing wall-clock instant: bj('2022-06-10 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@dataclass
class World:
    rt: object
    measures: list[int] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def act(self, measure_id: int, action: str, username: str, at: str, **fields) -> None:
        """Fire one action as `username` at Beijing time `at` through the engine's service."""
        self.rt.clock.set(bj(at))
        actor = accounts.actor_for(self.users[username])
        with write_session(self.rt.engine) as session:
            row = session.get(Measure, measure_id)
            if action == "report" and "evidence" not in fields:
                fields["evidence"] = [self._evidence(session, measure_id, username, at)]
            fields.setdefault("comment", f"{action} {measure_id}")
            self.rt.measures.fire(session, row, action, actor, fields, row.version)

    def _evidence(self, session: Session, measure_id: int, username: str, at: str) -> int:
        ev = Evidence(measure_id=measure_id, sha256="0" * 64, filename="佐证.pdf", content_type="application/pdf",
                      size=10, uploaded_by=self.users[username].id, uploaded_at=bj(at))
        session.add(ev)
        session.flush()
        return ev.id

    def finish(self, measure_id: int, clerk: str, at_report: str, at_approve: str) -> None:
        self.act(measure_id, "start", clerk, at_report)
        self.act(measure_id, "report", clerk, at_report)
        self.act(measure_id, "approve", "reviewer", at_approve)


# (category, item number, item title, class, measure text, units, due date, declared done)
ROWS = (
    (1, "1", "一照多址改革", "率先形成试点成果", "经营场所备案", ("区市场监管局",), date(2022, 6, 30), False),
    (1, "2", "分支机构信息变更", "发掘特色亮点", "连锁门店变更", ("区市场监管局",), date(2022, 5, 31), False),
    (1, "3", "清除招投标隐性门槛", None, "清理政府采购", ("区财政局",), date(2022, 6, 10), False),
    (1, "3", "清除招投标隐性门槛", None, "招投标专项整治", ("区政务办", "区财政局"), date(2022, 12, 31), False),
    (2, "4", "数字证书互认", "等高对接先进地区经验", "CA 推广应用", ("区政务办",), date(2022, 6, 15), False),
    (2, "5", "电子证照互认", "率先形成试点成果", "电子证照", ("区财政局",), None, True),
)


def build(rt, *, import_at: str = "2022-05-30 09:00") -> World:
    """Plan issued 2022-05-27, two categories, six measures imported at `import_at`, and people of each role."""
    world = World(rt)
    rt.clock.set(bj(import_at))
    with write_session(rt.engine) as session:
        plan = Plan(code="t-2022", title="测试方案", doc_no="测试〔2022〕1号", issued_on=date(2022, 5, 27),
                    issuer="区政府")
        session.add(plan)
        session.flush()
        cats = {n: Category(plan_id=plan.id, seq=n, title=f"{'一二'[n - 1]}、第{n}类") for n in (1, 2)}
        session.add_all(cats.values())
        units = {name: _unit(session, name) for name in UNITS}
        session.flush()
        items: dict[tuple, Item] = {}
        for seq, (cat, no, title, klass, text, unit_names, due, done) in enumerate(ROWS, start=1):
            key = (no, title)
            if key not in items:
                items[key] = Item(plan_id=plan.id, category_id=cats[cat].id, seq=len(items) + 1, item_no=no,
                                  title=title, klass=klass)
                session.add(items[key])
                session.flush()
            m = Measure(plan_id=plan.id, item_id=items[key].id, seq=seq, text=text, due_date=due,
                        due_text=f"{due:%Y年%-m月}" if due else "已完成", declared_done=done,
                        state="reported" if done else "assigned", key=seq == 1,
                        reported_at=bj(import_at) if done else None)
            session.add(m)
            session.flush()
            for pos, name in enumerate(unit_names):
                session.add(MeasureUnit(measure_id=m.id, unit_id=units[name].id, position=pos))
            rt.measures.created(session, m, "导入", action="import")
            world.measures.append(m.id)
    world.users = _people(rt)
    return world


def _unit(session: Session, name: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.name == name)).first() or Unit(name=name, kind="lead")
    session.add(unit)
    return unit


def _people(rt) -> dict[str, User]:
    return people(rt, {"scjg": ("unit_staff", "区市场监管局"), "cz": ("unit_staff", "区财政局"),
                       "zw": ("unit_staff", "区政务办"), "reviewer": ("supervisor", None), "office": ("office", None),
                       "admin": ("admin", None)})


token = headers  # bearer-token headers for a user


def add_escalation(rt, measure_id: int, level: str, fired_at: str, status: str = "fired") -> None:
    from workflows.models import Escalation

    with write_session(rt.engine) as session:
        m = session.get(Measure, measure_id)
        session.add(Escalation(measure_id=measure_id, level=level, deadline_version=m.deadline_version,
                               due_date=m.due_date or date(2022, 5, 27), fire_on=bj(fired_at).date(),
                               fired_at=bj(fired_at), status=status, recipients="head@wulong.example"))


def add_milestone(rt, world: World, measure_id: int, due: date, text: str, done_at: str | None = None) -> None:
    from workflows.models import Milestone

    with write_session(rt.engine) as session:
        session.add(Milestone(measure_id=measure_id, due_date=due, description=text,
                              done_at=bj(done_at) if done_at else None, created_by=world.users["admin"].id,
                              created_at=bj("2022-05-30 10:00")))


def june_scenario(rt) -> World:
    """Six measures through May and June 2022, with returns, progress, late work, escalations and milestones.

    m0 市场监管局 due 6-30: reported, returned, reported again and verified in June, on time.
    m1 市场监管局 due 5-31: never started: overdue.  m2 财政局 due 6-10: reported late, verified in June.
    m3 政务办 (+财政局) due 12-31: in progress with progress.  m4 政务办 due 6-15: reported, returned: overdue.
    m5 财政局 已完成: verified in May.
    """
    w = build(rt)
    m = w.measures
    w.act(m[4], "start", "zw", "2022-05-31 09:00")
    w.act(m[5], "approve", "reviewer", "2022-05-31 16:00")
    w.act(m[4], "report", "zw", "2022-06-01 09:30")
    w.act(m[0], "start", "scjg", "2022-06-01 10:00")
    w.act(m[3], "start", "zw", "2022-06-01 11:00")
    w.act(m[2], "start", "cz", "2022-06-02 10:00")
    w.act(m[4], "return", "reviewer", "2022-06-02 15:00", comment="佐证材料不全")
    w.act(m[0], "update_progress", "scjg", "2022-06-05 10:00", percent=50, comment="已起草方案")
    w.act(m[0], "report", "scjg", "2022-06-06 10:00")
    w.act(m[0], "return", "reviewer", "2022-06-07 10:00", comment="请补充备案数据")
    w.act(m[0], "report", "scjg", "2022-06-08 10:00")
    w.act(m[0], "approve", "reviewer", "2022-06-09 10:00")
    w.act(m[2], "report", "cz", "2022-06-13 10:00")
    w.act(m[2], "approve", "reviewer", "2022-06-14 10:00")
    w.act(m[3], "update_progress", "zw", "2022-06-15 10:00", percent=30, comment="召开推进会")
    add_escalation(rt, m[1], "L0", "2022-05-31 08:00")
    add_escalation(rt, m[1], "L1", "2022-06-01 00:30")  # 5-31 16:30 UTC: June in Beijing
    add_escalation(rt, m[1], "L2", "2022-06-09 09:00")
    add_escalation(rt, m[4], "L0", "2022-06-08 09:00")
    add_escalation(rt, m[2], "L1", "2022-06-13 09:00", status="superseded")
    add_milestone(rt, w, m[1], date(2022, 6, 10), "完成调研")
    add_milestone(rt, w, m[3], date(2022, 6, 15), "出台方案", done_at="2022-06-14 09:00")
    add_milestone(rt, w, m[3], date(2022, 6, 17), "开展培训")
    add_milestone(rt, w, m[0], date(2022, 6, 5), "征求意见")
    rt.clock.set(bj("2022-06-20 09:00"))
    return w
