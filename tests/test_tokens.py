"""Bearer tokens: issued for a password, expire on the frozen clock, can be revoked; no anonymous API use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar.routes import HTTPRoute

from tests.world import build, client
from web.app import create_app

PASSWORD = "correct-horse-1"


@pytest.fixture
def clerk(rt):
    return build(rt).users["clerk"]


def login(c, username: str = "clerk", password: str = PASSWORD):
    return c.post("/api/auth/token", json={"username": username, "password": password})


def bearer(res) -> dict[str, str]:
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def test_a_token_for_the_right_password_says_who_i_am(rt, clerk):
    with client(rt) as c:
        res = login(c)
        assert res.status_code == 200
        body = res.json()
        assert body["token_type"] == "bearer" and len(body["access_token"]) >= 32
        assert body["expires_at"] == "2022-06-20T21:00:00+08:00"  # 12 hours on the frozen clock
        me = c.get("/api/me", headers=bearer(res)).json()
    assert (me["username"], me["role"], me["unit"]) == ("clerk", "unit_staff", "区市场监管局")


def test_a_token_expires_when_the_clock_passes_its_time(rt, clock, clerk):
    with client(rt) as c:
        auth = bearer(login(c))
        clock.advance(timedelta(hours=11, minutes=59))
        assert c.get("/api/me", headers=auth).status_code == 200
        clock.advance(timedelta(minutes=1))
        expired = c.get("/api/me", headers=auth)
    assert expired.status_code == 401 and expired.json()["error"] == "unauthorized"


def test_a_revoked_token_stops_working_and_others_do_not(rt, clerk):
    with client(rt) as c:
        first, second = bearer(login(c)), bearer(login(c))
        assert c.post("/api/auth/revoke", headers=first).json() == {"revoked": True}
        assert c.get("/api/me", headers=first).status_code == 401
        assert c.post("/api/auth/revoke", headers=first).status_code == 401
        assert c.get("/api/me", headers=second).status_code == 200


def test_a_bad_password_or_unknown_user_gets_401_in_chinese(rt, clerk):
    with client(rt) as c:
        for username, password in (("clerk", "wrong-password"), ("nobody", PASSWORD), ("clerk", "")):
            res = login(c, username, password)
            assert res.status_code == 401, username
            assert res.json()["error"] == "unauthorized"
            assert "用户名或密码错误" in res.json()["message"]
        assert c.post("/api/auth/token", json={"username": "clerk"}).status_code == 400


def test_repeated_failures_lock_the_account_for_a_while(rt, clock, clerk):
    with client(rt) as c:
        for _ in range(5):
            assert login(c, password="wrong-password").status_code == 401
        assert login(c).status_code == 401  # the right password, but locked
        clock.advance(timedelta(minutes=14))
        assert login(c).status_code == 401
        clock.advance(timedelta(minutes=2))
        assert login(c).status_code == 200


def api_calls(app) -> list[tuple[str, str]]:
    """(method, concrete path) of every /api endpoint in the app."""
    calls = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api"):
            continue
        path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        calls += [(method, path) for method in sorted(route.methods) if method not in ("HEAD", "OPTIONS")]
    return calls


def test_every_api_endpoint_but_the_token_refuses_anonymous_and_bogus_callers(rt, clerk):
    app = create_app(rt)
    calls = api_calls(app)
    assert ("POST", "/api/measures/1/actions/x") in calls and ("GET", "/api/evidence/1") in calls
    with client(rt) as c:
        for method, path in calls:
            if path == "/api/auth/token":
                continue
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic Y2xlcms6eA=="}):
                res = c.request(method, path, headers=headers, json={})
                assert res.status_code == 401, (method, path, headers, res.status_code)
