"""A wrong password, a locked account and an unknown name get the same answer on the page and the API (no user
enumeration); the lockout still holds, and each burst of failures is in the audit history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient

from runtime.audit import verify
from tests.web_support import PASSWORD
from web.app import create_app
from web.sessions import CSRF_COOKIE
from workflows import accounts, audit_log


@pytest.fixture
def client(rt, make_user):
    make_user("li", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def page_error(client: TestClient, username: str, password: str) -> tuple[int, str]:
    client.get("/login")
    resp = client.post("/login", data={"username": username, "password": password,
                                       "_csrf_token": client.cookies.get(CSRF_COOKIE)}, follow_redirects=False)
    if resp.status_code != 401:
        return resp.status_code, ""
    return 401, resp.text.split('role="alert">')[1].split("</div>")[0]


def api_error(client: TestClient, username: str, password: str) -> tuple[int, str]:
    resp = client.post("/api/auth/token", json={"username": username, "password": password})
    return resp.status_code, resp.json().get("message", "")


@pytest.mark.parametrize("attempt", [page_error, api_error], ids=["page", "api"])
def test_locked_wrong_and_unknown_read_the_same_and_the_lock_holds(client, rt, attempt):
    unknown = attempt(client, "nobody", "wrong-password")
    wrong = attempt(client, "li", "wrong-password")
    assert unknown == wrong and wrong[0] == 401 and "用户名或密码错误" in wrong[1]
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        attempt(client, "li", "wrong-password")
    locked = attempt(client, "li", PASSWORD)  # the right password, refused while locked
    assert locked == wrong
    assert "锁定" not in wrong[1].split("。")[0]  # the first sentence says nothing about this account
    rt.clock.advance(accounts.LOCKOUT + timedelta(seconds=1))
    assert attempt(client, "li", PASSWORD)[0] in (200, 303)


def test_an_account_locking_is_in_the_audit_history_with_the_address(client, rt):
    for _ in range(accounts.MAX_FAILED_LOGINS):
        api_error(client, "li", "wrong-password")
    with rt.read() as session:
        found = audit_log.records(session, audit_log.SIGNIN)
    assert [(r.action, r.actor_name) for r in found] == [("account_locked", "li")]
    assert found[0].payload["address"] == "testclient" and found[0].payload["failures"] == accounts.MAX_FAILED_LOGINS
    assert verify(rt).ok


def test_an_address_that_keeps_guessing_is_in_the_audit_history_once(client, rt):
    throttle = client.app.state.login_throttle
    for n in range(throttle.max_failures + 3):
        page_error(client, f"guess{n}", "wrong-password")
    with rt.read() as session:
        found = audit_log.records(session, audit_log.SIGNIN)
    assert [r.action for r in found] == ["address_throttled"]
    assert found[0].payload == {"address": "testclient", "failures": throttle.max_failures, "window_minutes": 10}
    assert verify(rt).ok
