"""Dependency providers: the runtime, and who is asking (bearer token for /api, session for pages); guards."""

from __future__ import annotations

import re

import anyio.to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide

from engine.db import MAX_ID
from engine.decide import Actor
from engine.errors import BadRequest, NotFound, PermissionDenied, Unauthenticated
from runtime.core import Runtime
from web.sessions import SESSION_COOKIE
from workflows import accounts
from workflows.access import Access
from workflows.accounts_models import User


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def user_from_request(request: Request) -> User | None:
    """The signed-in user: a bearer token on /api, the session cookie (a web_session row) on pages."""
    rt = runtime_of(request)
    now = rt.clock.now()
    with rt.read() as session:
        if request.url.path.startswith("/api"):
            token = bearer_token(request)
            return accounts.user_for_token(session, token, now) if token else None
        cookie = request.cookies.get(SESSION_COOKIE)
        return accounts.user_for_session(session, cookie, now) if cookie else None


class PasswordChangeRequired(PermissionDenied):
    """A password an admin reset: nothing but changing it (or signing out) until it is changed."""

    code = "password_change_required"
    default = "管理员已重置您的密码：请先修改密码后再继续使用"


WHILE_CHANGING = frozenset({"/password", "/logout"})


async def provide_user(request: Request) -> User:
    """The guard's user on /api (no thread for that); a page's from its session cookie, read in a worker thread."""
    user = request.state.get(_USER_KEY) or await anyio.to_thread.run_sync(user_from_request, request)
    if user is None:
        raise Unauthenticated(detail="authentication required")
    if user.must_change_password and request.url.path not in WHILE_CHANGING:
        raise PasswordChangeRequired(detail=f"user {user.username!r} must change the one-time password")
    return user


OPEN_API_PATHS = frozenset({"/api/auth/token"})
_USER_KEY = "reform_user"


async def api_guard(connection: ASGIConnection, _handler) -> None:
    """Nobody uses the API anonymously: checked before any body is read or parameter parsed."""
    path = connection.url.path
    if not path.startswith("/api/") or path in OPEN_API_PATHS:
        return
    user = await anyio.to_thread.run_sync(user_from_request, connection)
    if user is None:
        raise Unauthenticated(detail="authentication required")
    if user.must_change_password:
        raise PasswordChangeRequired(detail=f"user {user.username!r} must change the one-time password")
    connection.state[_USER_KEY] = user


async def id_guard(connection: ASGIConnection, _handler) -> None:
    """An id in the path that no row can have (beyond the database's integers) is not found, before any query."""
    for name, value in connection.path_params.items():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound("找不到该记录", detail=f"path parameter {name}={value} is outside the range of ids")


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


async def query_guard(connection: ASGIConnection, _handler) -> None:
    """No query value with control characters reaches a handler (PostgreSQL refuses NUL in any text)."""
    for name, value in connection.query_params.multi_items():
        if CONTROL.search(value):
            raise BadRequest(f"参数 {name[:32]} 含有控制字符",
                             detail=f"query parameter {name[:32]!r}: control characters")


async def guard(connection: ASGIConnection, handler) -> None:
    """The three checks as one guard: Litestar copies the route handler for every guard it runs, every request."""
    await api_guard(connection, handler)
    await id_guard(connection, handler)
    await query_guard(connection, handler)


def provide_actor(user: NamedDependency[User]) -> Actor:
    return accounts.actor_for(user)


def provide_access(actor: NamedDependency[Actor]) -> Access:
    return Access(actor)


def provide_runtime(request: Request) -> Runtime:
    return runtime_of(request)


DEPENDENCIES = {
    "rt": Provide(provide_runtime, sync_to_thread=False),
    "user": Provide(provide_user),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "access": Provide(provide_access, sync_to_thread=False),
}
