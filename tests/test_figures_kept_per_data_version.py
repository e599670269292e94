"""总览 and 驾驶舱 figures are kept per data version on PostgreSQL: a second reader runs no scan, and any change
(ORM or plain SQL) moves the version before it returns, so the next reader gets fresh figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select, update

from engine.db import data_version, is_postgres
from tests.world import bj, client, headers, people
from web.ui.overview_data import overview
from workflows.access import access_for
from workflows.accounts import actor_for
from workflows.cockpit import build
from workflows.lights import LightSQL
from workflows.models import Measure
from workflows.roles import OFFICE


def _scans(rt) -> list[str]:
    seen: list[str] = []

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _count(_conn, _cur, statement, *_args) -> None:
        if "FROM measure" in statement:
            seen.append(statement)

    return seen


def _fresh(rt, access) -> dict:
    with rt.read() as session:
        lights: LightSQL = rt.measures.light_sql(rt.clock.now())
        data = build(session, access, lights, rt.instructions)
    return {"overdue": data.overdue, "total": data.total, "by_state": data.by_state}


def _open_not_late(rt) -> list[int]:
    with rt.read() as session:
        late = rt.measures.light_sql(rt.clock.now()).late(Measure.state, Measure.due_date)
        rows = session.execute(select(Measure.id).where(~late, Measure.state.in_(
            sorted(rt.measures.light_sql(rt.clock.now()).rules.defn.tagged("owes_work")))).order_by(Measure.id))
        return list(rows.scalars())


def test_the_cockpit_is_kept_until_a_change_and_never_served_stale(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    auth, access = headers(rt, office), access_for(actor_for(office))
    victims = _open_not_late(rt)
    assert len(victims) >= 2, "the ledger has open measures not yet late"
    scans = _scans(rt)
    with client(rt) as c:
        first = c.get("/api/cockpit", headers=auth).json()
        assert first["overdue"] == _fresh(rt, access)["overdue"]
        scans.clear()
        again = c.get("/api/cockpit", headers=auth).json()
        assert again == first
        with rt.read() as session:
            pg = is_postgres(session)
        assert (scans == []) if pg else scans, "PostgreSQL serves the kept figures; SQLite counts again"

        with rt.write() as session:  # an ORM change: one measure's deadline moves into the past
            session.get(Measure, victims[0]).due_date = date(2022, 1, 5)
        after_orm = c.get("/api/cockpit", headers=auth).json()
        assert after_orm["overdue"] == first["overdue"] + 1 == _fresh(rt, access)["overdue"]

        with rt.write() as session:  # a plain UPDATE, no ORM object: the version moves all the same
            session.execute(update(Measure).where(Measure.id == victims[1]).values(due_date=date(2022, 1, 6)))
        after_sql = c.get("/api/cockpit", headers=auth).json()
        assert after_sql["overdue"] == first["overdue"] + 2 == _fresh(rt, access)["overdue"]


def test_the_overview_is_kept_per_reader_and_day(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    access = access_for(actor_for(office))

    def cached():
        now = rt.clock.now()
        with rt.read() as session:
            before = data_version(session)
            ov = rt.figures.get(session, ("overview", rt.measures.light_sql(now).cut, access),
                                lambda: overview(rt, session, access, now))
        return before, ov

    v1, ov1 = cached()
    v2, ov2 = cached()
    assert v1 == v2 and (ov2 is ov1) == (v1 is not None)  # the same object when kept (PostgreSQL)
    rt.clock.set(bj("2022-09-20 09:00"))  # another day: other cut-off dates, other lights
    _, later = cached()
    assert later is not ov1 and later.lights["red"] > ov1.lights["red"]
    victim = _open_not_late(rt)[0]
    with rt.write() as session:
        session.get(Measure, victim).due_date = date(2022, 1, 5)
    v3, changed = cached()
    assert changed.lights["red"] == later.lights["red"] + 1
    assert v1 is None or v3 != v1
