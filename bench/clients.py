"""Signed-in HTTP clients: a bearer token for the API, a session cookie (through the sign-in form) for pages."""

from __future__ import annotations

import html
import re

import httpx

from bench.synthetic import PASSWORD

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"')


def token(base: str, username: str, password: str = PASSWORD) -> str:
    resp = httpx.post(f"{base}/api/auth/token", json={"username": username, "password": password}, timeout=60)
    if resp.status_code != 200:
        raise RuntimeError(f"POST /api/auth/token for {username}: {resp.status_code} {resp.text[:200]}")
    return resp.json()["access_token"]


def api_client(base: str, username: str, timeout: float) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=timeout, headers={"Authorization": f"Bearer {token(base, username)}"})


def csrf_field(page: str) -> tuple[str, str]:
    """The hidden CSRF input of a form, whatever the framework calls it."""
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if "csrf" in attrs.get("name", "").lower():
            return attrs["name"], html.unescape(attrs.get("value", ""))
    raise RuntimeError("no CSRF field in the sign-in form")


def page_client(base: str, username: str, timeout: float, password: str = PASSWORD) -> httpx.Client:
    """Signed in as a browser is: GET /login for the CSRF cookie and field, POST the form, keep the cookies."""
    client = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
    form = client.get("/login")
    name, value = csrf_field(form.text)
    resp = client.post("/login", data={name: value, "username": username, "password": password, "next": "/"})
    if resp.status_code not in (302, 303):
        client.close()
        raise RuntimeError(f"sign-in form for {username}: {resp.status_code} {resp.text[:200]}")
    return client
