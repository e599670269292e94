"""An action the table lets SQL decide (`start`) is one claim that fetches the row: it writes what the long way
writes, and every refusal names the same reason and writes nothing."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event, select
from sqlmodel import Session

from engine import history
from engine.errors import NotFound, PermissionDenied, StaleVersion, TransitionNotAllowed
from engine.history import HistoryRecord
from tests.world import build, client, fire, set_state
from workflows import accounts
from workflows.models import Measure

KEPT = ("workflow", "action", "from_state", "to_state", "version", "actor_id", "actor_name", "at", "comment", "data")


def _statements(rt):
    """The SQL the engine sends, recorded while the block runs."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(rt.engine, "before_cursor_execute", note)
    return seen, lambda: event.remove(rt.engine, "before_cursor_execute", note)


def _row_and_history(rt, mid: int):
    with Session(rt.engine) as session:
        row = session.get(Measure, mid)
        records = session.execute(select(HistoryRecord).where(HistoryRecord.subject_id == mid)
                                  .order_by(HistoryRecord.seq)).scalars().all()
        return row, records


def test_start_is_one_claim_and_writes_what_the_long_way_writes(rt):
    world = build(rt)
    fast, slow = world.measures[0], world.measures[1]  # both led by the clerk's unit alone, both assigned
    set_state(rt, fast, "assigned", sweep_after=rt.clock.now().date())
    set_state(rt, slow, "assigned", sweep_after=rt.clock.now().date())
    actor = accounts.actor_for(world.users["clerk"])
    service = rt.measures.workflow
    seen, stop = _statements(rt)
    try:
        with rt.write() as session:
            row, fired = service.fire_id(session, fast, "start", actor, {"comment": "签收了"}, expected_version=1)
    finally:
        stop()
    assert (row.id, row.state, row.version, fired.from_state, fired.to_state) == (fast, "in_progress", 2,
                                                                                  "assigned", "in_progress")
    touching = [s for s in seen if "measure" in s.split(" where ")[0] and not s.startswith("insert into history")]
    assert touching and touching[0].startswith("update measure"), touching  # no SELECT of the row before the claim
    with rt.write() as session:  # the long way: the row loaded and checked in Python first
        service.fire(session, session.get(Measure, slow), "start", actor, {"comment": "签收了"}, expected_version=1)

    (a, a_hist), (b, b_hist) = _row_and_history(rt, fast), _row_and_history(rt, slow)
    assert (a.state, a.version, a.sweep_after, a.updated_at) == (b.state, b.version, b.sweep_after, b.updated_at)
    assert a.sweep_after is None and a.updated_at == rt.clock.now()
    assert [[getattr(r, k) for k in KEPT] for r in a_hist] == [[getattr(r, k) for k in KEPT] for r in b_hist]
    assert a_hist[-1].prev_hash == a_hist[-2].hash and json.loads(a_hist[-1].data) == {}
    with Session(rt.engine) as session:
        assert history.verify(session, {("reform_measure", fast): 2, ("reform_measure", slow): 2}).ok


@pytest.mark.parametrize("case", ["stale", "not_primary", "wrong_state", "missing"])
def test_a_refused_claim_names_the_reason_and_writes_nothing(rt, case):
    world = build(rt)
    mid = world.measures[3] if case == "not_primary" else world.measures[0]  # [3]: led by 区政务办, then the clerk's
    if case == "wrong_state":
        set_state(rt, mid, "in_progress")
    version = 7 if case == "stale" else 1
    target = 2**31 - 1 if case == "missing" else mid
    expected = {"stale": StaleVersion, "not_primary": PermissionDenied, "wrong_state": TransitionNotAllowed,
                "missing": NotFound}[case]
    actor = accounts.actor_for(world.users["clerk"])
    before = _row_and_history(rt, mid)
    with pytest.raises(expected) as refused, rt.write() as session:
        rt.measures.workflow.fire_id(session, target, "start", actor, {}, expected_version=version)
    if case == "not_primary":
        assert "第一牵头单位" in refused.value.message
    after = _row_and_history(rt, mid)
    assert (after[0].state, after[0].version, len(after[1])) == (before[0].state, before[0].version, len(before[1]))


def test_the_api_starts_through_the_claim_and_refuses_as_before(rt):
    world = build(rt)
    mid, co_led = world.measures[0], world.measures[3]
    with client(rt) as c:
        refused = fire(c, world.auth("clerk"), co_led, "start")  # a co-lead unit's clerk: not the first lead
        assert refused.status_code == 403 and "第一牵头单位" in refused.json()["message"]
        stale = c.post(f"/api/measures/{mid}/actions/start", json={"version": 5}, headers=world.auth("clerk"))
        assert stale.status_code == 409 and stale.json()["error"] == "stale_version"
        started = fire(c, world.auth("clerk"), mid, "start")
        assert started.status_code == 200 and (started.json()["state"], started.json()["version"]) == (
            "in_progress", 2)
        again = c.post(f"/api/measures/{mid}/actions/start", json={"version": 2}, headers=world.auth("clerk"))
        assert again.status_code == 409 and again.json()["error"] == "transition_not_allowed"


def test_a_row_loaded_before_the_claim_is_refreshed_by_it(rt):
    world = build(rt)
    mid = world.measures[0]
    actor = accounts.actor_for(world.users["clerk"])
    with rt.write() as session:
        loaded = session.get(Measure, mid)
        row, _ = rt.measures.workflow.fire_id(session, mid, "start", actor, {}, expected_version=loaded.version)
        assert row is loaded and (loaded.state, loaded.version) == ("in_progress", 2)
        assert not session.dirty


def test_two_racing_starts_one_wins_the_other_is_told_the_version_is_stale(rt):
    world = build(rt)
    mid = world.measures[0]
    clerks = [accounts.actor_for(world.users["clerk"]), accounts.actor_for(world.users["head"])]
    barrier, outcome = threading.Barrier(2), [None, None]

    def start(i: int) -> None:
        barrier.wait()
        try:
            with rt.write() as session:
                rt.measures.workflow.fire_id(session, mid, "start", clerks[i], {}, expected_version=1)
            outcome[i] = "started"
        except StaleVersion:
            outcome[i] = "stale"

    threads = [threading.Thread(target=start, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["stale", "started"]
    row, records = _row_and_history(rt, mid)
    assert (row.state, row.version) == ("in_progress", 2)
    assert [r.action for r in records].count("start") == 1
