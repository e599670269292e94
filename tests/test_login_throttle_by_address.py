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


def test_every_server_process_counts_the_same_failures(client, rt):
    """Two apps on one database stand for two `reform serve --workers` processes (and for a restart): the
    failures either one saw count for both, so a guessing client gains nothing by landing on the other."""
    from runtime.core import Runtime

    limit = throttle(client).max_failures
    other_rt = Runtime(config=rt.config, engine=rt.engine, clock=rt.clock)
    with TestClient(create_app(other_rt)) as other:
        assert throttle(other) is not throttle(client)
        for n in range(limit):
            guessing = client if n % 2 else other
            assert guessing.post("/api/auth/token", json={"username": f"user{n}", "password": "x"}).status_code == 401
        for either in (client, other):
            assert either.post("/api/auth/token", json={"username": "li", "password": "correct-horse-1"}
                               ).status_code == 429
    with TestClient(create_app(Runtime(config=rt.config, engine=rt.engine, clock=rt.clock))) as restarted:
        assert restarted.post("/api/auth/token", json={"username": "li", "password": "correct-horse-1"}
                              ).status_code == 429


def test_only_the_windows_failures_are_kept(client, rt):
    from sqlalchemy import func, select

    from workflows.accounts_models import LoginFailure

    for n in range(3):
        client.post("/api/auth/token", json={"username": f"user{n}", "password": "x"})
    rt.clock.advance(throttle(client).window + timedelta(seconds=1))
    client.post("/api/auth/token", json={"username": "late", "password": "x"})
    with rt.read() as session:
        kept = session.execute(select(func.count()).select_from(LoginFailure)).scalar_one()
    assert kept == 1


def test_failures_from_many_addresses_at_once_neither_wait_on_nor_break_each_other(client, rt):
    """Each failure also deletes the window's stale rows: racing failures (a spray of guesses) must not deadlock
    on those deletes or lose a count."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, insert, select

    from engine.db import utc
    from workflows.accounts_models import LoginFailure

    limiter, now = throttle(client), rt.clock.now()
    with rt.write() as session:
        session.execute(insert(LoginFailure), [{"address": f"10.0.0.{n % 50}", "at": utc(now - timedelta(hours=1))}
                                               for n in range(300)])

    def guess(address: str) -> None:
        for _ in range(5):
            with rt.write() as session:
                limiter.failed(session, address, now)

    addresses = [f"192.168.1.{n}" for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(guess, addresses))  # re-raises any error of a thread
    with rt.read() as session:
        counts = dict(session.execute(select(LoginFailure.address, func.count()).group_by(LoginFailure.address)).all())
    assert counts == {address: 5 for address in addresses}
