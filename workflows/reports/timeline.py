"""Pure readings of one measure's history: its state at an instant, when it was completed and how late."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workflows.reform.table import REFORM_MEASURE
from workflows.reports.facts import Event, MeasureFact
from workflows.reports.periods import end_of_day, local_day

OPEN = REFORM_MEASURE.tagged("owes_work")  # not yet reported: the deadline is running
DONE = REFORM_MEASURE.tagged("done")  # 督查办 has verified it
AWAITING_REVIEW = REFORM_MEASURE.tagged("awaiting_review")
VERIFIES = REFORM_MEASURE.actions_tagged("verifies")
RETURNS = REFORM_MEASURE.actions_tagged("returns")
PROGRESS = REFORM_MEASURE.actions_tagged("progress")
EVALUATES = REFORM_MEASURE.actions_tagged("evaluates")
REPLICATES = REFORM_MEASURE.actions_tagged("replicates")


def state_at(measure: MeasureFact, events: Sequence[Event], instant: datetime) -> str:
    """The state after the last action at or before `instant`; before its first record, its initial state."""
    before = [e for e in events if e.at <= instant]
    if before:
        return before[-1].to_state
    return events[0].to_state if events else measure.state


def in_scope(measure: MeasureFact, events: Sequence[Event], cutoff: datetime) -> bool:
    """A measure counts once its plan is issued or, failing that, once it is in the system."""
    if measure.plan_issued_on is not None:
        return measure.plan_issued_on <= local_day(cutoff)
    return bool(events) and events[0].at <= cutoff


@dataclass(frozen=True)
class Completion:
    verified_at: datetime
    reported_at: datetime | None
    by_plan: bool = False  # the verified report is the plan's own 已完成, brought in by the import

    def on_time(self, due: date | None) -> bool:
        """Reported on or before the deadline day counts as on time, however late 督查办 verified it."""
        if due is None or self.by_plan:
            return True
        reported = self.reported_at or self.verified_at
        return local_day(reported) <= due


def completion(events: Sequence[Event], cutoff: datetime) -> Completion | None:
    """The verification standing at `cutoff` (None if it was not verified then, or adjusted since)."""
    before = [e for e in events if e.at <= cutoff]
    if not before or before[-1].to_state not in DONE:
        return None
    approvals = [i for i, e in enumerate(before) if e.action in VERIFIES]
    if not approvals:  # verified without an approve record: take the first record that entered a done state
        first = next(e for e in before if e.to_state in DONE)
        return Completion(first.at, None)
    idx = approvals[-1]
    reports = [e for e in before[:idx] if e.to_state in AWAITING_REVIEW]
    last = reports[-1] if reports else None
    return Completion(before[idx].at, last.at if last else None, bool(last and last.from_state is None))


def open_checker(measure: MeasureFact, events: Sequence[Event]) -> Callable[[datetime], bool]:
    """A fast test 'was the measure not yet reported at this instant?' for many instants."""
    times = [e.at for e in events]
    states = [e.to_state for e in events]
    initial = states[0] if states else measure.state

    def is_open(instant: datetime) -> bool:
        idx = bisect_right(times, instant)
        return (states[idx - 1] if idx else initial) in OPEN

    return is_open


def overdue_workdays(measure: MeasureFact, events: Sequence[Event], first: date, cutoff: datetime,
                     is_workday: Callable[[date], bool]) -> int:
    """Working days d in [first, cutoff's day] after the deadline on which the measure was still not reported
    (at the end of d, or at the cut-off for its own day)."""
    due = measure.effective_due
    if due is None:
        return 0
    is_open = open_checker(measure, events)
    day, last, count = max(first, due + timedelta(days=1)), local_day(cutoff), 0
    while day <= last:
        if is_workday(day) and is_open(min(end_of_day(day), cutoff)):
            count += 1
        day += timedelta(days=1)
    return count


def events_between(events: Sequence[Event], start: datetime, end: datetime, *actions: str) -> list[Event]:
    return [e for e in events if start <= e.at <= end and (not actions or e.action in actions)]
