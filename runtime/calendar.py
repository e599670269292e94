"""The yearly holiday notice as the command line and the 管理 page handle it: preview, import, show, status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version

from engine.errors import BadRequest
from runtime.core import Runtime
from workflows.calendar import CalendarUnknown
from workflows.calendar_sources import PACKAGE, PROVISIONAL
from workflows.calendar_store import imported_years, read_notice, store_notice


def preview(text: str) -> list[str]:
    """What `--dry-run` prints: one line per date understood, `YYYY-MM-DD 休` or `YYYY-MM-DD 班`, in date order."""
    notice, _ = read_notice(text)
    return notice.lines()


def import_notice(rt: Runtime, text: str, actor_name: str, actor_id: int | None = None) -> list[str]:
    """Store the notice's year (replacing an earlier import of it), audited; every process follows within
    REFORM_CALENDAR_CHECK_SECONDS, this one at once."""
    notice, title = read_notice(text)
    calendar = rt.refresh_calendar()
    before = calendar.source_of(notice.year)
    with rt.write() as session:
        row = store_notice(session, notice, title, actor_name, rt.clock.now(), calendar, actor_id)
    after = rt.refresh_calendar()
    off = sum(d.kind == "休" for d in notice.days)
    weekdays_off = sum(1 for d, kind, _ in after.non_ordinary_days(notice.year) if kind == "休")
    return [f"已导入 {notice.year} 年放假安排：《{title}》（第 {row.revision} 次导入）",
            f"放假 {off} 天（其中工作日 {weekdays_off} 天），调休上班 {len(notice.days) - off} 天",
            f"{notice.year} 年工作日历的来源：{before} → {after.source_of(notice.year)}"]


def source_line(rt: Runtime, year: int, imported) -> str:
    source = rt.calendar.source_of(year)
    if source == PACKAGE:
        return f"{year} 年工作日历：来源 package（chinesecalendar {version('chinesecalendar')} 软件包）"
    if source == PROVISIONAL:
        return (f"{year} 年工作日历：来源 provisional（暂定：按《全国年节及纪念日放假办法》推算法定节假日及补假，"
                "没有调休上班日；国务院通知公布后请用 reform calendar import 导入）")
    found = imported.get(year)
    if found is None:
        return f"{year} 年工作日历：来源 override（config/calendar.toml）"
    return (f"{year} 年工作日历：来源 override（国务院通知《{found.title}》，{beijing(found.imported_at)} 由 "
            f"{found.imported_by} 导入，第 {found.revision} 次）")


def show(rt: Runtime, year: int) -> list[str]:
    with rt.read() as session:
        imported = imported_years(session)
    calendar = rt.refresh_calendar()
    try:
        lines = [source_line(rt, year, imported)]
        days = calendar.non_ordinary_days(year)
    except CalendarUnknown as exc:
        raise BadRequest(str(exc), detail=f"calendar year {year} unknown") from None
    lines.append(f"工作日放假 {sum(k == '休' for _, k, _ in days)} 天，周末上班 {sum(k == '班' for _, k, _ in days)} 天"
                 "（其余为正常的周一至周五上班、周末休息）：")
    lines += [f"{d.isoformat()} {kind} {reason}".rstrip() for d, kind, reason in days]
    return lines


def beijing(instant: datetime) -> str:
    from config.settings import SHANGHAI

    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class CalendarStatus:
    known_until: int | None
    next_year_missing: int | None
    years: list  # ImportedYear, newest first


def status(rt: Runtime, now: datetime | None = None) -> CalendarStatus:
    with rt.read() as session:
        years = sorted(imported_years(session).values(), key=lambda y: -y.year)
    return CalendarStatus(rt.calendar.known_until, rt.calendar_missing(now), years)
