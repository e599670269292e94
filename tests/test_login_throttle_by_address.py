"""A client that keeps guessing is refused (429) for a while, whichever accounts it tries, on the API and the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient

from web.app import create_app


@pytest.fixture
def client(rt, make_user):
    make_user("li", "office")
    with TestClient(create_app(rt)) as c:
        yield c


def throttle(client):
    return client.app.state.login_throttle


def test_the_api_refuses_a_guessing_address_then_lets_it_back(client, rt):
    limit = throttle(client).max_failures
    for n in range(limit):
        assert client.post("/api/auth/token", json={"username": f"user{n}", "password": "guess"}).status_code == 401
    refused = client.post("/api/auth/token", json={"username": "li", "password": "correct-horse-1"})
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_attempts"
    assert "10 分钟" in refused.json()["message"]
    rt.clock.advance(throttle(client).window + timedelta(seconds=1))
    assert client.post("/api/auth/token", json={"username": "li", "password": "correct-horse-1"}).status_code == 200


def test_the_sign_in_page_counts_the_same_address(client, rt):
    client.get("/login")
    token = client.cookies.get("reform_csrf")
    for n in range(throttle(client).max_failures):
        resp = client.post("/login", data={"username": f"user{n}", "password": "guess", "_csrf_token": token})
        assert resp.status_code == 401
    resp = client.post("/login", data={"username": "li", "password": "correct-horse-1", "_csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 429 and "登录失败次数过多" in resp.text
