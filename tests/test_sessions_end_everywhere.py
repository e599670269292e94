"""A session lives in the database: signing out, a password change and a deactivation end every copy of the
cookie at once, in every process; a form's CSRF token belongs to its session, so a planted pair is refused."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from tests.web_support import PASSWORD, sign_in
from web.app import create_app
from web.sessions import CSRF_COOKIE, SESSION_COOKIE
from workflows.accounts_models import WebSession


@pytest.fixture
def app(rt, make_user):
    make_user("clerk", "office")
    make_user("root", "admin")
    return create_app(rt)


def signed_in(client: TestClient) -> bool:
    resp = client.get("/", follow_redirects=False)
    return resp.status_code == 200


def copy_of(app, source: TestClient) -> TestClient:
    """Another browser holding a copy of the cookies (stolen, or a second tab's jar)."""
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, source.cookies.get(SESSION_COOKIE))
    return other


def test_logout_ends_a_copied_cookie_too(app, rt):
    with TestClient(app) as client:
        token = sign_in(client, "clerk")
        thief = copy_of(app, client)
        assert signed_in(thief)
        resp = client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/login"
        assert not signed_in(client)
        assert not signed_in(thief)  # the row is gone: the copy is worth nothing
        with rt.read() as session:
            assert session.exec(select(WebSession)).all() == []


def test_a_session_cookie_carries_no_data_only_a_random_token(app):
    with TestClient(app) as client:
        sign_in(client, "clerk")
        first = client.cookies.get(SESSION_COOKIE)
        sign_in(client, "clerk")
        assert first != client.cookies.get(SESSION_COOKIE) and len(first) >= 40
        assert "clerk" not in first and "uid" not in first


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app):
    with TestClient(app) as phone, TestClient(app) as desk:
        sign_in(phone, "clerk")
        token = sign_in(desk, "clerk")
        copy = copy_of(app, desk)
        resp = desk.post("/password", data={"old": PASSWORD, "new": "another-horse-2", "confirm": "another-horse-2",
                                            "_csrf_token": token})
        assert resp.status_code == 200 and "密码已修改" in resp.text
        assert signed_in(desk)
        assert not signed_in(phone) and not signed_in(copy)
        # the page answered with the new session's token: its sign-out form works
        fresh = resp.text.split('name="_csrf_token" value="')[1].split('"')[0]
        assert fresh == desk.cookies.get(CSRF_COOKIE) != token
        assert desk.post("/logout", data={"_csrf_token": fresh}, follow_redirects=False).status_code == 303


def test_deactivation_ends_the_users_sessions_at_once(app, rt):
    with TestClient(app) as clerk, TestClient(app) as admin:
        sign_in(clerk, "clerk")
        token = sign_in(admin, "root")
        with rt.read() as session:
            clerk_id = session.exec(select(WebSession.user_id)).first()
        resp = admin.post(f"/admin/users/{clerk_id}/active", data={"active": "false", "_csrf_token": token},
                          follow_redirects=False)
        assert resp.status_code == 303
        assert not signed_in(clerk)
        with rt.read() as session:
            assert session.exec(select(WebSession).where(WebSession.user_id == clerk_id)).all() == []


def test_sessions_are_shared_by_every_process(app, rt):
    second_process = create_app(rt)  # another worker on the same database and secret key
    with TestClient(app) as one:
        token = sign_in(one, "clerk")
        with TestClient(second_process) as two:
            two.cookies.set(SESSION_COOKIE, one.cookies.get(SESSION_COOKIE))
            assert signed_in(two)
            assert two.post("/logout", data={"_csrf_token": token}, follow_redirects=False).status_code == 303
        assert not signed_in(one)


def test_a_csrf_token_of_another_session_is_refused(app, rt):
    with TestClient(app) as victim, TestClient(app) as attacker:
        victim_token = sign_in(victim, "clerk")
        attacker_token = sign_in(attacker, "clerk")  # the same person even: still another session
        assert victim_token != attacker_token
        refused = victim.post("/logout", data={"_csrf_token": attacker_token}, follow_redirects=False)
        assert refused.status_code == 403
        # a planted cookie/token pair (double submit) is no better
        victim.cookies.set(CSRF_COOKIE, attacker_token)
        planted = victim.post("/logout", data={"_csrf_token": attacker_token}, follow_redirects=False)
        assert planted.status_code == 403
        header = victim.post("/logout", headers={"x-csrftoken": attacker_token}, follow_redirects=False)
        assert header.status_code == 403
        assert signed_in(victim)
        ok = victim.post("/logout", data={"_csrf_token": victim_token}, follow_redirects=False)
        assert ok.status_code == 303


def test_the_token_known_before_sign_in_does_not_carry_over(app):
    with TestClient(app) as client:
        client.get("/login")
        before = client.cookies.get(CSRF_COOKIE)
        client.post("/login", data={"username": "clerk", "password": PASSWORD, "_csrf_token": before},
                    follow_redirects=False)
        assert client.cookies.get(CSRF_COOKIE) != before
        client.cookies.set(CSRF_COOKIE, before)
        assert client.post("/logout", data={"_csrf_token": before}, follow_redirects=False).status_code == 403


def test_the_api_with_a_bearer_token_needs_no_csrf_token(app, rt):
    with TestClient(app) as client:
        token = client.post("/api/auth/token", json={"username": "clerk", "password": PASSWORD}).json()
        resp = client.post("/api/auth/revoke", headers={"authorization": f"Bearer {token['access_token']}"})
        assert resp.status_code == 200 and resp.json() == {"revoked": True}
