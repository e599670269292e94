"""倒排时间表: the lead unit sets and completes milestones; a missed one shows in the 月调度 report."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from engine import history
from engine.history import HistoryRecord
from tests.world import bj, token
from tests.world import report_build as build
from web.app import create_app
from workflows.models import Measure, Milestone


@pytest.fixture
def world(rt):
    w = build(rt)
    rt.clock.set(bj("2022-06-01 09:00"))
    return w


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


def post(client, rt, world, who, measure, **body):
    return client.post(f"/api/measures/{measure}/milestones", json=body, headers=token(rt, world.users[who]))


def test_lead_unit_adds_lists_and_completes_milestones(client, rt, world):
    m3 = world.measures[3]  # 区政务办 leads, 区财政局 co-leads, due 2022-12-31
    made = post(client, rt, world, "zw", m3, due_date="2022-07-15", description="出台实施方案")
    assert made.status_code == 201 and made.json()["done"] is False and made.json()["missed"] is False
    post(client, rt, world, "zw", m3, due_date="2022-06-10", description="完成调研")
    listed = client.get(f"/api/measures/{m3}/milestones", headers=token(rt, world.users["cz"])).json()
    assert [i["due_date"] for i in listed["items"]] == ["2022-06-10", "2022-07-15"]  # ordered by date
    rt.clock.set(bj("2022-06-12 09:00"))
    first = listed["items"][0]["id"]
    listed = client.get(f"/api/measures/{m3}/milestones", headers=token(rt, world.users["office"])).json()
    assert [i["missed"] for i in listed["items"]] == [True, False]
    done = client.post(f"/api/measures/{m3}/milestones/{first}/done", headers=token(rt, world.users["zw"]))
    assert done.status_code == 200 and done.json()["done"] and not done.json()["missed"]
    again = client.post(f"/api/measures/{m3}/milestones/{first}/done", headers=token(rt, world.users["zw"]))
    assert again.status_code == 409
    with Session(rt.engine) as s:
        rows = s.exec(select(Milestone).where(Milestone.measure_id == m3)).all()
        assert len(rows) == 2 and sum(r.done_at is not None for r in rows) == 1
        trail = s.exec(select(HistoryRecord).where(HistoryRecord.workflow == "milestone")).all()
        assert [r.action for r in trail] == ["add", "add", "complete"]
        versions = {("reform_measure", m.id): m.version for m in s.exec(select(Measure))}
        assert history.verify(s, versions).ok  # recorded in the chain without touching the measure's version


@pytest.mark.parametrize("who, status", [("cz", 403), ("scjg", 403), ("office", 403), ("reviewer", 403),
                                         ("admin", 403)])
def test_only_the_primary_lead_unit_may_plan(client, rt, world, who, status):
    resp = post(client, rt, world, who, world.measures[3], due_date="2022-07-01", description="节点")
    assert resp.status_code == status


def test_another_unit_cannot_even_see_the_timetable(client, rt, world):
    resp = client.get(f"/api/measures/{world.measures[3]}/milestones", headers=token(rt, world.users["scjg"]))
    assert resp.status_code == 403
    assert client.get("/api/measures/9999/milestones", headers=token(rt, world.users["office"])).status_code == 404


@pytest.mark.parametrize("body, field", [({"due_date": "2022-07-01"}, "description"),
                                         ({"due_date": "2022-05-31", "description": "早于今天"}, "due_date"),
                                         ({"due_date": "7月1日", "description": "x"}, "due_date"),
                                         ({"due_date": "2023-01-31", "description": "晚于时间节点"}, "due_date")])
def test_bad_milestones_are_422_naming_the_field(client, rt, world, body, field):
    resp = post(client, rt, world, "zw", world.measures[3], **body)
    assert resp.status_code == 422 and field in resp.json()["fields"]


def test_no_new_milestones_once_reported(client, rt, world):
    m5 = world.measures[5]  # 区财政局, imported as reported (已完成)
    resp = post(client, rt, world, "cz", m5, due_date="2022-05-30", description="补充节点")
    assert resp.status_code == 409 and "已报送" in resp.json()["message"]


def test_a_missed_milestone_shows_in_the_monthly_report(client, rt, world):
    m3, m1 = world.measures[3], world.measures[1]
    post(client, rt, world, "zw", m3, due_date="2022-06-10", description="完成调研")
    post(client, rt, world, "zw", m3, due_date="2022-06-30", description="出台方案")
    rt.clock.set(bj("2022-05-31 09:00"))  # planned the day before it fell due (no node may be set in the past)
    post(client, rt, world, "scjg", m1, due_date="2022-05-31", description="已按期完成的节点")
    mid = client.get(f"/api/measures/{m1}/milestones", headers=token(rt, world.users["scjg"])).json()["items"][0]["id"]
    client.post(f"/api/measures/{m1}/milestones/{mid}/done", headers=token(rt, world.users["scjg"]))
    rt.clock.set(bj("2022-06-20 09:00"))
    body = client.get("/api/reports/monthly", params={"month": "2022-06"}, headers=token(rt, world.users["office"]))
    body = body.json()
    with Session(rt.engine) as s:
        missed = [ms for ms in s.exec(select(Milestone))
                  if ms.done_at is None and ms.due_date < bj("2022-06-20 00:00").date()]
    assert [(r["measure_id"], r["description"]) for r in body["missed_milestones"]] == [
        (ms.measure_id, ms.description) for ms in missed]
    unit = next(u for u in body["units"] if u["unit"] == "区政务办")
    assert unit["missed_milestones"] == len(missed) == 1


def test_a_missed_milestone_turns_the_api_light_yellow(client, rt, world):
    m3 = world.measures[3]  # due 2022-12-31: green in June
    auth = token(rt, world.users["office"])
    post(client, rt, world, "zw", m3, due_date="2022-06-10", description="完成调研")
    assert client.get(f"/api/measures/{m3}", headers=auth).json()["light"] == "green"
    rt.clock.set(bj("2022-06-13 09:00"))
    auth = token(rt, world.users["office"])  # a new day, a new token
    assert client.get(f"/api/measures/{m3}", headers=auth).json()["light"] == "yellow"
    listed = client.get("/api/measures?light=yellow&limit=200", headers=auth).json()
    assert m3 in [m["id"] for m in listed["items"]]
