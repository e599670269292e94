"""Every answer of every route carries the security headers (a CSP without inline script or style, no framing,
no sniffing, same-origin referrers, nothing cached), for anonymous callers, signed-in people and API tokens; no
page needs an inline script or style; HSTS when REFORM_HTTPS is on."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from runtime.core import Runtime
from tests.test_every_route_needs_sign_in import routes
from tests.web_support import as_user
from tests.world import token
from web.app import create_app
from web.headers import CSP, PREVIEW, PREVIEW_CSP
from workflows.accounts_models import User

EXPECTED = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin"}
EXTRA = [("GET", "/health"), ("GET", "/login"), ("POST", "/api/auth/token"), ("GET", "/schema/openapi.json"),
         ("GET", "/no-such-page"), ("GET", "/api/no-such-thing"), ("GET", "/static/app.css")]
INLINE = re.compile(r"""<style|\sstyle\s*=|<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|javascript:""", re.I)


def missing(resp, path: str) -> dict[str, str | None]:
    wanted = dict(EXPECTED)
    if path.startswith(PREVIEW):  # a received mail's HTML: framed by our pages only, its inline styles alone
        wanted |= {"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"}
    if not path.startswith("/static/"):
        wanted["cache-control"] = "no-store"
    return {k: resp.headers.get(k) for k, v in wanted.items() if resp.headers.get(k) != v}


def users(rt) -> dict[str, User]:
    with rt.read() as session:
        return {u.username: u for u in session.exec(select(User))}


@pytest.fixture
def app(rt, ledger, make_user):
    make_user("root", "admin")
    make_user("office", "office")
    return create_app(rt)


def test_the_policy_forbids_inline_code_and_framing():
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "script-src" not in PREVIEW_CSP and "default-src 'none'" in PREVIEW_CSP and "sandbox" in PREVIEW_CSP
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP and "style-src 'self'" in CSP


def test_every_route_answers_with_the_headers_signed_in_or_not(app, rt):
    checked, wrong = 0, []
    with TestClient(app) as anonymous, TestClient(app) as office, TestClient(app) as admin:
        people = users(rt)
        as_user(office, rt, people["office"])
        as_user(admin, rt, people["root"])
        bearer = token(rt, people["office"])
        for method, path in routes(app) + EXTRA:
            for client, headers in ((anonymous, {}), (office, {}), (admin, {}), (anonymous, bearer)):
                resp = client.request(method, path, headers=headers, follow_redirects=False)
                checked += 1
                if problems := missing(resp, path):
                    wrong.append((method, path, resp.status_code, problems))
    assert checked > 200 and wrong == []


def test_no_page_carries_inline_script_or_style(app, rt):
    people = users(rt)
    pages = [path for method, path in routes(app) if method == "GET" and not path.startswith("/api")]
    found = []
    with TestClient(app) as client:
        for name in ("office", "root"):
            as_user(client, rt, people[name])
            for path in pages + ["/login"]:
                resp = client.get(path)
                if "text/html" in resp.headers.get("content-type", "") and (hit := INLINE.search(resp.text)):
                    found.append((name, path, resp.text[max(0, hit.start() - 60):hit.end() + 60]))
    assert len(pages) > 10 and found == []


def test_hsts_only_behind_https(rt: Runtime):
    plain = TestClient(create_app(rt)).get("/login")
    assert "strict-transport-security" not in plain.headers
    secure = Runtime(config=replace(rt.config, settings=rt.settings.model_copy(update={"https": True})),
                     engine=rt.engine, clock=rt.clock)
    resp = TestClient(create_app(secure)).get("/login")
    assert resp.headers["strict-transport-security"].startswith("max-age=31536000")
    assert missing(resp, "/login") == {}
