"""A unit is judged on what it controls: a report made in time stands while 督查办 reviews it, 督查办's delay is
督查办's line, one definition of overdue for the lights, the 月调度 and the 督查考核, and nothing due is not a score."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from runtime import reports as reporting
from tests.sheet_support import records
from tests.world import Row, World, bj, ledger, people
from workflows.models import Measure
from workflows.reports.assessment import NOTHING_DUE

ROWS = (
    Row(1, "1", "一照多址改革", "经营场所备案", ("区市场监管局",), date(2022, 6, 15), key=True),  # A: slow review
    Row(1, "2", "电子证照互认", "推广电子证照", ("区市场监管局",), None, declared_done=True),  # B: the plan's 已完成
    Row(1, "3", "清除招投标隐性门槛", "清理政府采购", ("区财政局",), date(2022, 6, 15)),  # C: never reported
    Row(1, "4", "优化招投标", "招投标专项整治", ("区财政局",), date(2022, 6, 10)),  # D: on time, then returned
    Row(2, "5", "数字证书互认", "CA 推广应用", ("区政务办",), date(2022, 12, 31)),  # E: nothing due yet
    Row(2, "6", "客货运输电子证照", "电子证照互认", ("区交通局",), date(2022, 6, 30)),  # F: due on the month's last day
)


@pytest.fixture
def world(rt) -> World:
    rt.clock.set(bj("2022-05-30 09:00"))
    w = World(rt, ledger(rt, ROWS))
    w.users = people(rt, {"scjg": ("unit_staff", "区市场监管局"), "cz": ("unit_staff", "区财政局"),
                          "reviewer": ("supervisor", None), "office": ("office", None)})
    a, _, _, d, _, _ = w.measures
    w.act(a, "start", "scjg", "2022-06-01 09:00")
    w.act(a, "report", "scjg", "2022-06-14 10:00")  # a day early
    w.act(d, "start", "cz", "2022-06-01 09:00")
    w.act(d, "report", "cz", "2022-06-09 10:00")  # a day early
    w.act(d, "return", "reviewer", "2022-06-13 15:00", comment="佐证材料不全")  # after its deadline
    w.act(a, "approve", "reviewer", "2022-06-28 10:00")  # 10 working days after the report
    return w


def at(rt, when: str):
    rt.clock.set(bj(when))


def assessment(rt, year: str = "2022"):
    with rt.read() as session:
        return reporting.assessment(rt, session, None, year)


def monthly(rt, month: str = "2022-06"):
    with rt.read() as session:
        return reporting.monthly(rt, session, None, month)


def light(rt, measure_id: int):
    with rt.read() as session:
        return rt.measures.light(session.get(Measure, measure_id), rt.clock.now())


def test_a_report_in_time_stands_while_the_supervisors_review_it(rt, world):
    at(rt, "2022-06-20 09:00")  # A waits for 督查办 since 6-14; B (已完成) since the import
    report = assessment(rt)
    scjg = next(u for u in report.units if u.unit == "区市场监管局")
    assert (scjg.due, scjg.on_time, scjg.on_time_rate) == (2, 2, 1.0)
    assert scjg.total == report.base and all(line.points == 0 for line in scjg.lines)  # nothing against it
    assert light(rt, world.measures[0]).light == "green"  # reported: the unit's light is green
    review = report.review  # the waits are 督查办's: A has waited 4 working days, B (since 5-30) 14 of its 5
    assert review.unit == "区政府督查办" and review.within == 5 and review.pending == 2
    assert {r.measure_id: r.late_workdays for r in review.rows} == {world.measures[1]: 9}
    at(rt, "2022-06-29 09:00")  # A verified on 6-28, 10 working days after its report: still on time for the unit
    report = assessment(rt)
    scjg = next(u for u in report.units if u.unit == "区市场监管局")
    assert (scjg.on_time, scjg.total) == (2, report.base)
    late = {r.measure_id: (r.outcome, r.waited_workdays, r.late_workdays) for r in report.review.rows}
    assert late[world.measures[0]] == ("核验通过", 10, 5)  # (6-14, 6-28]: 10 working days, 5 over the limit
    assert late[world.measures[1]][0] == "待核验" and late[world.measures[1]][2] > 0
    assert report.review.late == 2 and report.review.late_workdays == sum(r[2] for r in late.values())


def test_a_returned_report_no_longer_counts_and_the_unit_owes_it_again(rt, world):
    at(rt, "2022-06-20 09:00")
    cz = next(u for u in assessment(rt).units if u.unit == "区财政局")
    assert (cz.due, cz.on_time) == (2, 0)
    days = {d.measure_id: d.quantity for d in cz.details if d.rule_key == "overdue_workdays"}
    # C: 6-16, 6-17, 6-20 after its 6-15 deadline; D: reported in time, returned on 6-13, owed from then on
    # (6-13 … 6-17, 6-20), never for the days 督查办 held it
    assert days == {world.measures[2]: 3, world.measures[3]: 6}
    line = next(x for x in cz.lines if x.key == "overdue_workdays")
    assert line.quantity == 9 and len(line.measures) == 2 and all("项：" in name for name in line.measures)
    assert light(rt, world.measures[3]).light == "red" and light(rt, world.measures[3]).overdue_workdays == 6


@pytest.mark.parametrize("when, overdue, workdays, light_colour", [
    ("2022-06-15 23:00", False, 0, "yellow"),  # the due day: not overdue until its end
    ("2022-06-16 00:00", True, 1, "red"),  # the next day has begun: one working day
    ("2022-06-16 09:00", True, 1, "red"),
    ("2022-06-20 09:00", True, 3, "red"),  # 6-16, 6-17, 6-20 (the weekend does not count)
])
def test_one_definition_of_overdue_on_the_due_day_and_after(rt, world, when, overdue, workdays, light_colour):
    c = world.measures[2]
    at(rt, when)
    month = monthly(rt)
    listed = {r.measure_id: r.workdays_overdue for r in month.overdue}
    assert (c in listed) == overdue and listed.get(c, 0) == workdays
    info = light(rt, c)
    assert info.light == light_colour and (info.overdue_workdays or 0) == workdays
    cz = next(u for u in assessment(rt).units if u.unit == "区财政局")
    counted = {d.measure_id: d.quantity for d in cz.details if d.rule_key == "overdue_workdays"}
    assert counted.get(c, 0) == workdays
    not_on_time = {d.measure_id for d in cz.details if d.rule_key == "on_time_shortfall"}
    assert (c in not_on_time) == overdue  # due (and not on time) once its day has ended, not before


def test_a_measure_due_on_the_last_day_is_overdue_at_the_months_24_oclock(rt, world):
    f = world.measures[5]
    at(rt, "2022-07-01 09:00")
    june = monthly(rt)  # cut-off 2022-06-30 24时
    assert not june.running and {r.measure_id: r.workdays_overdue for r in june.overdue}[f] == 0
    traffic = next(u for u in june.units if u.unit == "区交通局")
    assert (traffic.due, traffic.on_time, traffic.overdue, traffic.lagging) == (1, 0, 1, True)
    assert light(rt, f).light == "red" and light(rt, f).overdue_workdays == 1  # 7-1 is a working day under way


def test_a_unit_with_nothing_due_is_not_scored_and_comes_last(rt, world):
    at(rt, "2022-06-20 09:00")
    report = assessment(rt)  # 区政务办 (due 12-31) and 区交通局 (due 6-30) have nothing due on 6-20
    names = [u.unit for u in report.units]
    for name in ("区政务办", "区交通局"):
        unit = next(u for u in report.units if u.unit == name)
        assert (unit.total, unit.rank, unit.status, unit.due) == (None, None, NOTHING_DUE, 0)
    assert names == ["区市场监管局", "区财政局", "区政务办", "区交通局"]  # scored by total, then the rest
    assert [u.rank for u in report.units] == [1, 2, None, None]
    assert any(NOTHING_DUE in rule for rule in report.rules)
    ws = load_workbook(io.BytesIO(reporting.assessment_workbook(rt, report).content))["考核得分"]
    rows = records(ws, "名次")
    assert [r["牵头单位"] for r in rows] == names and [r["名次"] for r in rows] == [1, 2, None, None]
    assert rows[-1]["总分"] is None
    assert any(f"本年度{NOTHING_DUE}" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_key_measures_carry_the_configured_weight(rt, world):
    at(rt, "2022-06-20 09:00")
    report = assessment(rt)
    assert report.key_weight == rt.config.reports.formula.key_weight == 1.5
    with rt.write() as session:  # make C (区财政局, unreported, 3 working days late) a key measure
        session.get(Measure, world.measures[2]).key = True
    cz = next(u for u in assessment(rt).units if u.unit == "区财政局")
    assert next(x for x in cz.lines if x.key == "overdue_workdays").quantity == 3 * 1.5 + 6
    assert any("按1.5倍计" in name for x in cz.lines for name in x.measures)


def test_the_supervisors_line_in_the_monthly_workbook_and_page(rt, world):
    at(rt, "2022-06-29 09:00")
    report = monthly(rt)
    assert report.review.late == 2 and report.review.pending == 1  # B waits; A was verified late in June
    book = load_workbook(io.BytesIO(reporting.monthly_workbook(rt, report).content))
    summary = {r["指标"]: r["数值"] for r in records(book["总体情况"], "指标")}
    assert summary["区政府督查办：核验超时"] == 2 and summary["区政府督查办：待核验"] == 1
    assert {r["具体举措"] for r in records(book["督查办核验"], "序号")} == {"经营场所备案", "推广电子证照"}
    units = {r["牵头单位"]: r for r in records(book["分单位推进"], "序号")}
    assert units["区市场监管局"]["是否滞后"] == "否" and units["区市场监管局"]["按时完成率"] == 1.0
