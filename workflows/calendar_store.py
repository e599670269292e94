"""Imported State Council notices kept in the database, so every process and every restart sees the same years.

One `calendar_year` row per imported year (its notice's title, who imported it and when, and a revision that
grows on every import) and its dates in `calendar_day`. The runtime merges these years over config/calendar.toml;
the stamp (years, sum of revisions) changes with every import, so a running process notices one cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Column, Integer, delete, func, select
from sqlmodel import Field, Session, SQLModel

from engine import history
from engine.db import AwareDateTime
from engine.errors import BadRequest
from workflows import audit_log
from workflows.calendar import WorkCalendar, YearOverride
from workflows.calendar_notice import Notice, NoticeDay, NoticeError, notice_to_override, parse_notice
from workflows.calendar_sources import OVERRIDE, rule_years

AUDIT = audit_log.CALENDAR  # the history's workflow name for calendar imports: subject = the year


class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_year"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=255)  # the notice's title line
    imported_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    imported_by: str = Field(max_length=128)
    revision: int = 1


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    year: int = Field(foreign_key="calendar_year.year", index=True)
    kind: str = Field(max_length=4)  # 休 or 班, as the notice says
    festival: str = Field(default="", max_length=64)


class CalendarImportError(BadRequest):
    """A notice that cannot be read for certain; nothing is stored."""

    code = "bad_calendar_notice"


@dataclass(frozen=True)
class ImportedYear:
    year: int
    title: str
    imported_at: datetime
    imported_by: str
    revision: int
    days: tuple[NoticeDay, ...]

    @property
    def notice(self) -> Notice:
        return Notice(self.year, list(self.days))


def read_notice(text: str) -> tuple[Notice, str]:
    """The notice and its title line; a NoticeError becomes a Chinese BadRequest naming the line."""
    try:
        notice = parse_notice(text)
    except NoticeError as exc:
        raise CalendarImportError(str(exc)) from None
    if notice.year not in rule_years():
        raise CalendarImportError(f"{notice.year} 年超出系统支持的年份（{rule_years().start}–{rule_years().stop - 1}）")
    title = next((line.strip() for line in text.splitlines() if "节假日" in line and "关于" in line), "")
    return notice, title[:255] or f"{notice.year}年部分节假日安排的通知"


def store_notice(session: Session, notice: Notice, title: str, actor_name: str, now: datetime,
                 calendar: WorkCalendar, actor_id: int | None = None) -> CalendarYear:
    """Replace the year's stored dates with the notice's, inside the caller's transaction, with an audit record."""
    row = session.get(CalendarYear, notice.year)
    before = calendar.source_of(notice.year)
    if row is None:
        row = CalendarYear(year=notice.year, imported_at=now, imported_by=actor_name, revision=0)
    session.execute(delete(CalendarDay).where(CalendarDay.year == notice.year))
    row.title, row.imported_at, row.imported_by = title, now, actor_name[:128]
    row.revision += 1
    session.add(row)
    session.flush()
    session.add_all(CalendarDay(day=d.date, year=notice.year, kind=d.kind, festival=d.festival[:64])
                    for d in notice.days)
    off = sum(d.kind == "休" for d in notice.days)
    history.append(session, workflow=AUDIT, subject_id=notice.year, action="import", from_state=before,
                   to_state=OVERRIDE, version=row.revision, actor_id=actor_id, actor_name=actor_name, at=now,
                   comment=f"导入《{title}》：放假 {off} 天，调休上班 {len(notice.days) - off} 天",
                   data={"title": title, "lines": notice.lines()})
    session.flush()
    return row


def imported_years(session: Session) -> dict[int, ImportedYear]:
    days: dict[int, list[NoticeDay]] = {}
    for d in session.execute(select(CalendarDay).order_by(CalendarDay.day)).scalars():
        days.setdefault(d.year, []).append(NoticeDay(d.day, d.kind, d.festival))
    return {y.year: ImportedYear(y.year, y.title, y.imported_at, y.imported_by, y.revision,
                                 tuple(days.get(y.year, ())))
            for y in session.execute(select(CalendarYear).order_by(CalendarYear.year)).scalars()}


def stored_overrides(session: Session) -> dict[int, YearOverride]:
    """Every imported year as the calendar's override of that year."""
    return {year: notice_to_override(found.notice) for year, found in imported_years(session).items()}


def stored_stamp(session: Session) -> tuple[int, int]:
    """(years, sum of revisions): grows with every import; one cheap query."""
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(CalendarYear.revision), 0))).one()
    return int(count), int(total)


def missing_year(calendar: WorkCalendar, today: date, warn_from: tuple[int, int]) -> int | None:
    """The year whose official schedule is missing and should be imported now: this year when it is still
    provisional, or from `warn_from` (1 November) on, next year when it is."""
    if today.year in rule_years() and calendar.is_provisional(today):
        return today.year
    ahead = today.year + 1
    if (today.month, today.day) >= warn_from and ahead in rule_years() and calendar.is_provisional(date(ahead, 1, 1)):
        return ahead
    return None
