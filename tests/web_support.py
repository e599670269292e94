"""Signing a TestClient in as a browser is: a server-side session in the cookie, the session's CSRF token."""

from __future__ import annotations

from litestar.testing import TestClient

from runtime.core import Runtime
from web.sessions import CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL
from workflows import accounts
from workflows.accounts_models import User

PASSWORD = "correct-horse-1"


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Through the sign-in form; the CSRF token of the new session (the one every later form carries)."""
    client.cookies.clear()
    client.get("/login")
    resp = client.post("/login", data={"username": username, "password": password,
                                       "_csrf_token": client.cookies.get(CSRF_COOKIE)}, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:300]
    return client.cookies.get(CSRF_COOKIE)


def as_user(client: TestClient, rt: Runtime, user: User) -> TestClient:
    """Signed in as `user` without the form (fast): a session row and its cookie; the CSRF cookie follows."""
    with rt.write() as session:
        token = accounts.open_session(session, user, rt.clock.now(), SESSION_TTL)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)
    return client
