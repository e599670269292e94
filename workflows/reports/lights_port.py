"""Warning lights for report rows: the project's light rules, with missed milestones turning green to yellow."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from workflows import milestones
from workflows.calendar import default_calendar
from workflows.lights import light_info
from workflows.reports.facts import MeasureFact
from workflows.reports.periods import local_day


def lights(session: Session, rows: list[MeasureFact], now: datetime) -> dict[int, str | None]:
    missed = milestones.missed_measure_ids(session, local_day(now), [m.id for m in rows])
    calendar = default_calendar()
    return {m.id: light_info(m, now, calendar, missed_milestone=m.id in missed)["light"] for m in rows}
