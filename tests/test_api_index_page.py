"""/schema is a page an operator can read under our Content-Security-Policy: no script, no CDN, every operation
of the OpenAPI document on it, and the document itself linked."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from web.api_docs import METHODS
from web.app import create_app


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def test_every_operation_is_on_the_page_and_nothing_runs_script(client):
    page = client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert 'href="/schema/openapi.json"' in page.text
    schema = client.get("/schema/openapi.json").json()
    shown = set(re.findall(r"<h3><code>([A-Z]+) ([^<]+)</code></h3>", page.text))
    expected = {(m.upper(), path) for path, item in schema["paths"].items() for m in METHODS if m in item}
    assert expected and shown == expected
    token = schema["paths"]["/api/auth/token"]["post"]["summary"]
    assert token in page.text and "<h2>/api/measures</h2>" in page.text


def test_the_old_script_pages_are_gone(client):
    for path in ("/schema/redoc", "/schema/swagger"):
        assert client.get(path).status_code == 404

