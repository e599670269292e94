"""Pure readings of one measure's history: its state at an instant, the report that stands, and how late it was."""

# "Reported" and "overdue" are the definitions of workflows.lights (a report waiting for 督查办 is not the
# unit's delay); these functions apply them to the history, so that a past month reads as it stood then.

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workflows import lights
from workflows.reform.table import REFORM_MEASURE
from workflows.reports.facts import Event, MeasureFact
from workflows.reports.periods import local_day

REPORTED = lights.reported_states(REFORM_MEASURE)  # the unit's report stands: waiting for 督查办, or verified
OWES = frozenset(REFORM_MEASURE.state_names) - REPORTED  # the unit still owes its report: its deadline runs
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
class Report:
    """The unit's report that stands at an instant (not returned since)."""

    reported_at: datetime | None
    by_plan: bool = False  # the plan declared the measure done (已完成), brought in by the import
    verified_at: datetime | None = None  # when 督查办 verified it; None while it waits

    def on_time(self, due: date | None) -> bool:
        """Reported by the end of the due day counts as on time, however long 督查办 takes to verify it."""
        at = self.reported_at or self.verified_at
        if due is None or self.by_plan or at is None:
            return True
        return local_day(at) <= due


def standing_report(measure: MeasureFact, events: Sequence[Event], instant: datetime) -> Report | None:
    """The report standing at `instant`, or None while the unit owes it (never reported, or returned since)."""
    before = [e for e in events if e.at <= instant]
    if state_at(measure, events, instant) not in REPORTED:
        return None
    if not before:  # before its first record: the plan's own 已完成, or a row without history
        by_plan = bool(events) and events[0].from_state is None
        return Report(None if by_plan else measure.reported_at, by_plan=by_plan)
    entries = [i for i, e in enumerate(before) if e.to_state in AWAITING_REVIEW
               and (e.from_state is None or e.from_state not in AWAITING_REVIEW)]
    if not entries:  # it reached a reported state without a report record: take the first such record
        first = next(e for e in before if e.to_state in REPORTED)
        return Report(first.at, verified_at=first.at if first.to_state in DONE else None)
    entry = before[entries[-1]]
    verified = [e for e in before[entries[-1]:] if e.action in VERIFIES]
    return Report(entry.at, by_plan=entry.from_state is None, verified_at=verified[-1].at if verified else None)


def completion(measure: MeasureFact, events: Sequence[Event], instant: datetime) -> Report | None:
    """The verified report standing at `instant` (None if it was not verified then, or sent back since)."""
    found = standing_report(measure, events, instant)
    if found is None or state_at(measure, events, instant) not in DONE:
        return None
    return found


def owes_checker(measure: MeasureFact, events: Sequence[Event]) -> Callable[[datetime], bool]:
    """A fast test 'did the unit still owe its report at this instant?' for many instants."""
    times = [e.at for e in events]
    states = [e.to_state for e in events]
    initial = states[0] if states else measure.state

    def owes(instant: datetime) -> bool:
        idx = bisect_right(times, instant)
        return (states[idx - 1] if idx else initial) in OWES

    return owes


def is_overdue(measure: MeasureFact, events: Sequence[Event], cutoff: datetime) -> bool:
    """Its due day ended before `cutoff` and the unit had not reported by then (or was returned since)."""
    due = measure.effective_due
    return due is not None and lights.past_due(due, cutoff) and owes_checker(measure, events)(cutoff)


def overdue_workdays(measure: MeasureFact, events: Sequence[Event], cutoff: datetime, calendar: lights.Workdays,
                     first: date | None = None) -> int:
    """Working days after the deadline (and from `first`, when given) to the cut-off's day on which the unit still
    owed its report: at the end of the day, or at the cut-off for its own day.

    The state is constant between the days of the actions, so each stretch is one lookup in the working-day index
    (`calendar.workdays_between`), not a step per day."""
    due = measure.effective_due
    if due is None:
        return 0
    start, until = (due if first is None else max(due, first - timedelta(days=1))), local_day(cutoff)
    if until <= start:
        return 0
    state = events[0].to_state if events else measure.state  # before its first record, as `owes_checker` reads
    total, since = 0, start  # days after `since` have `state` until the next action's day
    for e in events:
        if e.at > cutoff:
            continue
        day = local_day(e.at)  # the state at the end of `day` (or at the cut-off) follows this action
        if day > since:
            total += calendar.workdays_between(since, day - timedelta(days=1)) if state in OWES else 0
            since = day - timedelta(days=1)
        state = e.to_state
    return total + (calendar.workdays_between(since, until) if state in OWES else 0)


def events_between(events: Sequence[Event], start: datetime, end: datetime, *actions: str) -> list[Event]:
    return [e for e in events if start <= e.at <= end and (not actions or e.action in actions)]
