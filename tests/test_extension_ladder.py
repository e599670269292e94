"""An approved extension starts a new ladder; a pending request pauses the old one; a rejected one resumes it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from tests.world import esc_act as act
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from tests.world import escalations, sweep_at
from workflows.models import Measure


def due_of(rt, measure_id: int) -> tuple[date, int]:
    with Session(rt.engine) as session:
        m = session.get(Measure, measure_id)
        return m.due_date, m.deadline_version


def test_pending_extension_pauses_and_approval_starts_a_new_ladder(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    m = measure(rt, date(2022, 6, 10))
    assert dict(sweep_at(rt, "2022-06-13 09:00").fired) == {"L1": 1}
    act(rt, m, "clerk", "request_extension", "2022-06-14 10:00", proposed_due_date="2022-07-29",
        comment="需等待市级系统上线")
    assert not sweep_at(rt, "2022-06-20 09:00").fired  # L2 (6-17) is due but the ladder is paused
    act(rt, m, "rev", "decide_extension", "2022-06-21 10:00", approve=True, comment="同意延期")
    assert due_of(rt, m) == (date(2022, 7, 29), 2)
    assert not sweep_at(rt, "2022-06-21 11:00").fired  # the old ladder is over, the new one not begun
    assert not sweep_at(rt, "2022-07-21 23:00").fired
    assert dict(sweep_at(rt, "2022-07-22 09:00").fired) == {"L0": 1}  # 7-29 minus 5 working days
    assert dict(sweep_at(rt, "2022-08-01 09:00").fired) == {"L1": 1}
    assert escalations(rt, m) == [("L0", 1, "superseded"), ("L1", 1, "fired"), ("L0", 2, "fired"),
                                  ("L1", 2, "fired")]


def test_rejected_extension_resumes_the_old_ladder_with_catch_up(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    m = measure(rt, date(2022, 6, 10))
    act(rt, m, "clerk", "request_extension", "2022-06-08 10:00", proposed_due_date="2022-07-29",
        comment="需等待市级系统上线")
    assert not sweep_at(rt, "2022-06-20 09:00").fired  # paused through L1 and L2
    act(rt, m, "rev", "decide_extension", "2022-06-21 10:00", approve=False, comment="不同意")
    result = sweep_at(rt, "2022-06-21 11:00")
    assert dict(result.fired) == {"L2": 1} and dict(result.superseded) == {"L0": 1, "L1": 1}
    assert due_of(rt, m) == (date(2022, 6, 10), 1)
