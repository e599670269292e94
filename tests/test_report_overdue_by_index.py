"""A report's overdue working days, counted stretch by stretch through the working-day index, equal the day-by-day
count of the rule (a working day after the deadline on whose end the unit still owed its report)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import SHANGHAI
from workflows import lights
from workflows.calendar import WorkCalendar
from workflows.reform.table import REFORM_MEASURE
from workflows.reports import timeline as tl
from workflows.reports.facts import Event, MeasureFact
from workflows.reports.periods import end_of_day, local_day

CAL = WorkCalendar()
STATES = REFORM_MEASURE.state_names


def fact(due: date | None, state: str) -> MeasureFact:
    return MeasureFact(id=1, seq=1, plan_id=1, category_seq=1, category="类", item_id=1, item_no="1", item_title="事项",
                       klass=None, text="举措", due_text="", due_date=due, declared_done=False, plan_issued_on=None,
                       key=False, note="", state=state, units=("区财政局",), unit_id=1, percent=None, last_progress="",
                       reported_at=None, verified_at=None, rating=None, satisfaction=None)


def by_day(m: MeasureFact, events: list[Event], cutoff: datetime, first: date | None) -> int:
    """The rule as written first: every day after the deadline, asked one by one."""
    owes = tl.owes_checker(m, events)
    due = m.effective_due
    start = due if first is None else max(due, first - timedelta(days=1))
    return lights.overdue_workdays(start, local_day(cutoff), CAL, lambda day: owes(min(end_of_day(day), cutoff)))


instants = st.builds(lambda d, minutes: datetime.combine(d, time(0), SHANGHAI) + timedelta(minutes=minutes),
                     st.dates(date(2022, 5, 1), date(2023, 3, 31)), st.integers(0, 24 * 60 - 1))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(due=st.dates(date(2022, 5, 1), date(2023, 2, 28)), cutoff=instants,
       moves=st.lists(st.tuples(instants, st.sampled_from(STATES)), max_size=8),
       first=st.none() | st.dates(date(2022, 5, 1), date(2023, 3, 31)), state=st.sampled_from(STATES))
def test_stretches_equal_the_day_by_day_count(due, cutoff, moves, first, state):
    events = [Event(at=at, action="act", from_state=None, to_state=to, actor="a", comment="")
              for at, to in sorted(moves)]
    m = fact(due, state)
    assert tl.overdue_workdays(m, events, cutoff, CAL, first) == by_day(m, events, cutoff, first)


def test_a_late_measure_counts_the_working_days_it_still_owed():
    """Due Friday 2022-09-30; the National Day week is off; reported Tuesday 10-11 at 10:00, cut-off 10-14."""
    owes, reported = sorted(REFORM_MEASURE.tagged("owes_work"))[0], sorted(REFORM_MEASURE.tagged("awaiting_review"))[0]
    at = datetime(2022, 10, 11, 10, 0, tzinfo=SHANGHAI)
    events = [Event(datetime(2022, 9, 1, 9, tzinfo=SHANGHAI), "import", None, owes, "a", ""),
              Event(at, "report", owes, reported, "a", "")]
    m = fact(date(2022, 9, 30), owes)
    cutoff = datetime(2022, 10, 14, 18, 0, tzinfo=SHANGHAI)
    # 10-8 (Sat) and 10-9 (Sun) are 调休 working days; 10-10 Monday owed; reported on 10-11 before its end
    assert tl.overdue_workdays(m, events, cutoff, CAL) == 3
