"""The yearly notice imported once reaches every process and every restart, audited; until then the years ahead are
provisional, and the sweep, the mail, the pages and the reports say so."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from engine.history import HistoryRecord
from engine.outbox import OutboxMessage
from notifications.digest import PROVISIONAL_NOTE, digest_item
from runtime import calendar as calendar_service
from runtime.core import Runtime
from tests.test_calendar_notice import DATA, README_TABLE, table_days
from tests.web_support import sign_in
from tests.world import bj
from tests.world import esc_measure as measure
from workflows import audit_log
from workflows.calendar_store import CalendarDay, CalendarYear, missing_year

# A notice for the first year the package does not know, written for the tests (weekdays checked by the parser).
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知

一、元旦：1月1日放假，与周末连休。
二、春节：2月5日至11日放假调休，共7天。2月13日（星期六）上班。
"""


def readme_lines(year: int) -> list[str]:
    off, on = (table_days(year, cell) for cell in README_TABLE[year])
    return sorted([f"{d} 休" for d in off] + [f"{d} 班" for d in on])


def runtime_checking_every(rt: Runtime, seconds: int) -> Runtime:
    """Another process on the same database (its own calendar cache), looking for imports every `seconds`."""
    settings = rt.settings.model_copy(update={"calendar_check_seconds": seconds})
    return Runtime(config=replace(rt.config, settings=settings), engine=rt.engine, clock=rt.clock)


@pytest.mark.parametrize("year", sorted(README_TABLE))
def test_dry_run_prints_the_readme_dates_in_order_and_stores_nothing(cli, rt, capsys, year):
    assert cli(["calendar", "import", str(DATA / f"calendar-{year}.txt"), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == readme_lines(year)
    with Session(rt.engine) as session:
        assert session.exec(select(CalendarYear)).all() == []


@pytest.mark.parametrize("year", sorted(README_TABLE))
def test_import_then_show_names_the_notice_and_every_non_ordinary_day(cli, rt, capsys, year):
    assert cli(["calendar", "import", str(DATA / f"calendar-{year}.txt")]) == 0
    out = capsys.readouterr().out
    assert f"已导入 {year} 年放假安排" in out and "package → override" in out
    assert cli(["calendar", "show", str(year)]) == 0
    shown = capsys.readouterr().out.splitlines()
    title = f"国务院办公厅关于{year}年部分节假日安排的通知"
    assert shown[0].startswith(f"{year} 年工作日历：来源 override（国务院通知《{title}》")
    off, on = (table_days(year, cell) for cell in README_TABLE[year])
    expected = sorted([(d, "休") for d in off if d.weekday() < 5] + [(d, "班") for d in on])
    assert [tuple(line.split()[:2]) for line in shown[2:]] == [(d.isoformat(), k) for d, k in expected]
    with Session(rt.engine) as session:
        stored = session.exec(select(CalendarDay).where(CalendarDay.year == year)).all()
        record = session.exec(select(HistoryRecord).where(HistoryRecord.workflow == "calendar")).one()
    assert sorted(f"{d.day} {d.kind}" for d in stored) == readme_lines(year)
    assert (record.subject_id, record.action, record.from_state, record.to_state, record.version) == (
        year, "import", "package", "override", 1)
    assert record.actor_name == audit_log.command_line("calendar import")
    assert record.payload["lines"] == readme_lines(year)


def test_a_second_import_replaces_the_year_and_the_audit_chain_holds(cli, rt, capsys, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    assert cli(["calendar", "import", str(path)]) == 0
    path.write_text(NOTICE_2027.replace("2月13日（星期六）上班。", ""), encoding="utf-8")
    assert cli(["calendar", "import", str(path)]) == 0
    assert "第 2 次导入" in capsys.readouterr().out
    assert cli(["calendar", "show", "2027"]) == 0
    out = capsys.readouterr().out
    assert "2027-02-13 班" not in out and "2027-02-05 休 春节" in out and "第 2 次" in out
    assert cli(["audit", "verify"]) == 0


def test_a_notice_the_parser_cannot_read_is_one_chinese_line(cli, tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text(NOTICE_2027.replace("2月13日（星期六）", "2月13日（星期日）"), encoding="utf-8")
    assert cli(["calendar", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reform: 错误: 第 4 行：2月13日标注为“星期日”") and err.count("\n") == 1
    assert cli(["calendar", "show", "1900"]) == 2
    assert cli(["calendar", "import", str(tmp_path / "none.txt")]) == 2


def test_an_import_reaches_a_running_process_and_survives_a_restart(rt):
    watching = runtime_checking_every(rt, 3600)  # a server that asks the database at most once an hour
    assert watching.calendar.source_of(2027) == "provisional"
    calendar_service.import_notice(rt, NOTICE_2027, "admin")
    assert rt.calendar.source_of(2027) == "override"  # the importing process at once
    assert watching.calendar.source_of(2027) == "provisional"  # not asked yet
    assert watching.refresh_calendar().source_of(2027) == "override"  # a sweep asks first
    eager = runtime_checking_every(rt, 0)
    assert eager.calendar.source_of(2027) == "override" and not eager.calendar.is_workday(date(2027, 2, 8))
    assert eager.calendar.is_workday(date(2027, 2, 13))  # the make-up Saturday
    restarted = Runtime(config=rt.config, engine=rt.engine, clock=rt.clock)
    assert restarted.calendar.known_until == 2027 and restarted.measures.calendar.source_of(2027) == "override"


def test_the_sweep_after_new_year_escalates_and_says_the_dates_are_provisional(rt, cli, capsys, monkeypatch):
    m = measure(rt, date(2026, 12, 31))
    monkeypatch.setenv("REFORM_NOW", "2027-01-06T12:00:00+08:00")
    assert cli(["sweep"]) == 0
    out = capsys.readouterr().out
    assert "L1 催办: 发出 1 条" in out and "L0 提醒: 发出 0 条，补记未发（已被更高级别取代）1 条" in out
    assert "其中 1 条预警的日期按暂定工作日历推算（2027 年放假安排尚未导入" in out
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.subject_id == m)).all()
    payloads = [json.loads(r.payload) for r in rows]
    assert payloads and {(p["level"], p["calendar"], p["due_date"]) for p in payloads} == {
        ("L1", "provisional", "2026-12-31")}
    line = digest_item(rows[0].id, rows[0].kind, payloads[0], "https://duban.wulong.example")
    assert line.details[-1] == PROVISIONAL_NOTE and line.timing == "逾期 3 个工作日"  # 1-4, 1-5, 1-6


def test_with_the_year_imported_the_same_sweep_is_official(rt):
    m = measure(rt, date(2026, 12, 31))
    calendar_service.import_notice(rt, NOTICE_2027, "admin")
    result = rt.sweep(bj("2027-01-06 12:00"))
    assert dict(result.fired) == {"L1": 1} and result.provisional == 0
    with Session(rt.engine) as session:
        payload = json.loads(session.exec(select(OutboxMessage).where(OutboxMessage.subject_id == m)).first().payload)
    assert payload["calendar"] == "official"


def test_next_years_schedule_is_missing_from_the_first_of_november():
    from workflows.calendar import WorkCalendar, YearOverride

    cal = WorkCalendar()
    assert missing_year(cal, date(2026, 10, 31), (11, 1)) is None
    assert missing_year(cal, date(2026, 11, 1), (11, 1)) == 2027
    assert missing_year(cal, date(2026, 12, 15), (12, 1)) == 2027
    assert missing_year(cal, date(2027, 1, 6), (11, 1)) == 2027  # this year itself is still provisional
    known = WorkCalendar({2027: YearOverride()})
    assert missing_year(known, date(2026, 11, 20), (11, 1)) is None
    assert missing_year(cal, date(2022, 11, 20), (11, 1)) is None


def test_the_warning_shows_on_the_workbench_of_admins_and_supervisors_only(rt, make_user):
    from tests.world import client

    rt.clock.set(bj("2026-11-05 09:00"))
    users = {name: make_user(name, role, unit) for name, role, unit in (
        ("admin1", "admin", None), ("rev", "supervisor", None), ("off", "office", None),
        ("clerk", "unit_staff", "区政府督查办"))}
    seen = {}
    with client(rt) as c:
        for name in users:
            sign_in(c, name)
            seen[name] = "2027 年的放假安排尚未导入" in c.get("/").text
        assert seen == {"admin1": True, "rev": True, "off": False, "clerk": False}
        calendar_service.import_notice(rt, NOTICE_2027, "admin")
        sign_in(c, "admin1")
        assert "放假安排尚未导入" not in c.get("/").text




def test_the_admin_pastes_a_notice_previews_the_dates_and_applies_it(rt, make_user):
    from tests.world import client

    make_user("root", "admin")
    make_user("rev", "supervisor")
    text = (DATA / "calendar-2022.txt").read_text(encoding="utf-8")
    with client(rt) as c:
        token = sign_in(c, "rev")
        assert c.get("/admin/calendar").status_code == 403
        assert c.post("/admin/calendar", data={"text": text, "_csrf_token": token}).status_code == 403
        token = sign_in(c, "root")
        page = c.get("/admin/calendar")
        assert page.status_code == 200 and "导入国务院放假安排通知" in page.text
        bad = c.post("/admin/calendar", data={"text": "你好", "_csrf_token": token})
        assert bad.status_code == 400 and "找不到通知的年份" in bad.text
        preview = c.post("/admin/calendar", data={"text": text, "_csrf_token": token})
        assert preview.status_code == 200 and all(line in preview.text for line in readme_lines(2022))
        with Session(rt.engine) as session:
            assert session.exec(select(CalendarYear)).all() == []
        assert c.post("/admin/calendar/apply", data={"text": text}).status_code == 403  # CSRF
        done = c.post("/admin/calendar/apply", data={"text": text, "_csrf_token": token})
        assert done.status_code == 200 and "已导入 2022 年放假安排" in done.text
    with Session(rt.engine) as session:
        row = session.exec(select(CalendarYear)).one()
        record = session.exec(select(HistoryRecord).where(HistoryRecord.workflow == "calendar")).one()
    assert (row.year, row.imported_by, record.actor_name, record.actor_id is not None) == (2022, "root", "root", True)


def test_report_headings_mark_a_period_in_a_provisional_year(rt):
    from openpyxl import load_workbook

    from runtime import reports

    rt.clock.set(bj("2027-02-10 09:00"))
    with rt.read() as session:
        monthly = reports.monthly(rt, session, None, "2027-01")
        june = reports.monthly(rt, session, None, "2022-06")
        year = reports.assessment(rt, session, None, "2027")
    assert monthly.calendar_note.startswith("注：2027 年的放假安排尚未公布") and june.calendar_note == ""
    assert year.calendar_note == monthly.calendar_note
    import io

    sheet = load_workbook(io.BytesIO(reports.monthly_workbook(rt, monthly).content)).worksheets[0]
    assert sheet.cell(3, 1).value == monthly.calendar_note
