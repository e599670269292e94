"""Each rung fires exactly once: repeated sweeps, and sweeps racing in several OS processes."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import date

from sqlmodel import Session, func, select

from engine.outbox import OutboxMessage
from tests.world import address, bj, escalations, sweep_at
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.models import Escalation

PROCESSES, MEASURES = 4, 50


def outbox_keys(rt) -> list[tuple[str, int]]:
    with Session(rt.engine) as session:
        rows = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
    return [(address(rt, m), m.subject_id) for m in rows]


def test_sweeping_again_fires_nothing_new(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"))
    m = measure(rt, date(2022, 6, 10))
    first = sweep_at(rt, "2022-06-13 09:00")  # L1 day
    assert dict(first.fired) == {"L1": 1} and first.notices == 2
    for when in ("2022-06-13 09:00", "2022-06-13 17:00", "2022-06-16 09:00"):
        again = sweep_at(rt, when)
        assert not again.fired and not again.superseded and again.notices == 0
    assert escalations(rt, m) == [("L0", 1, "superseded"), ("L1", 1, "fired")]
    assert sorted(outbox_keys(rt)) == [("boss@wulong.example", m), ("clerk@wulong.example", m)]


def race(url: str, instant: str, barrier) -> dict:
    """One OS process: its own engine, wait for the others, sweep."""
    from engine.db import make_engine
    from tests.conftest import CONFIG
    from workflows.sweep import sweep

    engine = make_engine(url)
    barrier.wait(timeout=60)
    result = sweep(engine, bj(instant), ladder=CONFIG.ladder, calendar=CONFIG.calendar)
    engine.dispose()
    return {"fired": dict(result.fired), "errors": result.errors + result.calendar_errors}


def test_concurrent_sweeps_in_several_processes_fire_each_rung_once(rt):
    people(rt, ("boss", "unit_head", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    ids = [measure(rt, date(2022, 6, 10), text=f"举措 {n}") for n in range(MEASURES)]
    url = rt.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(PROCESSES)
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(race, [(url, "2022-06-20 09:00", barrier)] * PROCESSES)
    assert all(not r["errors"] for r in results)
    assert sum(r["fired"].get("L2", 0) for r in results) == MEASURES  # the processes shared the work
    with Session(rt.engine) as session:
        rows = session.exec(select(Escalation.measure_id, Escalation.level, Escalation.status)).all()
        notices = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    assert Counter((level, status) for _, level, status in rows) == {
        ("L0", "superseded"): MEASURES, ("L1", "superseded"): MEASURES, ("L2", "fired"): MEASURES}
    assert {mid for mid, _, _ in rows} == set(ids)
    assert notices == 2 * MEASURES  # the unit head, and 督查办 in copy, once per measure
    assert len(set(outbox_keys(rt))) == notices


def test_one_bad_measure_is_reported_and_the_sweep_goes_on(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    bad = measure(rt, date(1900, 12, 28))  # a year the calendar does not know (the rules cover 1950-2100)
    good = measure(rt, date(2022, 6, 10))
    result = sweep_at(rt, "2022-06-13 09:00")
    assert [mid for mid, _ in result.calendar_errors] == [bad]
    assert "1900" in result.calendar_errors[0][1]
    assert escalations(rt, bad) == [] and ("L1", 1, "fired") in escalations(rt, good)
