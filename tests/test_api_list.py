"""GET /api/measures: filters, paging, visibility and the CONTRACT shapes, on a small ledger and on Wulong 2022."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.world import build, client
from workflows.models import Measure, MeasureUnit, Unit
from workflows.reform.table import REFORM_MEASURE

LIST_KEYS = {"id", "item_no", "item_title", "text", "category", "units", "due_date", "state", "light", "key",
             "version", "due_text", "note", "declared_done", "extension", "rating", "satisfaction",
             "typical_case", "case_text", "light_detail"}


@pytest.fixture
def world(rt):
    return build(rt)


def ids(c, auth, **params) -> tuple[list[int], int]:
    res = c.get("/api/measures", params=params, headers=auth)
    assert res.status_code == 200, res.json()
    body = res.json()
    return [m["id"] for m in body["items"]], body["total"]


def test_filters_narrow_the_list(rt, world):
    m = world.measures  # on 2022-06-20: m0 due 6-30, m1 due 6-22 (yellow), m2 due 6-10 (red), m3 12-31, m4 done
    office = world.auth("office")
    with client(rt) as c:
        assert ids(c, office) == (m, 5)
        assert ids(c, office, state="assigned") == (m[:4], 4)
        assert ids(c, office, state="reported") == ([m[4]], 1)
        assert ids(c, office, unit="区财政局") == ([m[2], m[4]], 2)
        assert ids(c, office, unit="区市场监管局") == ([m[0], m[1], m[3]], 3)  # co-lead counts
        assert ids(c, office, light="yellow") == ([m[1]], 1)
        assert ids(c, office, light="red") == ([m[2]], 1)
        assert ids(c, office, light="green") == ([m[0], m[3], m[4]], 3)
        assert ids(c, office, item="3") == ([m[2], m[3]], 2)
        assert ids(c, office, q="招投标") == ([m[2], m[3]], 2)  # item title
        assert ids(c, office, q="专项") == ([m[3]], 1)  # measure text
        assert ids(c, office, q="政务办") == ([m[3]], 1)  # unit name
        assert ids(c, office, q="100%") == ([], 0)  # LIKE wildcards are plain text
        assert ids(c, office, key="true") == ([m[0], m[3]], 2)
        assert ids(c, office, key="false") == ([m[1], m[2], m[4]], 3)
        assert ids(c, office, state="assigned", unit="区市场监管局", light="green") == ([m[0], m[3]], 2)
        assert ids(c, office, unit="没有这个单位") == ([], 0)


def test_paging_keeps_the_total_and_caps_the_limit(rt, world):
    m = world.measures
    office = world.auth("office")
    with client(rt) as c:
        assert ids(c, office, limit=2) == (m[:2], 5)
        assert ids(c, office, limit=2, offset=2) == (m[2:4], 5)
        assert ids(c, office, limit=2, offset=4) == ([m[4]], 5)
        assert ids(c, office, offset=10) == ([], 5)
        assert ids(c, office, light="green", limit=1, offset=1) == ([m[3]], 3)
        for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"state": "done"}, {"light": "blue"}):
            res = c.get("/api/measures", params=params, headers=office)
            assert res.status_code == 400, params
            assert res.json()["error"] == "bad_request" and res.json()["message"]
        assert c.get("/api/measures", params={"limit": "many"}, headers=office).status_code == 400


def test_keyset_pages_walk_the_same_order_as_offsets(rt, world):
    m = world.measures
    office = world.auth("office")
    with client(rt) as c:
        seen, after, pages = [], None, 0
        while True:
            params = {"limit": 2} if after is None else {"limit": 2, "after": after}
            body = c.get("/api/measures", params=params, headers=office).json()
            assert body["total"] == 5  # the whole count, whatever the page
            seen += [x["id"] for x in body["items"]]
            pages += 1
            after = body["next_after"]
            if after is None:
                break
        assert seen == m and pages == 3
        green = c.get("/api/measures", params={"light": "green", "limit": 1, "after": m[0]}, headers=office).json()
        assert [x["id"] for x in green["items"]] == [m[3]] and green["total"] == 3 and green["next_after"] == m[3]
        last = c.get("/api/measures", params={"light": "green", "after": m[3]}, headers=office).json()
        assert [x["id"] for x in last["items"]] == [m[4]] and last["next_after"] is None
        gone = c.get("/api/measures", params={"after": 2**31 - 1}, headers=office)
        assert gone.status_code == 200 and gone.json()["items"] == [] and gone.json()["next_after"] is None
        assert c.get("/api/measures", params={"after": 0}, headers=office).status_code == 400


def test_keyset_pages_walk_backwards_and_from_the_end(rt, world):
    m = world.measures
    office = world.auth("office")
    with client(rt) as c:
        def page(**params) -> dict:
            res = c.get("/api/measures", params={"limit": 2, **params}, headers=office)
            assert res.status_code == 200, res.json()
            return res.json()

        last = page(last="true")  # 5 in pages of 2 from the first: the last page holds m4 alone
        assert [x["id"] for x in last["items"]] == [m[4]] and last["total"] == 5
        assert last["next_after"] is None and last["prev_before"] == m[4]
        seen, before = [x["id"] for x in last["items"]], last["prev_before"]
        while before is not None:
            body = page(before=before)
            assert body["total"] == 5 and body["next_after"] == body["items"][-1]["id"]
            seen = [x["id"] for x in body["items"]] + seen
            before = body["prev_before"]
        assert seen == m  # the same order as forwards, page boundaries where page numbers put them
        first = page()
        assert first["prev_before"] is None and first["next_after"] == m[1]
        assert page(after=m[1])["prev_before"] == m[2]
        assert page(offset=1)["prev_before"] == m[1]
        green = page(light="green", before=m[4])  # filters hold backwards too
        assert [x["id"] for x in green["items"]] == [m[0], m[3]] and green["prev_before"] is None
        assert page(before=m[0])["items"] == [] and page(before=2**31 - 1)["items"] == []
        for bad in ({"before": 0}, {"after": m[0], "before": m[3]}, {"after": m[0], "last": "true"}):
            res = c.get("/api/measures", params=bad, headers=office)
            assert res.status_code == 400 and res.json()["message"], bad


def test_units_see_only_their_own_measures(rt, world):
    m = world.measures
    with client(rt) as c:
        assert ids(c, world.auth("clerk")) == ([m[0], m[1], m[3]], 3)
        assert ids(c, world.auth("cz")) == ([m[2], m[4]], 2)
        assert ids(c, world.auth("clerk"), unit="区财政局") == ([], 0)
        for who in ("reviewer", "office", "admin"):
            assert ids(c, world.auth(who))[1] == 5


def test_list_and_detail_shapes(rt, world):
    with client(rt) as c:
        listed = c.get("/api/measures", params={"item": "3"}, headers=world.auth("office")).json()["items"]
        one = c.get(f"/api/measures/{world.measures[3]}", headers=world.auth("zw")).json()
    first = listed[1]
    assert set(first) >= LIST_KEYS
    assert {k: first[k] for k in ("item_no", "item_title", "text", "category", "units", "due_date", "state",
                                  "light", "key", "version")} == {
        "item_no": "3", "item_title": "清除招投标隐性门槛", "text": "招投标专项整治", "category": "一、第1类",
        "units": ["区政务办", "区市场监管局"], "due_date": "2022-12-31", "state": "assigned", "light": "green",
        "key": True, "version": 1}
    assert first["light_detail"]["due_in_workdays"] > 5
    assert set(one) == set(first) | {"allowed_actions", "history", "evidence", "instructions", "problems", "meetings"}
    assert one["allowed_actions"] == ["start"]
    assert one["history"] == [{"action": "import", "action_label": "导入台账", "from_state": None,
                               "to_state": "assigned", "actor": "导入", "at": "2022-06-20T09:00:00+08:00",
                               "comment": "", "data": {}, "version": 1}]
    assert one["evidence"] == []


def test_the_wulong_ledger_lists_every_measure_once_with_plan_names(rt, ledger, make_user):
    make_user("boss", "office")
    with Session(rt.engine) as session:
        count = session.exec(select(func.count()).select_from(Measure)).one()
        primary = dict(session.exec(select(MeasureUnit.measure_id, Unit.name).join(Unit)
                                    .where(MeasureUnit.position == 0)).all())
    with client(rt) as c:
        auth = {"Authorization": "Bearer " + c.post("/api/auth/token", json={
            "username": "boss", "password": "correct-horse-1"}).json()["access_token"]}
        seen: list[dict] = []
        for offset in range(0, count + 50, 50):
            page = c.get("/api/measures", params={"limit": 50, "offset": offset}, headers=auth).json()
            assert page["total"] == count
            seen += page["items"]
        reported = c.get("/api/measures", params={"state": "reported"}, headers=auth).json()["total"]
        key = c.get("/api/measures", params={"key": "true"}, headers=auth).json()["total"]
    assert len(seen) == count and len({m["id"] for m in seen}) == count
    assert (reported, key) == (ledger.done, ledger.key)
    for m in seen:
        assert m["units"] and m["units"][0] == primary[m["id"]]
        assert re.fullmatch(r"\d+", m["item_no"]), m["item_no"]
        assert m["due_date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", m["due_date"])
        assert m["state"] in REFORM_MEASURE.state_names and m["light"] in ("green", "yellow", "red")
        assert isinstance(m["key"], bool) and m["version"] >= 1


def test_the_openapi_schema_lists_the_api(rt):
    with client(rt) as c:
        paths = c.get("/schema/openapi.json").json()["paths"]
    wanted = {"/api/auth/token": "post", "/api/auth/revoke": "post", "/api/me": "get", "/api/measures": "get",
              "/api/measures/{measure_id}": "get", "/api/measures/{measure_id}/actions/{action}": "post",
              "/api/measures/{measure_id}/evidence": "post", "/api/evidence/{evidence_id}": "get"}
    for path, method in wanted.items():
        assert method in paths.get(path, {}), path
    query = {p["name"] for p in paths["/api/measures"]["get"]["parameters"]}
    assert {"state", "unit", "light", "item", "q", "key", "limit", "offset"} <= query
