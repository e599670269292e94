"""A small hand-made ledger, people of every role, tokens and files for the API tests."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from litestar.testing import TestClient
from sqlmodel import Session, select

from engine.db import write_session
from web.app import create_app
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Category, Evidence, Item, Measure, MeasureUnit, Plan, Unit

# (category, item no, item title, text, units primary first, due date, key, declared done)
ROWS = (
    (1, "1", "一照多址改革", "经营场所备案，实行一照多址", ("区市场监管局",), date(2022, 6, 30), True, False),
    (1, "2", "分支机构信息变更", "连锁门店变更登记", ("区市场监管局",), date(2022, 6, 22), False, False),
    (1, "3", "清除招投标隐性门槛", "清理政府采购壁垒", ("区财政局",), date(2022, 6, 10), False, False),
    (1, "3", "清除招投标隐性门槛", "招投标专项整治", ("区政务办", "区市场监管局"), date(2022, 12, 31), True, False),
    (2, "4", "电子证照互认", "推广电子证照应用", ("区财政局",), None, False, True),
)
PEOPLE = {
    "clerk": ("unit_staff", "区市场监管局"), "head": ("unit_head", "区市场监管局"),
    "cz": ("unit_staff", "区财政局"), "zw": ("unit_staff", "区政务办"), "zwhead": ("unit_head", "区政务办"),
    "reviewer": ("supervisor", None), "reviewer2": ("supervisor", None), "office": ("office", None),
    "admin": ("admin", None),
}


@dataclass
class World:
    rt: object
    measures: list[int] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return headers(self.rt, self.users[username])


def build(rt) -> World:
    """Two categories, four items, five measures (one declared done), and one person per role."""
    world = World(rt)
    with write_session(rt.engine) as session:
        plan = Plan(code="t-2022", title="测试方案", doc_no="测试〔2022〕1号", issued_on=date(2022, 5, 27))
        session.add(plan)
        session.flush()
        cats = {n: Category(plan_id=plan.id, seq=n, title=f"{'一二'[n - 1]}、第{n}类") for n in (1, 2)}
        session.add_all(cats.values())
        session.flush()
        items: dict[tuple[str, str], Item] = {}
        for seq, (cat, no, title, text, units, due, key, done) in enumerate(ROWS, start=1):
            if (no, title) not in items:
                items[no, title] = Item(plan_id=plan.id, category_id=cats[cat].id, seq=len(items) + 1,
                                        item_no=no, title=title)
                session.add(items[no, title])
                session.flush()
            world.measures.append(_measure(rt, session, plan, items[no, title], seq, text, units, due, key, done))
    world.users = people(rt)
    return world


def _measure(rt, session: Session, plan: Plan, item: Item, seq: int, text: str, units, due, key, done) -> int:
    m = Measure(plan_id=plan.id, item_id=item.id, seq=seq, text=text, due_date=due, key=key,
                due_text=f"{due:%Y年%-m月}" if due else "已完成", declared_done=done,
                state="reported" if done else "assigned", note="重点改革事项" if key else "")
    session.add(m)
    session.flush()
    for pos, name in enumerate(units):
        unit = session.exec(select(Unit).where(Unit.name == name)).first() or Unit(name=name, kind="lead")
        session.add(unit)
        session.flush()
        session.add(MeasureUnit(measure_id=m.id, unit_id=unit.id, position=pos))
    rt.measures.created(session, m, "导入", action="import")
    return m.id


def people(rt, who: dict[str, tuple[str, str | None]] = PEOPLE) -> dict[str, User]:
    """One account per entry (username -> (role, unit)), password "correct-horse-1"."""
    out = {}
    with Session(rt.engine, expire_on_commit=False) as session:
        for username, (role, unit) in who.items():
            out[username] = accounts.add_user(session, username, role, "correct-horse-1", rt.clock.now(),
                                              unit_name=unit, email=f"{username}@wulong.example")
        session.commit()
    return out


def headers(rt, user: User) -> dict[str, str]:
    with Session(rt.engine) as session:
        token = accounts.issue_token(session, user, rt.clock.now(), timedelta(hours=12))
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def set_state(rt, measure_id: int, state: str, **attrs) -> None:
    """Put a measure straight into a state, for tests that are about what happens from there."""
    with write_session(rt.engine) as session:
        m = session.get(Measure, measure_id)
        m.state = state
        for name, value in attrs.items():
            setattr(m, name, value)
        session.add(m)


def add_evidence(rt, measure_id: int, user: User) -> int:
    """An unattached evidence row, as an upload would leave it."""
    with write_session(rt.engine) as session:
        ev = Evidence(measure_id=measure_id, sha256="0" * 64, filename="佐证.pdf", content_type="application/pdf",
                      size=10, uploaded_by=user.id, uploaded_at=rt.clock.now())
        session.add(ev)
        session.flush()
        return ev.id


def fire(c: TestClient, auth: dict, measure_id: int, action: str, **fields):
    """POST an action with the measure's current version."""
    version = c.get(f"/api/measures/{measure_id}", headers=auth).json()["version"]
    return c.post(f"/api/measures/{measure_id}/actions/{action}", json={"version": version, **fields},
                  headers=auth)


def upload(c: TestClient, auth: dict, measure_id: int, name: str = "佐证材料.pdf", content: bytes | None = None):
    content = pdf_bytes() if content is None else content
    return c.post(f"/api/measures/{measure_id}/evidence", files={"file": (name, content)}, headers=auth)


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
