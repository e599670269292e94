"""The one test-world builder: small ledgers made by hand, people of every role, and drivers that walk measures
through the real workflow at chosen times, through the API or the engine's service.

- `build(rt)`: five measures over two categories (one declared done, one joint) and one person per role: the
  API tests' world.
- `report_build(rt)` and `june_scenario(rt)`: six measures imported on 2022-05-30 and walked through May and
  June 2022: the report tests' world.
- `esc_measure(rt, due, …)`, `esc_people(rt, …)`, `sweep_at`, `escalations`: single measures in a chosen state
  for the escalation tests.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from litestar.testing import TestClient
from sqlalchemy import select

from config.settings import SHANGHAI
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Category, Escalation, Evidence, Item, Measure, MeasureUnit, Milestone, Plan, Unit
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ADMIN, HEAD, LEADER, OFFICE, STAFF, SUPERVISOR, UNIT_LEAD
from workflows.sweep import SweepResult

PASSWORD = "correct-horse-1"
STARTS, DECLARED_DONE = REFORM_MEASURE.initial[0], REFORM_MEASURE.initial_tagged("awaiting_review")


def bj(text: str) -> datetime:
    """A Beijing wall-clock instant: bj('2022-06-10 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# -- people and their credentials


def people(rt, who: dict[str, tuple[str, str | None]]) -> dict[str, User]:
    """One account per entry (username -> (role, unit)), password PASSWORD, address username@wulong.example."""
    out = {}
    with rt.write() as session:
        for username, (role, unit) in who.items():
            out[username] = accounts.add_user(session, username, role, PASSWORD, rt.clock.now(), unit_name=unit,
                                              email=f"{username}@wulong.example", display_name=username)
    return out


def headers(rt, user: User) -> dict[str, str]:
    """Bearer-token headers for a user."""
    with rt.write() as session:
        token = accounts.issue_token(session, user, rt.clock.now(), timedelta(hours=12))
    return {"Authorization": f"Bearer {token}"}


token = headers


@contextmanager
def client(rt):
    from web.app import create_app

    with TestClient(create_app(rt)) as c:
        yield c


# -- the world


@dataclass
class World:
    rt: object
    measures: list[int] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return headers(self.rt, self.users[username])

    def act(self, measure_id: int, action: str, username: str, at: str | None = None, **fields) -> None:
        """Fire one action as `username` (at Beijing time `at`) through the engine's service."""
        if at is not None:
            self.rt.clock.set(bj(at))
        actor = accounts.actor_for(self.users[username])
        with self.rt.write() as session:
            row = session.get(Measure, measure_id)
            if action == "report" and "evidence" not in fields:
                fields["evidence"] = [_evidence(session, measure_id, self.users[username], self.rt.clock.now())]
            fields.setdefault("comment", f"{action} {measure_id}")
            self.rt.measures.workflow.fire(session, row, action, actor, fields, row.version)

    def finish(self, measure_id: int, clerk: str, at_report: str, at_approve: str) -> None:
        self.act(measure_id, "start", clerk, at_report)
        self.act(measure_id, "report", clerk, at_report)
        self.act(measure_id, "approve", "reviewer", at_approve)


def _evidence(session, measure_id: int, user: User, at: datetime) -> int:
    ev = Evidence(measure_id=measure_id, sha256="0" * 64, filename="佐证.pdf", content_type="application/pdf",
                  size=10, uploaded_by=user.id, uploaded_at=at)
    session.add(ev)
    session.flush()
    return ev.id


@dataclass(frozen=True)
class Row:
    """One measure of a hand-made ledger."""

    category: int
    item_no: str
    item_title: str
    text: str
    units: tuple[str, ...]
    due: date | None
    key: bool = False
    declared_done: bool = False
    klass: str | None = None


def ledger(rt, rows: tuple[Row, ...], *, code: str = "t-2022", issuer: str = "") -> list[int]:
    """A plan issued 2022-05-27 with its categories, items and measures, each recorded as imported."""
    ids = []
    with rt.write() as session:
        plan = Plan(code=code, title="测试方案", doc_no="测试〔2022〕1号", issued_on=date(2022, 5, 27), issuer=issuer)
        session.add(plan)
        session.flush()
        numbers = sorted({r.category for r in rows})
        cats = {n: Category(plan_id=plan.id, seq=n, title=f"{'一二三'[n - 1]}、第{n}类") for n in numbers}
        session.add_all(cats.values())
        session.flush()
        items: dict[tuple[str, str], Item] = {}
        for seq, r in enumerate(rows, start=1):
            if (r.item_no, r.item_title) not in items:
                items[r.item_no, r.item_title] = Item(plan_id=plan.id, category_id=cats[r.category].id,
                                                      seq=len(items) + 1, item_no=r.item_no, title=r.item_title,
                                                      klass=r.klass)
                session.add(items[r.item_no, r.item_title])
                session.flush()
            ids.append(_measure(rt, session, plan, items[r.item_no, r.item_title], seq, r))
    return ids


def _measure(rt, session, plan: Plan, item: Item, seq: int, r: Row) -> int:
    now = rt.clock.now()
    m = Measure(plan_id=plan.id, item_id=item.id, seq=seq, text=r.text, due_date=r.due, key=r.key,
                due_text=f"{r.due:%Y年%-m月}" if r.due else "已完成", declared_done=r.declared_done,
                state=DECLARED_DONE if r.declared_done else STARTS, note="重点改革事项" if r.key else "",
                reported_at=now if r.declared_done else None)
    session.add(m)
    session.flush()
    for pos, name in enumerate(r.units):
        unit = unit_named(session, name)
        session.add(MeasureUnit(measure_id=m.id, unit_id=unit.id, position=pos))
    rt.measures.workflow.created(session, m, "导入", action="import")
    return m.id


def unit_named(session, name: str, head_email: str = "") -> Unit:
    unit = session.execute(select(Unit).where(Unit.name == name)).scalars().first()
    if unit is None:
        unit = Unit(name=name, kind=UNIT_LEAD, head_name=f"{name}负责人" if head_email else "", head_email=head_email)
        session.add(unit)
        session.flush()
    return unit


# -- the API tests' world

API_ROWS = (
    Row(1, "1", "一照多址改革", "经营场所备案，实行一照多址", ("区市场监管局",), date(2022, 6, 30), key=True),
    Row(1, "2", "分支机构信息变更", "连锁门店变更登记", ("区市场监管局",), date(2022, 6, 22)),
    Row(1, "3", "清除招投标隐性门槛", "清理政府采购壁垒", ("区财政局",), date(2022, 6, 10)),
    Row(1, "3", "清除招投标隐性门槛", "招投标专项整治", ("区政务办", "区市场监管局"), date(2022, 12, 31), key=True),
    Row(2, "4", "电子证照互认", "推广电子证照应用", ("区财政局",), None, declared_done=True),
)
PEOPLE = {
    "clerk": (STAFF, "区市场监管局"), "head": (HEAD, "区市场监管局"),
    "cz": (STAFF, "区财政局"), "zw": (STAFF, "区政务办"), "zwhead": (HEAD, "区政务办"),
    "reviewer": (SUPERVISOR, None), "reviewer2": (SUPERVISOR, None), "office": (OFFICE, None),
    "leader": (LEADER, None), "admin": (ADMIN, None),
}


def build(rt) -> World:
    """Two categories, four items, five measures (one declared done), and one person per role."""
    world = World(rt, ledger(rt, API_ROWS))
    world.users = people(rt, PEOPLE)
    return world


def set_state(rt, measure_id: int, state: str, **attrs) -> None:
    """Put a measure straight into a state, for tests that are about what happens from there."""
    with rt.write() as session:
        m = session.get(Measure, measure_id)
        m.state = state
        for name, value in attrs.items():
            setattr(m, name, value)
        session.add(m)


def add_evidence(rt, measure_id: int, user: User) -> int:
    """An unattached evidence row, as an upload would leave it."""
    with rt.write() as session:
        return _evidence(session, measure_id, user, rt.clock.now())


def fire(c: TestClient, auth: dict, measure_id: int, action: str, **fields):
    """POST an action with the measure's current version."""
    version = c.get(f"/api/measures/{measure_id}", headers=auth).json()["version"]
    return c.post(f"/api/measures/{measure_id}/actions/{action}", json={"version": version, **fields},
                  headers=auth)


def upload(c: TestClient, auth: dict, measure_id: int, name: str = "佐证材料.pdf", content: bytes | None = None):
    content = pdf_bytes() if content is None else content
    return c.post(f"/api/measures/{measure_id}/evidence", files={"file": (name, content)}, headers=auth)


# -- the report tests' world

REPORT_UNITS = ("区市场监管局", "区财政局", "区政务办")
REPORT_ROWS = (
    Row(1, "1", "一照多址改革", "经营场所备案", ("区市场监管局",), date(2022, 6, 30), key=True,
        klass="率先形成试点成果"),
    Row(1, "2", "分支机构信息变更", "连锁门店变更", ("区市场监管局",), date(2022, 5, 31), klass="发掘特色亮点"),
    Row(1, "3", "清除招投标隐性门槛", "清理政府采购", ("区财政局",), date(2022, 6, 10)),
    Row(1, "3", "清除招投标隐性门槛", "招投标专项整治", ("区政务办", "区财政局"), date(2022, 12, 31)),
    Row(2, "4", "数字证书互认", "CA 推广应用", ("区政务办",), date(2022, 6, 15), klass="等高对接先进地区经验"),
    Row(2, "5", "电子证照互认", "电子证照", ("区财政局",), None, declared_done=True, klass="率先形成试点成果"),
)


def report_build(rt, *, import_at: str = "2022-05-30 09:00") -> World:
    """Plan issued 2022-05-27, two categories, six measures imported at `import_at`, and people of each role."""
    rt.clock.set(bj(import_at))
    world = World(rt, ledger(rt, REPORT_ROWS, issuer="区政府"))
    world.users = people(rt, {"scjg": (STAFF, "区市场监管局"), "cz": (STAFF, "区财政局"), "zw": (STAFF, "区政务办"),
                              "reviewer": (SUPERVISOR, None), "office": (OFFICE, None), "admin": (ADMIN, None)})
    return world


def add_escalation(rt, measure_id: int, level: str, fired_at: str, status: str = "fired") -> None:
    with rt.write() as session:
        m = session.get(Measure, measure_id)
        session.add(Escalation(measure_id=measure_id, subject_id=measure_id, level=level,
                               deadline_version=m.deadline_version,
                               due_date=m.due_date or date(2022, 5, 27), fire_on=bj(fired_at).date(),
                               fired_at=bj(fired_at), status=status, recipients="head@wulong.example"))


def add_milestone(rt, world: World, measure_id: int, due: date, text: str, done_at: str | None = None) -> None:
    with rt.write() as session:
        session.add(Milestone(measure_id=measure_id, due_date=due, description=text,
                              done_at=bj(done_at) if done_at else None, state="completed" if done_at else "planned",
                              created_by=world.users["admin"].id, created_at=bj("2022-05-30 10:00"), version=0))


def june_scenario(rt) -> World:
    """Six measures through May and June 2022, with returns, progress, late work, escalations and milestones.

    m0 市场监管局 due 6-30: reported, returned, reported again and verified in June, on time.
    m1 市场监管局 due 5-31: never started: overdue.  m2 财政局 due 6-10: reported late, verified in June.
    m3 政务办 (+财政局) due 12-31: in progress with progress.  m4 政务办 due 6-15: reported, returned: overdue.
    m5 财政局 已完成: verified in May.
    """
    w = report_build(rt)
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


# -- the escalation tests' measures

LEAD_UNITS = {"区市场监管局": "scjg-head@wulong.example", "区财政局": "cz-head@wulong.example"}


def esc_plan(rt) -> int:
    """The plan, one category and item, and the lead units with their heads' addresses."""
    with rt.write() as session:
        existing = session.execute(select(Plan).where(Plan.code == "esc-test")).scalars().first()
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
            unit_named(session, name, email)
        return p.id


def esc_measure(rt, due: date | None, *, unit: str = "区市场监管局", state: str = "in_progress",
                text: str = "推行经营场所备案制", reported_at: datetime | None = None,
                extension_date: date | None = None, co_units: tuple[str, ...] = ()) -> int:
    plan_id = esc_plan(rt)
    with rt.write() as session:
        item = session.execute(select(Item).where(Item.plan_id == plan_id)).scalars().first()
        seq = len(session.execute(select(Measure.id).where(Measure.plan_id == plan_id)).all()) + 1
        # stored in UTC like every instant the workflow writes (SQLite keeps no offset)
        m = Measure(plan_id=plan_id, item_id=item.id, seq=seq, text=text, due_date=due, state=state,
                    reported_at=reported_at.astimezone(UTC) if reported_at else None,
                    extension_date=extension_date)
        session.add(m)
        session.flush()
        for pos, name in enumerate((unit, *co_units)):
            session.add(MeasureUnit(measure_id=m.id, unit_id=unit_named(session, name).id, position=pos))
        return m.id


def esc_people(rt, *who: tuple[str, str, str | None]) -> None:
    """Users (username, role, unit) with address username@wulong.example."""
    esc_plan(rt)
    people(rt, {username: (role, unit) for username, role, unit in who})


def sweep_at(rt, when: str) -> SweepResult:
    return rt.sweep(bj(when))


def escalations(rt, measure_id: int | None = None) -> list[tuple[str, int, str]]:
    """(level, deadline_version, status) in the order written."""
    with rt.read() as session:
        stmt = select(Escalation).order_by(Escalation.id)
        if measure_id is not None:
            stmt = stmt.where(Escalation.measure_id == measure_id)
        return [(e.level, e.deadline_version, e.status) for e in session.execute(stmt).scalars()]


def esc_act(rt, measure_id: int, username: str, action: str, at: str, **fields) -> None:
    """Fire a workflow action through the engine's service, as `username`, at Beijing time `at`."""
    rt.clock.set(bj(at))
    with rt.write() as session:
        user = session.execute(select(User).where(User.username == username)).scalars().one()
        row = session.get(Measure, measure_id)
        rt.measures.workflow.fire(session, row, action, accounts.actor_for(user), fields, row.version)


# -- files of each accepted kind, made by hand


def pdf_bytes(extra: bytes = b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + extra + b"\n%%EOF\n"


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"


def zip_bytes(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(name, "<x/>")
    return buf.getvalue()


def ole_bytes(stream_name: str) -> bytes:
    """An OLE compound file header followed by a directory entry naming one stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = stream_name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return header + entry + b"\x00" * 384


# -- the outbox, addressed as delivery will address it


def address(rt, row) -> str:
    """The email address an outbox row will be delivered to (its recipient, looked up now)."""
    from workflows.directory import email_address

    with rt.read() as session:
        found = email_address(session, row.to)
    return found.value if found else ""
