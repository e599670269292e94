"""The light in SQL (two cut-off dates and a CASE) equals the Python rule for every state and deadline position.

Deadlines run day by day across weekends, 调休 working Saturdays, the National Day and Spring Festival holidays,
the ladder's due-soon window and the end of what the calendar knows; instants include the last microsecond of
a due day. Both databases evaluate the same expression.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.world import bj
from workflows import accounts
from workflows.calendar import WorkCalendar
from workflows.lights import LIGHTS, LightSQL, cutoffs, light_info, local_day
from workflows.milestones.service import OPEN, missed_clause
from workflows.milestones.table import MILESTONE
from workflows.models import Category, Item, Measure, Milestone, Plan
from workflows.reform.table import REFORM_MEASURE

CLOSED_MILESTONE = next(s.name for s in MILESTONE.states if s.name not in OPEN)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def seed(rt, dues: list[date | None], known_until: date) -> None:
    """One measure per state x deadline x (a missed milestone or not); a report made on its deadline's day when
    the calendar knows that day (reports are made in the past, and the past is known)."""
    user = None
    with rt.write() as session:
        user = accounts.add_user(session, "writer", "supervisor", "correct-horse-1", rt.clock.now(),
                                 email="writer@wulong.example", display_name="写入者")
        plan = Plan(code="lights", title="灯色")
        session.add(plan)
        session.flush()
        cat = Category(plan_id=plan.id, seq=1, title="一、类别")
        session.add(cat)
        session.flush()
        item = Item(plan_id=plan.id, category_id=cat.id, seq=1, item_no="1", title="事项")
        session.add(item)
        session.flush()
        seq = 0
        for due in dues:
            for state in REFORM_MEASURE.state_names:
                for missed in (False, True):
                    seq += 1
                    made = due is not None and due <= known_until
                    reported = datetime.combine(due, time(10), bj("2022-01-01 00:00").tzinfo) if made else None
                    m = Measure(plan_id=plan.id, item_id=item.id, seq=seq, text=f"举措{seq}", due_date=due,
                                state=state, reported_at=reported)
                    session.add(m)
                    session.flush()
                    ms_due = (due or date(2022, 6, 1)) - timedelta(days=3)
                    session.add(Milestone(measure_id=m.id, due_date=ms_due, description="节点", created_by=user.id,
                                          created_at=rt.clock.now(),
                                          state=sorted(OPEN)[0] if missed else CLOSED_MILESTONE))


def compare(rt, calendar: WorkCalendar, now: datetime) -> int:
    rules = rt.measures.rules
    lights = LightSQL(rules, cutoffs(now, calendar, rules))
    today = local_day(now)
    light = lights.light(Measure.state, Measure.due_date, missed_clause(today, Measure.id))
    review = lights.reviewer_overdue(Measure.state, Measure.reported_at)
    missed_sql = missed_clause(today, Measure.id)
    filters = [lights.light_is(name, Measure.state, Measure.due_date, missed_sql) for name in LIGHTS]
    stmt = select(Measure, light, review, lights.late(Measure.state, Measure.due_date),
                  lights.due_soon(Measure.state, Measure.due_date), missed_sql, *filters)
    checked = 0
    with rt.read() as session:
        for m, sql_light, sql_review, late, soon, missed, *light_is in session.execute(stmt):
            info = light_info(m, now, calendar, rules, missed_milestone=bool(missed))
            where = f"{m.state} due {m.due_date} missed={bool(missed)} at {now.isoformat()}"
            assert sql_light == info.light, where
            assert [bool(x) for x in light_is] == [info.light == name for name in LIGHTS], where  # the light= filters
            assert bool(sql_review) == info.reviewer_overdue, where
            if info.light in ("red", "yellow", "green") and info.calendar_error is None:
                assert bool(late) == (info.light == "red"), where
                left = info.due_in_workdays
                assert bool(soon) == (left is not None and left <= rules.due_soon_within), where
            checked += 1
    return checked


INSTANTS = ["2022-06-20 09:00", "2022-06-30 23:59:59.999999", "2022-06-25 12:00", "2022-09-29 17:00",
            "2022-10-06 08:00", "2023-01-19 10:00", "2023-01-28 10:00"]  # 6-25 a Saturday, 1-28 a 调休 Saturday


def test_sql_light_equals_the_python_rule_for_every_state_and_deadline(rt):
    dues = [None, *days(date(2022, 6, 1), date(2022, 7, 20)), *days(date(2022, 9, 15), date(2022, 10, 20)),
            *days(date(2023, 1, 5), date(2023, 2, 10)), date(2200, 1, 1)]
    seed(rt, dues, date(2100, 12, 31))
    for at in INSTANTS:
        assert compare(rt, rt.calendar, bj(at)) == len(dues) * len(REFORM_MEASURE.state_names) * 2


@pytest.mark.parametrize("at", ["2026-12-24 10:00", "2026-12-31 23:59:59.999999", "2027-01-04 10:00"])
def test_sql_light_equals_the_python_rule_where_the_calendar_ends(rt, at):
    """Without the provisional years, 2027 is unknown: no yellow/green past the end, only red before today."""
    seed(rt, [None, *days(date(2026, 12, 10), date(2027, 1, 12))], date(2026, 12, 31))
    calendar = WorkCalendar(use_provisional=False)
    assert calendar.known_until == 2026
    assert compare(rt, calendar, bj(at)) > 0
