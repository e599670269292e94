"""A sweep reads only what changed since the last one and what falls due: each evaluated measure keeps the day its
next rung fires (`measure.sweep_after`), so an idle sweep over a large ledger reads two small indexes. An action, a
re-import, a new calendar or a new ladder makes a measure (or all) be evaluated afresh."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from tests.world import bj, esc_act, escalations
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.calendar import YearOverride
from workflows.models import SWEEP_NEVER, Measure
from workflows.sweep import candidate_ids, reset_if_basis_changed

NOW = "2022-06-30 10:00"  # a Thursday


def after(rt, mid: int) -> date | None:
    with Session(rt.engine) as session:
        return session.get(Measure, mid).sweep_after


def candidates(rt, when: str) -> list[int]:
    return candidate_ids(rt.engine, bj(when))


def test_an_evaluated_measure_waits_for_its_next_rung(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    soon = measure(rt, date(2022, 7, 1), text="即将到期")  # L0 fired on 6月24日; L1 fires 1 working day after
    assert candidates(rt, NOW) == [soon]
    assert rt.sweep(bj(NOW)).fired["L0"] == 1
    assert after(rt, soon) == date(2022, 7, 4)  # Monday: the first working day after the deadline
    assert candidates(rt, NOW) == [] and candidates(rt, "2022-07-01 10:00") == []
    assert candidates(rt, "2022-07-04 09:00") == [soon]
    assert rt.sweep(bj("2022-07-04 09:00")).fired["L1"] == 1
    assert [level for level, _, status in escalations(rt, soon) if status == "fired"] == ["L0", "L1"]
    assert after(rt, soon) == date(2022, 7, 8)  # L2: 5 working days after the deadline


def test_an_idle_sweep_evaluates_nothing(rt, monkeypatch):
    import workflows.sweep as sweep_module

    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    ids = [measure(rt, date(2022, 7, 1), text=f"举措 {n}") for n in range(3)]
    late = measure(rt, date(2022, 6, 1), text="早已逾期")  # through its ladder: L3 fired, nothing later
    rt.sweep(bj(NOW))
    assert after(rt, late) == SWEEP_NEVER
    evaluated: list[int] = []
    real = sweep_module.fire_measure
    monkeypatch.setitem(sweep_module.FIRE, "measure",
                        lambda session, row, *a, **k: (evaluated.append(row.id), real(session, row, *a, **k)))
    again = rt.sweep(bj("2022-06-30 16:00"))
    assert not again.fired and not again.superseded and evaluated == []
    assert set(ids) <= set(candidates(rt, "2022-07-04 09:00"))


def test_an_action_makes_the_measure_be_evaluated_again(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    mid = measure(rt, date(2022, 7, 1), state="assigned")
    rt.sweep(bj(NOW))
    assert candidates(rt, NOW) == [] and after(rt, mid) == date(2022, 7, 4)
    esc_act(rt, mid, "clerk", "start", NOW)  # any action clears the stored day
    assert after(rt, mid) is None and candidates(rt, NOW) == [mid]
    rt.sweep(bj(NOW))
    assert candidates(rt, NOW) == [] and after(rt, mid) == date(2022, 7, 4)


def test_a_new_calendar_makes_every_measure_be_evaluated_again(rt):
    """A holiday notice that turns 7月4日 into a day off moves L1 to 7月5日: the stored day must not be trusted."""
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    mid = measure(rt, date(2022, 7, 1))
    rt.sweep(bj(NOW))
    assert after(rt, mid) == date(2022, 7, 4)
    calendar = rt.config.calendar.with_overrides({2022: YearOverride(holidays=frozenset({date(2022, 7, 4)}))})
    reset_if_basis_changed(rt.engine, rt.config.ladder, calendar)  # what the next sweep does first
    assert candidate_ids(rt.engine, bj(NOW)) == [mid]  # every measure afresh
    with rt.read() as session:
        assert session.execute(text("SELECT sweep_after FROM measure WHERE id = :i"), {"i": mid}).scalar() is None


def test_a_far_deadline_is_looked_at_again_when_it_comes_near(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    far = measure(rt, date(2024, 6, 1), text="远未到期")
    waiting = measure(rt, date(2024, 6, 1), state="reported", reported_at=bj("2022-06-28 10:00"), text="待核验")
    assert candidates(rt, NOW) == [far, waiting]
    rt.sweep(bj(NOW))
    assert after(rt, waiting) == date(2022, 7, 5)  # the reviewer's rung: 5 working days after the report
    wake = after(rt, far)
    assert date(2024, 4, 1) < wake < date(2024, 6, 1)  # before the first rung can fire, with no calendar needed
    assert candidates(rt, NOW) == [] and far in candidates(rt, f"{wake.isoformat()} 09:00")
