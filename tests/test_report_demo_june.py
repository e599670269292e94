"""Done-when of issue 5 on the demo data: 营商办 downloads June 2022's 月调度 and the year's 督查考核 as Excel,
and `reform report monthly --month 2022-06 --out june.xlsx` writes the same workbook."""

from __future__ import annotations

import io
import tomllib
from collections import Counter
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from cli.main import main
from config.settings import CONFIG_DIR, SHANGHAI
from tests.sheet_support import records
from tests.world import token
from web.app import create_app
from workflows.models import LEAD, Escalation, Measure, MeasureUnit, Plan, Unit

NOW = datetime(2022, 6, 20, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def demo(rt, ledger, make_user):
    """The built-in ledger as `make run` leaves it, swept once by the escalation ladder at Beijing 09:00."""
    rt.sweep(NOW)
    return make_user("yingshang", "office")


def rows(engine) -> tuple[list[Measure], dict[int, list[str]], list[Escalation], date]:
    with Session(engine) as s:
        measures = list(s.exec(select(Measure)))
        leads: dict[int, list[str]] = {}  # every lead unit counts the measure (共同牵头单位 are equals)
        for mu in s.exec(select(MeasureUnit).where(MeasureUnit.part == LEAD).order_by(MeasureUnit.position)):
            leads.setdefault(mu.measure_id, []).append(s.get(Unit, mu.unit_id).name)
        issued = s.exec(select(Plan)).one().issued_on
        return measures, leads, list(s.exec(select(Escalation))), issued


def overdue_days(m: Measure, today: date) -> int:
    return len(chinese_calendar.get_workdays(m.due_date + timedelta(days=1), today))


def fetch(rt, user, path, **params) -> bytes:
    with TestClient(create_app(rt)) as client:
        resp = client.get(path, params=params | {"format": "xlsx"}, headers=token(rt, user))
    assert resp.status_code == 200, resp.text
    return resp.content


def test_june_monthly_workbook_on_the_demo_ledger(rt, demo):
    wb = load_workbook(io.BytesIO(fetch(rt, demo, "/api/reports/monthly", month="2022-06")))
    measures, leads, escalations, _ = rows(rt.engine)
    today = NOW.date()
    open_overdue = [m for m in measures if m.state in ("assigned", "in_progress") and m.due_date and m.due_date < today]
    assert len(measures) == 85 and open_overdue  # the demo ledger has overdue work in June 2022
    summary = {r["指标"]: r["数值"] for r in records(wb["总体情况"], "指标")}
    assert summary["举措总数"] == len(measures)
    assert summary["其中：已交办"] == sum(m.state == "assigned" for m in measures)
    assert summary["其中：已报送（待核验）"] == sum(m.state == "reported" for m in measures)
    assert summary["逾期举措"] == len(open_overdue)
    assert summary["逾期工作日合计"] == sum(overdue_days(m, today) for m in open_overdue)
    # the plan's 已完成 rows wait for 督查办: due and on time for their units, 督查办's queue
    declared = [m for m in measures if m.declared_done]
    assert summary["应完成"] == len(open_overdue) + len(declared) and summary["按时完成"] == len(declared)
    assert summary["区政府督查办：待核验"] == len(declared)
    fired = Counter(e.level for e in escalations if e.status == "fired")  # all swept on 20 June
    assert fired["L3"] and summary["本月预警：L3 通报"] == fired["L3"]
    for level, title in (("L0", "L0 提醒"), ("L1", "L1 催办"), ("L2", "L2 督办")):
        assert summary[f"本月预警：{title}"] == fired[level]
    listed = {(r["具体举措"], r["逾期工作日"]) for r in records(wb["逾期举措"], "序号")}
    assert listed == {(m.text, overdue_days(m, today)) for m in open_overdue}
    per_unit = Counter(u for m in open_overdue for u in leads[m.id])
    got = {r["牵头单位"]: (r["逾期举措"], r["逾期工作日"]) for r in records(wb["分单位推进"], "序号")
           if r["牵头单位"] != "合计"}
    days = Counter()
    for m in open_overdue:
        for u in leads[m.id]:
            days[u] += overdue_days(m, today)
    assert {u: v for u, v in got.items() if v[0]} == {u: (n, days[u]) for u, n in per_unit.items()}
    # lagging: an overdue measure, or an on-time rate under 80 %; a unit whose only due rows are the plan's
    # 已完成 (waiting for 督查办) is on time, not behind
    lagging = {r["牵头单位"] for r in records(wb["分单位推进"], "序号") if r["是否滞后"] == "是"}
    declared_units = Counter(u for m in declared for u in leads[m.id])
    behind = {u for u in set(per_unit) | set(declared_units)
              if per_unit[u] or declared_units[u] / (declared_units[u] + per_unit[u]) < 0.8}
    assert lagging == behind == set(per_unit) and summary["滞后单位"] == len(behind)
    assert set(declared_units) - set(per_unit)  # such units exist in the demo, and are not named


def test_year_assessment_workbook_on_the_demo_ledger(rt, demo):
    wb = load_workbook(io.BytesIO(fetch(rt, demo, "/api/reports/assessment", year="2022")))
    measures, leads, _, issued = rows(rt.engine)
    with (CONFIG_DIR / "assessment.toml").open("rb") as fh:
        config = tomllib.load(fh)["assessment"]
    rules, weight = {r["key"]: r for r in config["rule"]}, config.get("key_weight", 1)
    today = NOW.date()
    overdue, due, on_time = Counter(), Counter(), Counter()
    share = config.get("co_lead_share", 1)
    for m in measures:
        for n, unit in enumerate(leads[m.id]):
            w = (weight if m.key else 1) * (share if n else 1)
            if m.state in ("assigned", "in_progress") and m.due_date and m.due_date < today:
                overdue[unit] += w * overdue_days(m, today)
            if m.declared_done:  # the plan's 已完成: reported when issued, on time while 督查办 reviews it
                due[unit] += w
                on_time[unit] += w
            elif m.due_date and m.due_date.year == 2022 and m.due_date < today:
                due[unit] += w
    scored = records(wb["考核得分"], "名次")
    scores = {r["牵头单位"]: r["总分"] for r in scored}
    assert set(scores) == {u for units in leads.values() for u in units}
    for unit, total in scores.items():
        if not due[unit]:  # nothing due yet: 无应完成事项, not scored, after the scored units
            assert total is None
            continue
        days_points = max(-rules["overdue_workdays"]["cap"], overdue[unit] * rules["overdue_workdays"]["per"])
        shortfall = round((1 - on_time[unit] / due[unit]) * 100, 1)
        short_points = max(-rules["on_time_shortfall"]["cap"], shortfall * rules["on_time_shortfall"]["per"])
        assert total == pytest.approx(config["base"] + days_points + short_points), unit
    ranks = [r["名次"] for r in scored]
    assessed = [r for r in ranks if r is not None]
    assert assessed == sorted(assessed) and ranks[:len(assessed)] == assessed  # unranked units come last
    assert any(r is None for r in ranks)  # on 20 June some units have nothing due yet


def test_cli_writes_the_same_june_workbook(rt, demo, db, tmp_path, monkeypatch):
    monkeypatch.setenv("REFORM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REFORM_NOW", "2022-06-20T09:00:00+08:00")
    out = tmp_path / "june.xlsx"
    assert main(["report", "monthly", "--month", "2022-06", "--out", str(out)]) == 0
    downloaded = load_workbook(io.BytesIO(fetch(rt, demo, "/api/reports/monthly", month="2022-06")))
    written = load_workbook(out)
    assert written.sheetnames == downloaded.sheetnames
    for name in written.sheetnames:
        a, b = written[name], downloaded[name]
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
        assert a.freeze_panes == b.freeze_panes
