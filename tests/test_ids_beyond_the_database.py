"""An id or a number no row can hold (beyond PostgreSQL's INTEGER and SQLite's 64 bits) is answered as not found
(in a path) or refused (in a query or a body), on pages as on the API, never with a 500. The API's operations are
covered operation by operation in tests/test_api_schema.py."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from engine.db import MAX_ID
from tests.web_support import as_user
from tests.world import build
from web.app import create_app

HUGE = 99999999999999999999


@pytest.fixture
def world(rt):
    return build(rt)


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


@pytest.mark.parametrize("value", [HUGE, MAX_ID + 1, 0, -1])
def test_pages_answer_404_for_ids_no_row_can_have(client, rt, world, value):
    as_user(client, rt, world.users["admin"])
    for path in (f"/measures/{value}", f"/evidence/{value}", f"/measures/{value}/timetable"):
        assert client.get(path).status_code == 404, path
    client.get("/")
    csrf = {"x-csrftoken": client.cookies.get("reform_csrf")}
    for path in (f"/measures/{value}/actions/start", f"/admin/users/{value}/active", f"/admin/units/{value}",
                 f"/reports/classes/{value}", f"/measures/{value}/evidence"):
        assert client.post(path, data={"version": "1"}, headers=csrf).status_code == 404, path


def test_the_largest_id_that_can_exist_is_just_not_found(client, world):
    resp = client.get(f"/api/measures/{MAX_ID}", headers=world.auth("office"))
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"


def test_a_page_number_past_the_database_is_a_bad_request(client, rt, world):
    as_user(client, rt, world.users["office"])
    assert client.get("/ledger", params={"page": HUGE}).status_code == 400
    assert client.get("/ledger", params={"page": 2}).status_code == 200


def test_queries_name_the_refused_parameter(client, world):
    for path, name in (("/api/escalations", "measure"), ("/api/items", "category"), ("/api/measures", "offset")):
        resp = client.get(path, params={name: HUGE}, headers=world.auth("office"))
        assert resp.status_code == 400 and name in resp.json()["message"], (path, resp.text)


def test_evidence_ids_in_a_body_beyond_the_database_are_invalid_fields(client, rt, world):
    world.act(1, "start", "clerk")
    resp = client.post("/api/measures/1/actions/submit", json={"version": 2, "comment": "完成", "evidence": [HUGE]},
                       headers=world.auth("clerk"))
    assert resp.status_code == 422 and resp.json()["codes"] == {"evidence": "bad_format"}


QUERY_NAMES = ("month", "year", "unit", "plan", "klass", "status", "q", "state", "light", "key", "page", "ok",
               "next", "format", "typical", "category", "measure", "level", "offset", "limit", "item", "after",
               "before", "last")


@pytest.mark.parametrize("value", [str(HUGE), "\x00", "-1", "9" * 300])
def test_pages_never_answer_500_to_odd_query_values(client, rt, world, value):
    from tests.test_every_route_needs_sign_in import routes

    as_user(client, rt, world.users["office"])
    pages = [path for method, path in routes(client.app) if method == "GET" and not path.startswith("/api")]
    crashed = []
    for path in pages:
        resp = client.get(path, params={name: value for name in QUERY_NAMES}, follow_redirects=False)
        if resp.status_code >= 500:
            crashed.append((path, resp.status_code))
    assert len(pages) > 10 and crashed == []
