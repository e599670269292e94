"""分类推进: 营商办 classes items (others may not, unknown classes are refused); lists and counts by class."""

from __future__ import annotations

from collections import Counter

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from engine.history import HistoryRecord
from tests.world import june_scenario, token
from web.app import create_app
from workflows.items.table import ITEM_CLASSES
from workflows.models import Item, Measure


@pytest.fixture
def world(rt):
    return june_scenario(rt)


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


def unclassed_item(rt) -> Item:
    with Session(rt.engine) as s:
        return s.exec(select(Item).where(Item.klass.is_(None))).first()


def test_office_classes_an_item_and_it_is_recorded(client, rt, world):
    item, office = unclassed_item(rt), token(rt, world.users["office"])
    resp = client.patch(f"/api/items/{item.id}", json={"klass": "发掘特色亮点"}, headers=office)
    assert resp.status_code == 200 and resp.json()["klass"] == "发掘特色亮点"
    same = client.patch(f"/api/items/{item.id}", json={"klass": "发掘特色亮点"}, headers=office)
    assert same.status_code == 200
    with Session(rt.engine) as s:
        assert s.get(Item, item.id).klass == "发掘特色亮点"
        trail = s.exec(select(HistoryRecord).where(HistoryRecord.workflow == "item",
                                                   HistoryRecord.subject_id == item.id)).all()
        assert [(r.action, r.payload["klass"], r.version) for r in trail] == [("classify", "发掘特色亮点", 1)]
    cleared = client.patch(f"/api/items/{item.id}", json={"klass": None}, headers=token(rt, world.users["office"]))
    assert cleared.status_code == 200 and cleared.json()["klass"] is None


@pytest.mark.parametrize("who", ["scjg", "reviewer", "admin"])
def test_others_may_not_class_items(client, rt, world, who):
    item = unclassed_item(rt)
    resp = client.patch(f"/api/items/{item.id}", json={"klass": "发掘特色亮点"}, headers=token(rt, world.users[who]))
    assert resp.status_code == 403
    with Session(rt.engine) as s:
        assert s.get(Item, item.id).klass is None


def test_unknown_class_is_422_and_unknown_item_404(client, rt, world):
    headers = token(rt, world.users["office"])
    item = unclassed_item(rt)
    resp = client.patch(f"/api/items/{item.id}", json={"klass": "特别优秀"}, headers=headers)
    assert resp.status_code == 422 and "klass" in resp.json()["fields"]
    assert client.patch("/api/items/99999", json={"klass": ITEM_CLASSES[0]}, headers=headers).status_code == 404
    assert client.patch(f"/api/items/{item.id}", json={}, headers=headers).status_code == 400


def test_items_filter_and_counts_by_class(client, rt, world):
    headers = token(rt, world.users["scjg"])
    with Session(rt.engine) as s:
        items = s.exec(select(Item)).all()
        measures = s.exec(select(Measure)).all()
    klass_of = {i.id: i.klass or "未分类" for i in items}
    for klass in (*ITEM_CLASSES, "未分类"):
        listed = client.get("/api/items", params={"klass": klass}, headers=headers).json()
        assert sorted(i["id"] for i in listed["items"]) == sorted(i for i, k in klass_of.items() if k == klass)
    assert client.get("/api/items", params={"klass": "别的"}, headers=headers).status_code == 400
    counts = client.get("/api/reports/classes", headers=headers).json()["items"]
    for row in counts:
        mine = [m for m in measures if klass_of[m.item_id] == row["klass"]]
        assert row["items"] == sum(1 for k in klass_of.values() if k == row["klass"])
        assert row["measures"] == len(mine)
        assert {k: v for k, v in row["by_state"].items() if v} == dict(Counter(m.state for m in mine))
    monthly = client.get("/api/reports/monthly", params={"month": "2022-06"},
                         headers=token(rt, world.users["office"])).json()
    assert [(c["klass"], c["items"], c["measures"]) for c in monthly["classes"]] == [
        (r["klass"], r["items"], r["measures"]) for r in counts]
