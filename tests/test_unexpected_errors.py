"""A bug or a database outage on a request is logged, and answered in Chinese (page) or JSON (API), not a trace."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import TestClient
from sqlalchemy.exc import OperationalError

from web.app import create_app
from workflows.reform.service import MeasureService


@pytest.fixture
def client(rt, ledger, make_user):
    make_user("office", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def sign_in(client) -> None:
    page = client.get("/login")
    token = page.cookies.get("reform_csrf") or client.cookies.get("reform_csrf")
    resp = client.post("/login", data={"username": "office", "password": "correct-horse-1", "_csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text


def bearer(client) -> dict:
    token = client.post("/api/auth/token", json={"username": "office", "password": "correct-horse-1"})
    return {"authorization": f"Bearer {token.json()['access_token']}"}


def test_a_bug_is_a_chinese_page_and_a_json_500_and_is_logged(client, monkeypatch, caplog):
    auth = bearer(client)
    sign_in(client)

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(MeasureService, "list", boom)
    with caplog.at_level(logging.ERROR, logger="reform.web"):
        page = client.get("/ledger")
        api = client.get("/api/measures", headers=auth)
    assert page.status_code == 500 and "系统内部错误" in page.text and "Traceback" not in page.text
    assert api.status_code == 500 and api.json()["error"] == "internal_error"
    assert "simulated bug" not in api.text
    assert sum("RuntimeError" in r.getMessage() for r in caplog.records) == 2


def test_a_database_outage_is_503(client, monkeypatch):
    auth = bearer(client)

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(MeasureService, "list", down)
    api = client.get("/api/measures", headers=auth)
    assert api.status_code == 503 and api.json()["error"] == "unavailable" and "数据库" in api.json()["message"]
