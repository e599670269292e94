"""Every page links the system's icon, and it is served: without it a browser asks for /favicon.ico and logs a
404 in its console on every page."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from web.app import create_app


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def test_pages_name_an_icon_that_is_served(client):
    for path in ("/schema", "/login"):
        assert '<link rel="icon" href="/static/favicon.svg"' in client.get(path).text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
