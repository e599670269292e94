"""Security headers on every answer: no framing, no inline script or style, no sniffing, nothing cached."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders

# Styles, scripts and images come only from /static (no inline <style>, style="…", <script> or on…=).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
STATIC = "/static/"
# A received mail's HTML, shown framed on 邮件: its own inline styles, nothing else, no script even when opened
# alone (sandbox), framed only by this site's pages.
PREVIEW = "/mail/sink/"
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'"


def security_headers(https: bool):
    """A before-send hook (it sees every answer, error pages and routing's 404 included). A coroutine: Litestar runs
    a plain function hook in a worker thread, twice per answer (its start and its body), which cost more than the
    rest of a cached read's answer."""
    fixed = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
             "referrer-policy": "same-origin", **({"strict-transport-security": HSTS} if https else {})}

    async def add(message: Any, scope: Any) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in fixed.items():
            headers[name] = value
        if scope.get("path", "").startswith(PREVIEW):
            headers["content-security-policy"], headers["x-frame-options"] = PREVIEW_CSP, "SAMEORIGIN"
        if not scope.get("path", "").startswith(STATIC):  # pages, API answers, files: never kept by a cache
            headers["cache-control"] = "no-store"

    return add
