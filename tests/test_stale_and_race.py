"""Optimistic locking through the API: a stale version is 409, and of two racing approvals exactly one wins."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from engine.history import HistoryRecord
from tests.world import add_evidence, build, client, fire, set_state
from workflows.models import Measure
from workflows.reform.table import REFORM_MEASURE


def test_a_stale_version_is_refused_with_409_and_changes_nothing(rt):
    world = build(rt)
    mid = world.measures[0]
    clerk = world.auth("clerk")
    with client(rt) as c:
        assert fire(c, clerk, mid, "start").status_code == 200
        stale = c.post(f"/api/measures/{mid}/actions/update_progress", json={"version": 1, "comment": "进展"},
                       headers=clerk)
        assert stale.status_code == 409
        assert stale.json()["error"] == "stale_version"
        assert "刷新" in stale.json()["message"]
        fresh = c.get(f"/api/measures/{mid}", headers=clerk).json()
    assert (fresh["version"], fresh["percent"], fresh["last_progress"]) == (2, None, "")


def test_two_racing_approvals_one_wins_the_other_gets_409(rt):
    world = build(rt)
    mid = world.measures[0]
    set_state(rt, mid, "reported")
    add_evidence(rt, mid, world.users["clerk"])
    auth = [world.auth("reviewer"), world.auth("reviewer2")]
    barrier, results = threading.Barrier(2), [None, None]

    def approve(i: int, c) -> None:
        barrier.wait()
        results[i] = c.post(f"/api/measures/{mid}/actions/approve", json={"version": 1, "comment": f"第{i}位"},
                            headers=auth[i])

    with client(rt) as c0, client(rt) as c1:
        threads = [threading.Thread(target=approve, args=(i, c)) for i, c in enumerate((c0, c1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["error"] == "stale_version"
    with Session(rt.engine) as session:
        m = session.get(Measure, mid)
        approvals = session.exec(select(HistoryRecord).where(HistoryRecord.subject_id == mid,
                                                             HistoryRecord.action == "approve")).all()
    assert (m.state, m.version) == ("verified", 2)
    assert len(approvals) == 1


def test_approval_is_not_by_who_reported(rt):
    """Four eyes, from the table: someone moved from the unit to 督查办 may not verify their own report."""
    assert REFORM_MEASURE.action("approve").four_eyes == "report"
    world = build(rt)
    mid = world.measures[0]
    with client(rt) as c:
        fire(c, world.auth("head"), mid, "start")
        c.post(f"/api/measures/{mid}/evidence", files={"file": ("a.pdf", b"%PDF-1.4 x")}, headers=world.auth("head"))
        assert fire(c, world.auth("head"), mid, "report", comment="完成").status_code == 200
        with Session(rt.engine) as session:  # the head is transferred to the supervision office
            head = session.get(type(world.users["head"]), world.users["head"].id)
            head.role, head.unit_id = "supervisor", world.users["reviewer"].unit_id
            session.add(head)
            session.commit()
        own = fire(c, world.auth("head"), mid, "approve")
        assert own.status_code == 403 and own.json()["error"] == "forbidden"
        assert "approve" not in c.get(f"/api/measures/{mid}", headers=world.auth("head")).json()["allowed_actions"]
        other = fire(c, world.auth("reviewer"), mid, "approve")
    assert other.status_code == 200 and other.json()["state"] == "verified"
