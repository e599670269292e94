"""Measures made by hand for the escalation tests: one plan, lead units with heads, people by role."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from config.settings import SHANGHAI
from engine.db import write_session
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Category, Escalation, Item, Measure, MeasureUnit, Plan, Unit
from workflows.sweep import SweepResult, sweep

LEAD_UNITS = {"区市场监管局": "scjg-head@wulong.example", "区财政局": "cz-head@wulong.example"}


def bj(text: str) -> datetime:
    """A Beijing wall-clock instant: bj('2022-06-10 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def plan(rt) -> int:
    """The plan, one category and item, and the lead units with their heads' addresses."""
    with write_session(rt.engine) as session:
        existing = session.exec(select(Plan).where(Plan.code == "esc-test")).first()
        if existing:
            return existing.id
        p = Plan(code="esc-test", title="测试方案", issued_on=date(2022, 5, 27))
        session.add(p)
        session.flush()
        cat = Category(plan_id=p.id, seq=1, title="一、测试类")
        session.add(cat)
        session.flush()
        session.add(Item(plan_id=p.id, category_id=cat.id, seq=1, item_no="7", title="一照多址改革"))
        for name, email in LEAD_UNITS.items():
            session.add(Unit(name=name, kind="lead", head_name=f"{name}负责人", head_email=email))
        return p.id


def measure(rt, due: date | None, *, unit: str = "区市场监管局", state: str = "in_progress",
            text: str = "推行经营场所备案制", reported_at: datetime | None = None,
            extension_date: date | None = None, co_units: tuple[str, ...] = ()) -> int:
    plan_id = plan(rt)
    with write_session(rt.engine) as session:
        item = session.exec(select(Item).where(Item.plan_id == plan_id)).first()
        seq = len(session.exec(select(Measure.id).where(Measure.plan_id == plan_id)).all()) + 1
        # stored in UTC like every instant the workflow writes (SQLite keeps no offset)
        m = Measure(plan_id=plan_id, item_id=item.id, seq=seq, text=text, due_date=due, state=state,
                    reported_at=reported_at.astimezone(UTC) if reported_at else None,
                    extension_date=extension_date)
        session.add(m)
        session.flush()
        for pos, name in enumerate((unit, *co_units)):
            u = session.exec(select(Unit).where(Unit.name == name)).one()
            session.add(MeasureUnit(measure_id=m.id, unit_id=u.id, position=pos))
        return m.id


def people(rt, *who: tuple[str, str, str | None]) -> None:
    """Users (username, role, unit) with address username@wulong.example."""
    plan(rt)
    with Session(rt.engine) as session:
        for username, role, unit in who:
            accounts.add_user(session, username, role, "correct-horse-1", rt.clock.now(), unit_name=unit,
                              email=f"{username}@wulong.example", display_name=username)
        session.commit()


def sweep_at(rt, when: str) -> SweepResult:
    return sweep(rt.engine, bj(when))


def escalations(rt, measure_id: int | None = None) -> list[tuple[str, int, str]]:
    """(level, deadline_version, status) in the order written."""
    with Session(rt.engine) as session:
        stmt = select(Escalation).order_by(Escalation.id)
        if measure_id is not None:
            stmt = stmt.where(Escalation.measure_id == measure_id)
        return [(e.level, e.deadline_version, e.status) for e in session.exec(stmt)]


def act(rt, measure_id: int, username: str, action: str, at: str, **fields) -> None:
    """Fire a workflow action through the engine's service, as `username`, at Beijing time `at`."""
    rt.clock.set(bj(at))
    with write_session(rt.engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        row = session.get(Measure, measure_id)
        rt.measures.fire(session, row, action, accounts.actor_for(user), fields, row.version)
