"""督查办's own clock: how long each report waited for verification, and the waits over the ladder's limit
(核验超时), reported against 督查办 on a line of its own, never against the unit that reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from workflows import lights
from workflows.reform.table import REFORM_MEASURE
from workflows.reports import timeline as tl
from workflows.reports.facts import Event, MeasureFact
from workflows.reports.periods import Period, local_day
from workflows.reports.rows import MeasureRef, ref_fields

PENDING = "待核验"


@dataclass(frozen=True)
class ReviewRow(MeasureRef):
    """One report's wait for 督查办: from the report to its verification or return, or to the cut-off."""

    reported_at: datetime | None = None
    closed_at: datetime | None = None  # None: still waiting at the cut-off
    outcome: str = PENDING  # the label of the action that closed it (核验通过, 退回), or 待核验
    waited_workdays: int = 0  # working days after the day of the report
    late_workdays: int = 0  # beyond the working days 督查办 has


@dataclass
class ReviewFigures:
    """督查办's line: its queue at the cut-off and the reviews of the period that took too long."""

    unit: str = "督查办"
    within: int | None = None  # working days 督查办 has (the ladder's first review rung)
    pending: int = 0  # reports waiting at the cut-off
    verified: int = 0  # verified in the period
    returned: int = 0  # returned in the period
    late: int = 0  # reviews over the limit: closed in the period, or still waiting at the cut-off
    late_workdays: int = 0
    reminders: int = 0  # review rungs of the ladder sent to 督查办 in the period
    rows: list[ReviewRow] = field(default_factory=list)  # the late reviews, longest first


def reviews(measure: MeasureFact, events: Sequence[Event], cutoff: datetime,
            calendar: lights.Workdays) -> list[ReviewRow]:
    """Every wait for 督查办 up to the cut-off, oldest first."""
    before = [e for e in events if e.at <= cutoff]
    out = []
    for i, e in enumerate(before):
        if e.to_state not in tl.AWAITING_REVIEW or (e.from_state is not None and e.from_state in tl.AWAITING_REVIEW):
            continue
        closing = next((c for c in before[i + 1:] if c.to_state not in tl.AWAITING_REVIEW), None)
        end = closing.at if closing else cutoff
        waited = calendar.workdays_between(local_day(e.at), local_day(end))
        outcome = REFORM_MEASURE.action_label(closing.action) if closing else PENDING
        out.append(ReviewRow(**ref_fields(measure), reported_at=e.at, closed_at=closing.at if closing else None,
                             outcome=outcome, waited_workdays=waited))
    return out


def figures(unit: str, measures: Iterable[MeasureFact], events: dict[int, list[Event]], period: Period,
            calendar: lights.Workdays, within: int | None, reminders: int = 0) -> ReviewFigures:
    """督查办's figures for the period; with no review rung in the ladder nothing is late."""
    fig = ReviewFigures(unit=unit, within=within, reminders=reminders)
    verified = {REFORM_MEASURE.action_label(a) for a in tl.VERIFIES}
    returned = {REFORM_MEASURE.action_label(a) for a in tl.RETURNS}
    for m in measures:
        for row in reviews(m, events.get(m.id, []), period.cutoff, calendar):
            if row.closed_at is None:
                fig.pending += 1
            elif not period.contains(row.closed_at):
                continue
            fig.verified += row.outcome in verified
            fig.returned += row.outcome in returned
            if lights.review_late(row.waited_workdays, within):
                fig.rows.append(_late(row, within))
    fig.rows.sort(key=lambda r: (-r.late_workdays, r.measure_id))
    fig.late, fig.late_workdays = len(fig.rows), sum(r.late_workdays for r in fig.rows)
    return fig


def _late(row: ReviewRow, within: int) -> ReviewRow:
    return replace(row, late_workdays=row.waited_workdays - within)
