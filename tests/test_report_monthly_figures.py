"""The 月调度 figures (JSON and .xlsx) equal what the database's history says, per unit and overall."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from config.settings import SHANGHAI
from engine.history import HistoryRecord
from tests.sheet_support import header_row, records
from tests.world import june_scenario, token
from web.app import create_app
from workflows.models import LEAD, Escalation, Measure, MeasureUnit, Milestone, Unit
from workflows.reform.table import STATE_LABELS

OPEN, DONE = {"assigned", "in_progress"}, {"verified", "evaluated", "replicated"}
REPORTED = {"reported"} | DONE  # the unit has reported: waiting for 督查办, or verified


def aware(dt: datetime) -> datetime:
    """SQLite hands instants back naive (they were stored as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def local(dt: datetime) -> datetime:
    return aware(dt).astimezone(SHANGHAI)


def day_over(due: date, instant: datetime) -> bool:
    """The due day has ended at `instant` (a finished month's cut-off, 23:59:59.999999, is its 24时)."""
    return datetime.combine(due + timedelta(days=1), time.min, SHANGHAI) <= instant + timedelta(microseconds=1)


TOTAL = object()


def expected(engine, first: date, cutoff: datetime) -> dict:
    """Recompute the month's figures straight from the rows, by the rules printed on the sheet: a report stands
    (on time if made by the due day) while 督查办 reviews it; overdue = not reported when the due day ended."""
    start = datetime.combine(first, time.min, SHANGHAI)
    cut_day = cutoff.astimezone(SHANGHAI).date()
    with Session(engine) as s:
        recs = s.exec(select(HistoryRecord).where(HistoryRecord.workflow == "reform_measure")
                      .order_by(HistoryRecord.seq)).all()
        measures = {m.id: m for m in s.exec(select(Measure))}
        leads = defaultdict(list)  # every lead unit counts the measure (共同牵头单位 are equals), 配合单位 none
        for mu in s.exec(select(MeasureUnit).where(MeasureUnit.part == LEAD).order_by(MeasureUnit.position)):
            leads[mu.measure_id].append(s.get(Unit, mu.unit_id).name)
        escalations = s.exec(select(Escalation)).all()
        milestones = s.exec(select(Milestone)).all()
    by_measure = defaultdict(list)
    for r in recs:
        by_measure[r.subject_id].append(r)
    out = defaultdict(lambda: {"by_state": Counter(), "completed": 0, "due": 0, "on_time": 0, "overdue": 0,
                               "overdue_workdays": 0, "returns": 0, "progress": 0, "esc": Counter(), "missed": 0,
                               "measures": 0})
    overdue_rows, completed_rows = {}, {}
    for mid, m in measures.items():
        for unit in (*leads[mid], TOTAL):  # TOTAL: the district, each measure once
            rows = by_measure[mid]
            upto = [r for r in rows if aware(r.at) <= cutoff]
            state = upto[-1].to_state if upto else rows[0].to_state
            due = m.due_date or (date(2022, 5, 27) if m.declared_done else None)
            fig = out[unit]
            fig["measures"] += 1
            fig["by_state"][state] += 1
            in_month = [r for r in upto if aware(r.at) >= start]
            if any(r.action == "approve" for r in in_month):
                fig["completed"] += 1
                completed_rows[mid] = True
            reported = state in REPORTED
            if reported or (due and day_over(due, cutoff)):
                fig["due"] += 1
            if reported:
                last_report = [r for r in upto if r.to_state == "reported" and r.from_state != "reported"][-1]
                by_plan = last_report.from_state is None
                if by_plan or local(aware(last_report.at)).date() <= due:
                    fig["on_time"] += 1
            if state in OPEN and due and day_over(due, cutoff):
                def open_at(instant, upto=upto):
                    before = [r for r in upto if aware(r.at) <= instant]
                    return (before[-1].to_state if before else upto[0].to_state) in OPEN

                days = sum(open_at(min(datetime.combine(d, time.max, SHANGHAI), cutoff))
                           for d in chinese_calendar.get_workdays(due + timedelta(days=1), cut_day))
                fig["overdue"] += 1
                fig["overdue_workdays"] += days
                overdue_rows[mid] = days
            fig["returns"] += sum(r.action == "return" for r in in_month)
            fig["progress"] += sum(r.action == "update_progress" for r in in_month)
            for e in escalations:  # the review rung reminds 督查办: it is on 督查办's line, not the unit's
                if e.measure_id == mid and e.status == "fired" and start <= aware(e.fired_at) <= cutoff \
                        and e.level != "review":
                    fig["esc"][e.level] += 1
            for ms in milestones:
                if ms.measure_id == mid and state in OPEN and ms.due_date < cut_day and ms.done_at is None:
                    fig["missed"] += 1
    returns = sum(r.action == "return" and aware(r.at) >= start and aware(r.at) <= cutoff for r in recs)
    overall = out.pop(TOTAL)
    # a joint measure counts for each lead unit, the 合计 once
    return {"units": dict(out), "overall": overall, "overdue": overdue_rows, "completed": completed_rows,
            "measures": len(measures), "returns": returns}


@pytest.fixture
def world(rt):
    return june_scenario(rt)


def get_report(rt, user, **params):
    with TestClient(create_app(rt)) as client:
        return client.get("/api/reports/monthly", params=params, headers=token(rt, user))


def test_june_json_matches_the_rows(rt, world):
    resp = get_report(rt, world.users["office"], month="2022-06")
    assert resp.status_code == 200
    body = resp.json()
    want = expected(rt.engine, date(2022, 6, 1), rt.clock.now())
    assert len(want["overdue"]) == 2 and len(want["completed"]) == 2  # the scenario has something to count
    assert body["running"] is True and body["cutoff"] == "2022-06-20T09:00:00+08:00"
    assert [u["unit"] for u in body["units"]] == list(want["units"])
    for got in body["units"]:
        exp = want["units"][got["unit"]]
        assert got["measures"] == exp["measures"]
        assert {k: v for k, v in got["by_state"].items() if v} == dict(exp["by_state"])
        assert (got["completed"], got["due"], got["on_time"]) == (exp["completed"], exp["due"], exp["on_time"])
        assert got["on_time_rate"] == pytest.approx(exp["on_time"] / exp["due"] if exp["due"] else None)
        assert (got["overdue"], got["overdue_workdays"]) == (exp["overdue"], exp["overdue_workdays"])
        assert (got["returns"], got["progress_updates"]) == (exp["returns"], exp["progress"])
        assert {k: v for k, v in got["escalations"].items() if v} == dict(exp["esc"])
        assert got["missed_milestones"] == exp["missed"]
        assert got["lagging"] == bool(exp["overdue"] or (exp["due"] and exp["on_time"] / exp["due"] < 0.8))
    overall = body["overall"]
    assert overall["measures"] == want["measures"] and overall["returns"] == want["returns"]
    assert {r["measure_id"]: r["workdays_overdue"] for r in body["overdue"]} == want["overdue"]
    assert {r["measure_id"] for r in body["completed"]} == set(want["completed"])
    # the escalation at 00:30 Beijing on 1 June is June's, though it is still 31 May in UTC
    assert overall["escalations"]["L1"] == 1 and overall["escalations"]["L0"] == 1
    assert body["lagging_units"] == [u["unit"] for u in body["units"] if u["lagging"]]


def test_may_is_reconstructed_from_history_not_read_from_today(rt, world):
    body = get_report(rt, world.users["office"], month="2022-05").json()
    cutoff = datetime(2022, 5, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    want = expected(rt.engine, date(2022, 5, 1), cutoff)
    assert body["running"] is False
    for got in body["units"]:
        exp = want["units"][got["unit"]]
        assert {k: v for k, v in got["by_state"].items() if v} == dict(exp["by_state"])
        assert (got["completed"], got["due"], got["on_time"], got["overdue"]) == (
            exp["completed"], exp["due"], exp["on_time"], exp["overdue"])
    with Session(rt.engine) as s:  # today the measures have moved on: the May figures must not follow them
        today = Counter(m.state for m in s.exec(select(Measure)))
    may = Counter()
    for u in body["units"]:
        may.update({k: v for k, v in u["by_state"].items() if v})
    assert may != today


def unit_rows(ws) -> dict[str, dict[str, object]]:
    """A per-unit sheet as {unit: {column title: value}}, headers read from the two merged header rows."""
    return {row["牵头单位"]: row for row in records(ws, "序号")}


def test_june_workbook_numbers_match_the_rows(rt, world):
    resp = get_report(rt, world.users["office"], month="2022-06", format="xlsx")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames[:5] == ["总体情况", "分类推进", "分单位推进", "分单位状态与预警", "逾期举措"]
    ws, states = wb["分单位推进"], wb["分单位状态与预警"]
    header = f"C4:{get_column_letter(3 + len(STATE_LABELS))}4"  # the states and 合计 under one merged header
    assert ws.freeze_panes == "A6" and header in {str(r) for r in states.merged_cells.ranges}
    want = expected(rt.engine, date(2022, 6, 1), rt.clock.now())
    rows, by_state = unit_rows(ws), unit_rows(states)
    for unit, exp in want["units"].items():
        got = rows[unit]
        assert got["举措数"] == exp["measures"] and got["核验通过"] == exp["completed"]
        assert (got["应完成"], got["按时完成"]) == (exp["due"], exp["on_time"])
        assert got["按时完成率"] == pytest.approx(exp["on_time"] / exp["due"])
        assert (got["逾期举措"], got["逾期工作日"], got["退回"]) == (exp["overdue"], exp["overdue_workdays"],
                                                             exp["returns"])
        assert got["进展报送"] == exp["progress"] and got["未完成节点"] == exp["missed"]
        assert by_state[unit]["合计"] == exp["measures"]
        assert by_state[unit]["L1 催办"] == exp["esc"]["L1"] and by_state[unit]["L2 督办"] == exp["esc"]["L2"]
    assert ws.cell(6, 6).number_format == "0.0%" and ws.cell(6, 3).number_format == "0"  # integers: no decimals
    total = rows["合计"]
    assert total["举措数"] == want["measures"]
    assert total["逾期工作日"] == sum(want["overdue"].values())
    overdue = records(wb["逾期举措"], "序号")
    assert sorted(r["逾期工作日"] for r in overdue) == sorted(want["overdue"].values())
    first = header_row(wb["逾期举措"], "序号") + 1
    assert wb["逾期举措"].cell(first, 6).number_format == 'yyyy"年"m"月"d"日"'
    assert isinstance(wb["逾期举措"].cell(first, 6).value, datetime)
    assert len(records(wb["本月核验通过"], "序号")) == len(want["completed"])


def test_a_month_before_the_import_shows_the_plans_initial_states(rt):
    """Imported on 2 June and worked on since: May is the plan as issued, not today's states."""
    from tests.world import report_build as build

    w = build(rt, import_at="2022-06-02 09:00")
    w.finish(w.measures[0], "scjg", "2022-06-06 10:00", "2022-06-07 10:00")
    w.act(w.measures[5], "approve", "reviewer", "2022-06-08 10:00")
    rt.clock.set(datetime(2022, 6, 20, 9, 0, tzinfo=SHANGHAI))
    body = get_report(rt, w.users["office"], month="2022-05").json()
    with Session(rt.engine) as s:
        first = {r.subject_id: r.to_state for r in s.exec(select(HistoryRecord).where(
            HistoryRecord.workflow == "reform_measure", HistoryRecord.from_state.is_(None)))}
    assert {k: v for k, v in body["overall"]["by_state"].items() if v} == dict(Counter(first.values()))
    assert body["overall"]["completed"] == 0 and body["completed"] == []
