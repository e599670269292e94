"""督查考核: each unit's score follows config/assessment.toml, item by item, recomputed here from the rows."""

from __future__ import annotations

import io
import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from config.settings import CONFIG_DIR, SHANGHAI
from engine.db import read_session
from engine.history import HistoryRecord
from tests.sheet_support import header_row, records
from tests.world import june_scenario, token
from web.app import create_app
from workflows.models import Measure, MeasureUnit, Unit
from workflows.reports import service
from workflows.reports.formula import parse_config

OPEN, DONE = {"assigned", "in_progress"}, {"verified", "evaluated", "replicated"}
REPORTED = {"reported"} | DONE  # the unit's report stands: waiting for 督查办, or verified
RATING_KEYS = {"好": "rating_good", "较好": "rating_fair", "差": "rating_poor"}


def aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


@pytest.fixture
def world(rt):
    w = june_scenario(rt)
    m = w.measures
    w.act(m[0], "evaluate", "office", "2022-06-15 10:00", rating="好", satisfaction=95, typical_case=True,
          case_text="一照多址，企业少跑腿")
    w.act(m[0], "replicate", "office", "2022-06-16 10:00", scope="全区", description="在全区推广")
    w.act(m[2], "evaluate", "office", "2022-06-16 11:00", rating="差", satisfaction=40)
    w.act(m[5], "evaluate", "office", "2022-06-17 10:00", rating="较好", satisfaction=80, typical_case=True,
          case_text="电子证照互认")
    rt.clock.set(datetime(2022, 6, 20, 9, 0, tzinfo=SHANGHAI))
    return w


def day_over(due: date, instant: datetime) -> bool:
    return datetime.combine(due + timedelta(days=1), time.min, SHANGHAI) <= instant + timedelta(microseconds=1)


def key_weight() -> float:
    return config_file()["assessment"].get("key_weight", 1)


def quantities(engine, year: int, cutoff: datetime, weight: float | None = None) -> dict[str, dict[str, float]]:
    """Per primary unit, the quantity of every rule, straight from history rows and measures: a key measure
    counts key_weight times; a report made by the due day is on time while 督查办 reviews it."""
    start = datetime.combine(date(year, 1, 1), time.min, SHANGHAI)
    cut_day = cutoff.astimezone(SHANGHAI).date()
    with Session(engine) as s:
        recs = s.exec(select(HistoryRecord).where(HistoryRecord.workflow == "reform_measure")
                      .order_by(HistoryRecord.seq)).all()
        measures = list(s.exec(select(Measure)))
        primary = {mu.measure_id: s.get(Unit, mu.unit_id).name
                   for mu in s.exec(select(MeasureUnit).where(MeasureUnit.position == 0))}
    out = defaultdict(lambda: defaultdict(float))
    due_count, on_time = defaultdict(float), defaultdict(float)
    for m in measures:
        q, unit = out[primary[m.id]], primary[m.id]
        w = (key_weight() if weight is None else weight) if m.key else 1
        rows = [r for r in recs if r.subject_id == m.id and aware(r.at) <= cutoff]
        year_rows = [r for r in rows if aware(r.at) >= start]
        due = m.due_date or (date(2022, 5, 27) if m.declared_done else None)

        def state_at(instant, rows=rows):
            before = [r for r in rows if aware(r.at) <= instant]
            return before[-1].to_state if before else rows[0].to_state

        if due:
            for d in chinese_calendar.get_workdays(max(due + timedelta(days=1), start.date()), cut_day):
                end = min(datetime.combine(d, time.max, SHANGHAI), cutoff)
                q["overdue_workdays"] += w * (state_at(end) in OPEN)
        q["returns"] += w * sum(r.action == "return" for r in year_rows)
        evaluations = [r for r in year_rows if r.action == "evaluate"]
        if evaluations and evaluations[-1].payload["rating"] in RATING_KEYS:
            q[RATING_KEYS[evaluations[-1].payload["rating"]]] += w
        q["typical_cases"] += w * any(r.payload.get("typical_case") for r in evaluations)
        q["replications"] += w * any(r.action == "replicate" for r in year_rows)
        reported = state_at(cutoff) in REPORTED
        if due and due.year == year and (day_over(due, cutoff) or reported):
            due_count[unit] += w
            if reported:
                report = [r for r in rows if r.to_state == "reported" and r.from_state != "reported"][-1]
                on_time[unit] += w * (report.from_state is None
                                      or aware(report.at).astimezone(SHANGHAI).date() <= due)
    for unit, q in out.items():
        q["on_time_shortfall"] = round((1 - on_time[unit] / due_count[unit]) * 100, 1) if due_count[unit] else 0.0
    return out


def score(q: dict, config: dict) -> tuple[float, dict[str, float]]:
    assess, points = config["assessment"], {}
    for rule in assess["rule"]:
        raw = q.get(rule["key"], 0) * rule["per"]
        points[rule["key"]] = max(-rule["cap"], min(rule["cap"], raw)) if rule.get("cap") else raw
    total = assess["base"] + sum(points.values())
    return min(max(total, assess["floor"]), assess["ceiling"]), points


def config_file() -> dict:
    with (CONFIG_DIR / "assessment.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_scores_follow_the_configured_formula(rt, world):
    with TestClient(create_app(rt)) as client:
        body = client.get("/api/reports/assessment", params={"year": "2022"},
                          headers=token(rt, world.users["office"])).json()
    want = quantities(rt.engine, 2022, rt.clock.now())
    config = config_file()
    assert {u["unit"] for u in body["units"]} == set(want)
    # non-trivial: the typical case is a key measure's (it counts key_weight times), the poor rating is not
    assert want["区市场监管局"]["typical_cases"] == key_weight() > 1 and want["区财政局"]["rating_poor"] == 1
    for unit in body["units"]:
        total, points = score(want[unit["unit"]], config)
        lines = {line["key"]: line for line in unit["lines"]}
        assert set(lines) == {r["key"] for r in config["assessment"]["rule"]}
        for key, line in lines.items():
            assert line["quantity"] == pytest.approx(want[unit["unit"]][key]), (unit["unit"], key)
            assert line["points"] == pytest.approx(points[key]), (unit["unit"], key)
        assert unit["total"] == pytest.approx(total)
    totals = [u["total"] for u in body["units"]]
    assert totals == sorted(totals, reverse=True) and body["units"][0]["rank"] == 1


def test_workbook_scores_and_breakdown_match(rt, world):
    with TestClient(create_app(rt)) as client:
        resp = client.get("/api/reports/assessment", params={"year": "2022", "format": "xlsx"},
                          headers=token(rt, world.users["office"]))
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["考核得分", "计分明细", "计分依据", "核验时效", "计分规则"]
    ws = wb["考核得分"]
    head = header_row(ws, "名次")
    assert ws.freeze_panes == f"A{head + 2}"
    want, config = quantities(rt.engine, 2022, rt.clock.now()), config_file()
    rules = config["assessment"]["rule"]
    scores = records(ws, "名次")
    assert {r["牵头单位"] for r in scores} == set(want)
    for row in scores:
        total, points = score(want[row["牵头单位"]], config)
        assert row["总分"] == pytest.approx(total)
        for rule in rules:  # one column per rule under the merged 计分项得分; an empty line is 0, printed blank
            assert row[rule["label"]] == pytest.approx(points[rule["key"]])
    blank = next(c for c in ws[head + 2] if c.value == 0)
    assert blank.number_format.endswith(';""')
    lines = records(wb["计分明细"], "计分项")
    returns = [r for r in lines if r["计分项"] == "报送被退回扣分"]
    assert sorted(r["数量"] for r in returns) == sorted(q["returns"] for q in want.values() if q["returns"])
    assert all("第" in r["涉及举措"] and "项：" in r["涉及举措"] for r in lines if r["计分项"] != "基础分")


def test_caps_floor_and_ceiling(rt, world):
    config = parse_config({"assessment": {"base": 10, "floor": 0, "ceiling": 12, "rule": [
        {"key": "overdue_workdays", "per": -1, "cap": 4}, {"key": "typical_cases", "per": 50}]}})
    with read_session(rt.engine) as session:
        inputs = service.ReportInputs(config, rt.config.calendar, rt.config.ladder)
        report = service.assessment_report(session, "2022", rt.clock.now(), inputs, service.Scope(None, "全区"))
    want = quantities(rt.engine, 2022, rt.clock.now(), weight=1)  # the formula above gives key measures no weight
    for unit in report.units:
        q = want[unit.unit]
        overdue = next(line for line in unit.lines if line.key == "overdue_workdays")
        assert overdue.raw_points == -q["overdue_workdays"] and overdue.points == -min(q["overdue_workdays"], 4)
        expected = 10 - min(q["overdue_workdays"], 4) + 50 * q["typical_cases"]
        assert unit.total == min(max(expected, 0), 12)
    assert {u.total for u in report.units} >= {12}  # a typical case lifts a unit to the ceiling


@pytest.mark.parametrize("data, words", [
    ({"assessment": {"rule": [{"key": "bribes", "per": 5}]}}, "未知的计分项"),
    ({"monthly": {"lagging_on_time_rate": 80}}, "0 到 1"),
    ({"assessment": {"floor": 10, "ceiling": 5}}, "floor"),
])
def test_bad_formulas_are_named(data, words):
    with pytest.raises(ValueError, match=words):
        parse_config(data)


@pytest.mark.parametrize("year, words", [("22", "四位数字"), ("2022-06", "四位数字"), ("1999", "2000 至 2099"),
                                         ("2023", "尚未开始"), ("", "请指定年度")])
def test_bad_years_get_a_chinese_400(rt, world, year, words):
    with TestClient(create_app(rt)) as client:
        resp = client.get("/api/reports/assessment", params={"year": year}, headers=token(rt, world.users["office"]))
    assert resp.status_code == 400 and words in resp.json()["detail"]


def test_cli_assessment_workbook_and_bad_year(cli, rt, world, tmp_path, capsys):
    out = tmp_path / "score.xlsx"
    assert cli(["report", "assessment", "--year", "2022", "--out", str(out)]) == 0
    wb = load_workbook(out)
    want, config = quantities(rt.engine, 2022, rt.clock.now()), config_file()
    got = {r["牵头单位"]: r["总分"] for r in records(wb["考核得分"], "名次")}
    assert got == pytest.approx({unit: score(q, config)[0] for unit, q in want.items()})
    capsys.readouterr()
    assert cli(["report", "assessment", "--year", "20x2", "--out", str(out)]) == 2
    assert "年度格式不正确" in capsys.readouterr().err


def test_unit_user_gets_only_their_own_score(rt, world):
    with TestClient(create_app(rt)) as client:
        headers = token(rt, world.users["zw"])
        body = client.get("/api/reports/assessment", params={"year": "2022"}, headers=headers).json()
        assert [u["unit"] for u in body["units"]] == ["区政务办"]
        assert client.get("/api/reports/assessment", params={"year": "2022", "unit": "区财政局"},
                          headers=headers).status_code == 403
