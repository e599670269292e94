"""Warning lights (红黄绿灯), computed from a subject's state and deadline and an instant; never stored.

Which states have a running deadline, which wait for 督查办, and how many working days make a light
yellow or a review late all come from the workflow definition's tags and the ladder's levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, literal, not_, null, or_

from engine.db import utc
from engine.definition import WorkflowDefinition
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.ladder import Ladder

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIGHTS = ("green", "yellow", "red")
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f2a600", "green": "#2e7d32", None: "#b0bec5"}
# The one definition of "overdue" the lights, the 月调度, the 督查考核 and the cockpit share: a measure is overdue
# once its due day has ended (24时, Beijing) without a report from the unit (a state tagged awaiting_review or
# beyond); its lateness is the working days after the due day on which the unit still owed that report. A report
# waiting for 督查办 is never the unit's delay.
REPORTED_TAGS = ("awaiting_review", "done")  # reported, or beyond: the unit has done its part


class Workdays(Protocol):
    def is_workday(self, day: date) -> bool: ...

    def workdays_between(self, a: date, b: date) -> int: ...


def reported_states(defn: WorkflowDefinition) -> frozenset[str]:
    """The states in which the unit's report stands: waiting for 督查办, or verified and beyond."""
    return frozenset().union(*(defn.tagged(tag) for tag in REPORTED_TAGS))


def past_due(due: date, instant: datetime) -> bool:
    """True once the due day has ended: from its last instant on (a finished day's cut-off is its 24时)."""
    return local_day(instant + timedelta(microseconds=1)) > due


def overdue_workdays(due: date, until: date, calendar: Workdays, owed_on: Callable[[date], bool] | None = None) -> int:
    """Working days after the due day, up to and including `until`, on which the unit still owed its report.

    `owed_on(day)` answers from the history (the reports); without it every such day counts, as the lights,
    which know only the present state of a measure that owes its report now, count them."""
    if until <= due:
        return 0
    if owed_on is None:
        return calendar.workdays_between(due, until)
    days = (due + timedelta(days=n) for n in range(1, (until - due).days + 1))
    return sum(1 for day in days if calendar.is_workday(day) and owed_on(day))


def local_day(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("local_day needs an aware instant")
    return instant.astimezone(SHANGHAI).date()


def stored_day(instant: datetime) -> date:
    """The Beijing date of a stored instant (stored instants are UTC)."""
    return utc(instant).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class LightRules:
    """The light's rules for one workflow: its tags and the ladder's windows."""

    defn: WorkflowDefinition
    due_soon_within: int
    review_within: int | None

    @classmethod
    def of(cls, defn: WorkflowDefinition, ladder: Ladder) -> LightRules:
        return cls(defn, ladder.due_soon_within, ladder.review_within)

    def owes_work(self, state: str) -> bool:
        return self.defn.has_tag(state, "owes_work")

    def awaiting_review(self, state: str) -> bool:
        return self.defn.has_tag(state, "awaiting_review")

    def reported(self, state: str) -> bool:
        return state in reported_states(self.defn)


@dataclass(frozen=True)
class LightInfo:
    light: str | None
    due_in_workdays: int | None = None
    overdue_workdays: int | None = None
    reviewer_overdue: bool = False
    missed_milestone: bool = False
    calendar: str = "official"  # official | provisional: where the working days behind the figures come from
    calendar_error: str | None = None


def light_info(measure, now: datetime, calendar: WorkCalendar, rules: LightRules,
               missed_milestone: bool = False) -> LightInfo:
    """The light and the figures behind it.

    A calendar gap is reported, never guessed: red needs only the date (past due is past due), so it
    stays red with overdue_workdays None; yellow/green need the calendar, so the light is None then.
    `missed_milestone` (倒排时间表: a milestone past its date and not done) turns a green light yellow
    while the unit still owes the work.
    """
    try:
        info = _info(measure, now, calendar, rules)
    except CalendarUnknown as exc:
        late = not rules.reported(measure.state) and measure.due_date is not None and past_due(measure.due_date, now)
        info = LightInfo("red" if late else None, calendar_error=str(exc))
    if missed_milestone and rules.owes_work(measure.state):
        info = replace(info, missed_milestone=True, light="yellow" if info.light == "green" else info.light)
    return info


def _info(measure, now: datetime, calendar: WorkCalendar, rules: LightRules) -> LightInfo:
    today = local_day(now)
    provisional = "provisional" if calendar.is_provisional(today) else "official"
    if rules.awaiting_review(measure.state):  # reported: 督查办's clock runs, not the unit's
        return LightInfo("green", reviewer_overdue=reviewer_overdue(measure, today, calendar, rules),
                         calendar=provisional)
    due = measure.due_date
    if rules.reported(measure.state) or due is None:
        return LightInfo("green", calendar=provisional)
    if calendar.is_provisional(due):
        provisional = "provisional"
    if past_due(due, now):
        return LightInfo("red", overdue_workdays=overdue_workdays(due, today, calendar), calendar=provisional)
    left = calendar.workdays_between(today, due)
    return LightInfo("yellow" if left <= rules.due_soon_within else "green", due_in_workdays=left,
                     calendar=provisional)


def reviewer_overdue(measure, today: date, calendar: WorkCalendar, rules: LightRules) -> bool:
    if rules.review_within is None or not rules.awaiting_review(measure.state) or measure.reported_at is None:
        return False
    return review_late(calendar.workdays_between(stored_day(measure.reported_at), today), rules.review_within)


def review_late(waited_workdays: int, review_within: int | None) -> bool:
    """督查办 has `review_within` working days after the day of the report; a longer wait is 核验超时."""
    return review_within is not None and waited_workdays > review_within


# --- the same rule in SQL: two cut-off dates computed once per request, then a CASE over state and due date ---

@dataclass(frozen=True)
class Cutoffs:
    """The dates that turn lights on at one instant, computed once from the calendar and the ladder.

    `late_before`: a deadline before it is past (the due day has ended). `soon`: the last deadline still
    within the ladder's due-soon window (yellow); `known_through`: the last day whose working days the
    calendar knows, contiguously from today (a later deadline has no yellow/green light); None when the
    calendar does not know today. `review_before`: a report made before that day waits too long (核验超时).
    """

    today: date
    late_before: date
    soon: date | None
    known_through: date | None
    review_before: date | None


def cutoffs(now: datetime, calendar: WorkCalendar, rules: LightRules) -> Cutoffs:
    today, late_before = local_day(now), local_day(now + timedelta(microseconds=1))
    known = _known_through(today, calendar)
    if known is None:
        return Cutoffs(today, late_before, None, None, None)
    try:  # the day before the (n+1)-th working day after today: n working days lie in (today, soon]
        soon = calendar.add_workdays(today, rules.due_soon_within + 1) - timedelta(days=1)
    except CalendarUnknown:  # the window runs past what the calendar knows: every known deadline is in it
        soon = known
    review = None
    if rules.review_within is not None:
        try:  # the (n+1)-th working day back from today (today included): a report before it waited more than n
            review = calendar.add_workdays(today + timedelta(days=1), -(rules.review_within + 1))
        except CalendarUnknown:
            review = None
    return Cutoffs(today, late_before, min(soon, known), known, review)


def _known_through(today: date, calendar: WorkCalendar) -> date | None:
    year = today.year
    while year <= date.max.year:
        try:
            calendar.source_of(year)
        except CalendarUnknown:
            break
        year += 1
    return None if year == today.year else date(year - 1, 12, 31)


@dataclass(frozen=True)
class LightSQL:
    """SQL expressions of the light for rows with a state and a due-date column: the WHERE of `light=red`, the
    GROUP BY of the overview, the counts of the cockpit. Equal to `light_info` for every state and deadline
    (tests/test_lights_in_sql.py)."""

    rules: LightRules
    cut: Cutoffs

    def _in(self, state, states) -> ColumnElement[bool]:
        return state.in_(sorted(states)) if states else false()

    def reported(self, state) -> ColumnElement[bool]:
        return self._in(state, reported_states(self.rules.defn))

    def owes(self, state) -> ColumnElement[bool]:
        return self._in(state, self.rules.defn.tagged("owes_work"))

    def unreported(self, state) -> ColumnElement[bool]:
        """The states in which the unit's clock runs, as an IN list (an index on (state, due_date) serves it)."""
        return self._in(state, set(self.rules.defn.state_names) - reported_states(self.rules.defn))

    def late(self, state, due) -> ColumnElement[bool]:
        """Red: the unit has not reported and the due day has ended."""
        return and_(self.unreported(state), due.is_not(None), due < self.cut.late_before)

    def due_soon(self, state, due) -> ColumnElement[bool]:
        """Yellow by the deadline alone: not past it, and within the ladder's window of working days."""
        if self.cut.soon is None:
            return false()
        return and_(self.unreported(state), due >= self.cut.late_before, due <= self.cut.soon)

    def light_is(self, name: str, state, due, missed: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
        """`light(...) == name` as plain predicates over the columns, so indexes serve `light=` filters."""
        cut, owes_missed = self.cut, false() if missed is None else and_(self.owes(state), missed)
        if name == "red":
            return self.late(state, due)
        if cut.known_through is None:
            return false()
        if name == "yellow":
            later = or_(due.is_(None), and_(due > cut.soon, due <= cut.known_through))
            return or_(self.due_soon(state, due), and_(self.unreported(state), later, owes_missed))
        if name == "green":
            later = or_(due.is_(None), and_(due > cut.soon, due <= cut.known_through))
            return or_(self.reported(state), and_(self.unreported(state), later, not_(owes_missed)))
        raise ValueError(f"unknown light {name!r}")

    def reviewer_overdue(self, state, reported_at) -> ColumnElement[bool]:
        """Waiting for 督查办 longer than the ladder allows: reported (a stored instant) before the cut-off day
        began in Beijing."""
        if self.cut.review_before is None:
            return false()
        awaiting = self._in(state, self.rules.defn.tagged("awaiting_review"))
        began = datetime.combine(self.cut.review_before, time(0), SHANGHAI)
        return and_(awaiting, reported_at.is_not(None), reported_at < began)

    def light(self, state, due, missed: ColumnElement[bool] | None = None) -> ColumnElement:
        """'red' / 'yellow' / 'green', or NULL when the calendar cannot say; `missed` (a milestone missed)
        turns green yellow while the unit owes the work."""
        red, cut = literal("red"), self.cut
        if cut.known_through is None:
            return case((self.late(state, due), red), else_=null())
        green = literal("green")
        if missed is not None:
            green = case((and_(self.owes(state), missed), literal("yellow")), else_=literal("green"))
        whens = [(self.reported(state), literal("green")), (due.is_(None), green), (due < cut.late_before, red),
                 (due > cut.known_through, null())]
        if cut.soon is not None:
            whens.append((due <= cut.soon, literal("yellow")))
        return case(*whens, else_=green)
