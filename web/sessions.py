"""Browser sessions kept in the database, and CSRF tokens bound to them.

The session cookie holds a random token; the web_session row holds its hash, so signing out, a password change,
a reset or a deactivation ends every copy of the cookie at once, in every process. A form's CSRF token is derived
from the session's token (HMAC with the secret key): a token from any other session, or planted beside it in a
cookie, does not match. Before sign-in (the sign-in form) Litestar's signed double-submit cookie is used; signing
in then starts a new session, so nothing known before it carries over.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from secrets import compare_digest
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_hash
from litestar.utils.scope.state import ScopeState

from runtime.core import Runtime
from workflows import accounts
from workflows.accounts_models import User

SESSION_COOKIE = "reform_session"
CSRF_COOKIE = "reform_csrf"
SESSION_TTL = timedelta(hours=12)
EXCLUDED = ["/api", "/schema", "/health"]  # bearer tokens, read-only documents: no cookies to forge with


def csrf_config(secret: bytes, https: bool) -> CSRFConfig:
    return CSRFConfig(secret=secret.hex(), cookie_name=CSRF_COOKIE, header_name="x-csrftoken",
                      cookie_samesite="lax", cookie_secure=https, exclude=EXCLUDED)


def bound_token(config: CSRFConfig, session_token: str) -> str:
    """The session's CSRF token, in Litestar's signed format (so the cookie copy stays a valid token)."""
    part = hmac.new(config.secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()
    return part + generate_csrf_hash(token=part, secret=config.secret)


class SessionCSRFMiddleware(CSRFMiddleware):
    """Unsafe requests of a signed-in browser need the token of its own session; before sign-in, Litestar's."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if should_bypass_middleware(scope=scope, scopes=self.scopes, exclude_opt_key=self.config.exclude_from_csrf_key,
                                    exclude_path_pattern=self.exclude):
            await self.app(scope, receive, send)
            return
        request: Request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session_token = request.cookies.get(SESSION_COOKIE)
        if not session_token:
            await super().__call__(scope, receive, send)
            return
        expected = bound_token(self.config, session_token)
        if request.method not in self.config.safe_methods and not compare_digest(
                (await self._presented(request)).encode(), expected.encode()):
            raise PermissionDeniedException("CSRF token verification failed")
        ScopeState.from_scope(scope).csrf_token = expected
        cookie = request.cookies.get(self.config.cookie_name)
        await self.app(scope, receive, send if cookie == expected else self._carrying(send, scope))

    async def _presented(self, request: Request) -> str:
        token = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not token and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            token = (await request.form()).get("_csrf_token")
        return token if isinstance(token, str) else ""

    def _carrying(self, send: Any, scope: Any) -> Any:
        """Keep a copy of the session's token in the CSRF cookie, for scripts; it is never trusted."""

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                prefix = f"{self.config.cookie_name}="
                if not any(v.startswith(prefix) for v in headers.getall("set-cookie", [])):  # sign-in/out set it
                    token = ScopeState.from_scope(scope).csrf_token
                    headers.add("set-cookie", self._cookie(token).to_header(header=""))
            await send(message)

        return wrapped

    def _cookie(self, token: str) -> Cookie:
        c = self.config
        return Cookie(key=c.cookie_name, value=token, path=c.cookie_path, secure=c.cookie_secure,
                      httponly=c.cookie_httponly, samesite=c.cookie_samesite, domain=c.cookie_domain)


def start(request: Request, rt: Runtime, user: User, address: str = "") -> list[Cookie]:
    """A new session for this browser (any old one ends); the cookies to set. Forms rendered by this request
    get the new session's CSRF token."""
    old = request.cookies.get(SESSION_COOKIE)
    with rt.write() as session:
        if old:
            accounts.close_session(session, old)
        token = accounts.open_session(session, user, rt.clock.now(), SESSION_TTL, address)
    config = request.app.state.csrf_config
    csrf = bound_token(config, token)
    ScopeState.from_scope(request.scope).csrf_token = csrf
    return [Cookie(key=SESSION_COOKIE, value=token, path="/", httponly=True, samesite="lax",
                   secure=rt.settings.https, max_age=int(SESSION_TTL.total_seconds())),
            Cookie(key=CSRF_COOKIE, value=csrf, path="/", httponly=False, samesite="lax", secure=rt.settings.https)]


def end(request: Request, rt: Runtime) -> list[Cookie]:
    """This browser's session ends (its row is deleted: a copied cookie stops working too); cookies to clear."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with rt.write() as session:
            accounts.close_session(session, token)
    return [Cookie(key=name, value="", path="/", max_age=0, expires=0, httponly=name == SESSION_COOKIE,
                   samesite="lax", secure=rt.settings.https) for name in (SESSION_COOKIE, CSRF_COOKIE)]
