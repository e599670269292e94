"""总览 and 驾驶舱 figures are kept per data version on PostgreSQL: a second reader runs no scan, and any change
(ORM or plain SQL) moves the version before it returns, so the next reader gets fresh figures."""

from __future__ import annotations

import re
import threading
import time
from datetime import date

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, select, update

from engine.db import data_version, is_postgres
from tests.web_support import as_user
from tests.world import bj, client, headers, people
from web.app import create_app
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


def test_readers_of_a_missing_figure_wait_for_the_one_computing_it(rt):
    readers, calls, lock = 6, [], threading.Lock()
    start = threading.Barrier(readers)

    def slow():
        with lock:
            calls.append(1)
        time.sleep(0.2)  # long enough for every other reader to arrive while it counts
        return object()

    def read(out: list) -> None:
        with rt.read() as session:
            start.wait()
            out.append(rt.figures.get(session, ("slow figure",), slow))

    got: list = []
    threads = [threading.Thread(target=read, args=(got,)) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with rt.read() as session:
        kept = data_version(session) is not None
    assert len(got) == readers
    if kept:  # PostgreSQL: one computed, the others waited for its value
        assert len(calls) == 1 and all(g is got[0] for g in got)
    else:  # SQLite keeps nothing: each reader counts
        assert len(calls) == readers


def test_a_failed_computation_leaves_the_figure_to_the_next_reader(rt):
    def broken():
        raise RuntimeError("the scan failed")

    with rt.read() as session, pytest.raises(RuntimeError):
        rt.figures.get(session, ("fragile",), broken)
    with rt.read() as session:
        assert rt.figures.get(session, ("fragile",), lambda: 42) == 42


def _red_tile(html: str) -> int:
    found = re.search(r'tile-red"><span>[^<]*</span><strong>(\d+)</strong>', html)
    assert found, "the overview shows the red tile"
    return int(found.group(1))


def test_the_overview_and_workbench_pages_are_drawn_once_per_version_with_their_own_token(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    scans = _scans(rt)
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, office)
        first, home = c.get("/overview"), c.get("/")
        assert first.status_code == home.status_code == 200
        with rt.read() as session:
            pg = is_postgres(session)
        scans.clear()
        again, home_again = c.get("/overview"), c.get("/")
        assert (scans == []) if pg else scans, "PostgreSQL serves the drawn pages; SQLite counts again"
        assert again.text == first.text and home_again.text == home.text
        red = _red_tile(first.text)
        with rt.write() as session:
            session.get(Measure, _open_not_late(rt)[0]).due_date = date(2022, 1, 5)
        assert _red_tile(c.get("/overview").text) == red + 1, "a change is seen by the next reader"
        c.cookies.clear()
        as_user(c, rt, people(rt, {"boss2": (OFFICE, None)})["boss2"])
        assert _red_tile(c.get("/overview").text) == red + 1, "another reader gets the same counts"


def test_a_list_page_is_answered_once_per_version_and_never_stale(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    auth = headers(rt, office)
    scans = _scans(rt)
    with client(rt) as c:
        red = {"light": "red", "limit": 200}
        first = c.get("/api/measures", params=red, headers=auth).json()
        scans.clear()
        again = c.get("/api/measures", params=red, headers=auth).json()
        assert again == first
        with rt.read() as session:
            pg = is_postgres(session)
        assert (scans == []) if pg else scans, "PostgreSQL serves the kept page; SQLite reads again"
        other = c.get("/api/measures", params={"light": "green", "limit": 200}, headers=auth).json()
        assert {m["id"] for m in other["items"]}.isdisjoint(m["id"] for m in first["items"]), "each query its own"
        victim = _open_not_late(rt)[0]
        with rt.write() as session:
            session.get(Measure, victim).due_date = date(2022, 1, 5)
        after = c.get("/api/measures", params=red, headers=auth).json()
        assert after["total"] == first["total"] + 1 and victim in {m["id"] for m in after["items"]}
        rt.clock.set(bj("2022-09-20 09:00"))  # another day: other lights, whatever the version
        later = c.get("/api/measures", params=red, headers=headers(rt, office))  # a token of that day
        assert later.json()["total"] > after["total"], later.text


def test_pages_of_one_filter_count_it_once_per_version(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    auth = headers(rt, people(rt, {"boss": (OFFICE, None)})["boss"])
    scans = _scans(rt)
    with client(rt) as c:
        first = c.get("/api/measures", params={"limit": 10}, headers=auth).json()
        with rt.read() as session:
            pg = is_postgres(session)
        scans.clear()
        deeper = c.get("/api/measures", params={"limit": 10, "after": first["next_after"]}, headers=auth).json()
        last = c.get("/api/measures", params={"limit": 10, "last": "true"}, headers=auth).json()
        counted = [s for s in scans if "count(" in s.lower()]
        assert (counted == []) if pg else len(counted) == 2, "PostgreSQL keeps the count; SQLite counts each page"
        assert deeper["total"] == last["total"] == first["total"]
        assert len(last["items"]) == (first["total"] % 10 or 10)
        victim = _open_not_late(rt)[0]
        with rt.write() as session:  # a new version: the count is taken again, and agrees with its page
            session.get(Measure, victim).due_date = date(2022, 1, 5)
        red = c.get("/api/measures", params={"light": "red", "limit": 10, "last": "true"}, headers=auth).json()
        assert red["total"] == len(c.get("/api/measures", params={"light": "red", "limit": 200},
                                         headers=auth).json()["items"])


def _csrf(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with the session's CSRF token"
    return found.group(1)


def test_a_kept_overview_holds_each_browser_sessions_own_token(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    app = create_app(rt)
    with TestClient(app) as first, TestClient(app) as second:
        as_user(first, rt, office)
        as_user(second, rt, office)  # the same person in another browser: another session, another token
        one, other = first.get("/overview").text, second.get("/overview").text
        assert first.get("/overview").text == one, "the same session gets the same page"
        assert _csrf(one) != _csrf(other)
        assert _red_tile(one) == _red_tile(other)
        out = second.post("/logout", data={"_csrf_token": _csrf(other)}, follow_redirects=False)
        assert out.status_code in (302, 303), "the kept page's token is this session's: its sign-out form works"
        assert first.get("/overview").status_code == 200, "the other session goes on"
