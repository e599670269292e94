"""月调度 and 督查考核 are made once per data version, day and scope on PostgreSQL: the page, its .xlsx and its Word
通报 share one computation (seconds at 10⁵ measures), while any change, another day or another scope makes it
again, and a kept report is stamped with the instant it is asked at. SQLite has no data version: every time."""

from __future__ import annotations

from sqlalchemy import event

from engine.db import is_postgres
from tests.world import bj, june_scenario, token
from tests.world import client as site


def _history_reads(rt) -> list[str]:
    seen: list[str] = []

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _count(_conn, _cur, statement, *_args) -> None:
        if "FROM history" in statement and "history.subject_id" in statement:
            seen.append(statement)

    return seen


def test_a_monthly_report_is_made_once_until_something_changes(rt):
    world = june_scenario(rt)
    rt.clock.set(bj("2022-06-20 09:00"))  # June is running: its cut-off is now
    with rt.read() as session:
        pg = is_postgres(session)
    office = token(rt, world.users["office"])
    reads = _history_reads(rt)
    with site(rt) as c:
        def monthly(**params) -> dict:
            res = c.get("/api/reports/monthly", params={"month": "2022-06", **params},
                        headers=token(rt, world.users["office"]))  # a token of the clock's day
            assert res.status_code == 200, res.text
            return res.json()

        first = monthly()
        assert len(reads) == 1
        rt.clock.set(bj("2022-06-20 15:30"))  # later the same day, nothing changed
        again = monthly()
        assert len(reads) == (1 if pg else 2), "PostgreSQL keeps the report; SQLite makes it again"
        assert again["cutoff"].startswith("2022-06-20T15:30"), "stamped with the instant it is asked at"
        assert {k: v for k, v in again.items() if k != "cutoff"} == {k: v for k, v in first.items() if k != "cutoff"}
        assert c.get("/api/reports/monthly", params={"month": "2022-06", "format": "xlsx"},
                     headers=office).status_code == 200
        assert len(reads) == (1 if pg else 3), "the workbook is the same report"

        monthly(unit="区政务办")
        assert len(reads) == (2 if pg else 4), "another scope is another report"

        world.act(world.measures[1], "start", "scjg", "2022-06-20 16:00")  # a change: made again, with it
        changed = monthly()
        assert len(reads) == (3 if pg else 5)
        assert changed["overall"]["by_state"]["in_progress"] == first["overall"]["by_state"]["in_progress"] + 1

        rt.clock.set(bj("2022-06-21 09:00"))  # another day: days are counted again
        later = monthly()
        assert len(reads) == (4 if pg else 6)
        assert later["overall"]["overdue_workdays"] > changed["overall"]["overdue_workdays"]


def test_a_yearly_assessment_is_kept_the_same_way(rt):
    world = june_scenario(rt)
    rt.clock.set(bj("2022-06-20 09:00"))
    with rt.read() as session:
        pg = is_postgres(session)
    office = token(rt, world.users["office"])
    reads = _history_reads(rt)
    with site(rt) as c:
        def yearly() -> dict:
            res = c.get("/api/reports/assessment", params={"year": "2022"}, headers=office)
            assert res.status_code == 200, res.text
            return res.json()

        first, again = yearly(), yearly()
        assert len(reads) == (1 if pg else 2) and again == first
        world.act(world.measures[3], "report", "zw", "2022-06-20 10:00")
        assert yearly() != first and len(reads) == (2 if pg else 3)
