"""Nobody acts anonymously: every route of the app, enumerated from the app itself, refuses an anonymous caller."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from web.app import create_app

PUBLIC = {"/health", "/login", "/api/auth/token"}


def routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        path = route.path
        if path in PUBLIC or path.startswith(("/schema", "/static")):
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            found.append((method, concrete))
    return found


@pytest.fixture
def client(rt, ledger):
    with TestClient(create_app(rt)) as c:
        yield c


def test_every_route_refuses_anonymous_callers(client):
    checked = routes(client.app)
    assert len(checked) > 40  # the app's pages and API, not an empty list
    let_through = []
    for method, path in checked:
        resp = client.request(method, path, follow_redirects=False)
        if path.startswith("/api") or path == "/metrics":  # a token's routes: 401, never a sign-in page
            ok = resp.status_code == 401
        elif method == "GET":
            ok = resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")
        else:  # an unsafe page request: CSRF refuses it before anything else, or sign-in does
            ok = resp.status_code in (302, 303, 401, 403)
        if not ok:
            let_through.append((method, path, resp.status_code))
    assert let_through == []
