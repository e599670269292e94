"""API accounts: a bearer token for a username and password, revoking it, and who am I."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from litestar import Request
from litestar.di import NamedDependency
from litestar.params import JSONBody

from engine.errors import TooManyAttempts, Unauthenticated
from runtime.core import Runtime
from web.api.common import RT, api_get, api_post
from web.deps import bearer_token
from web.throttle import client_address, throttle_of
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform.views import beijing

Me = NamedDependency[User]
BAD_CREDENTIALS = "用户名或密码错误；连续失败 5 次后账户将锁定 15 分钟"


@dataclass
class TokenRequest:
    username: str
    password: str


class Token(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str
    expires_at: datetime


class Revoked(msgspec.Struct, frozen=True, kw_only=True):
    revoked: bool


class CurrentUser(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    unit: str | None


def login(rt: Runtime, username: str, password: str) -> Token:
    """A fresh token; failures are counted (and committed) before the 401."""
    now = rt.clock.now()
    ttl = timedelta(hours=rt.settings.token_ttl_hours)
    with rt.write() as session:
        user = accounts.authenticate(session, username.strip(), password, now)
        token = accounts.issue_token(session, user, now, ttl) if user else None
    if token is None:
        raise Unauthenticated(BAD_CREDENTIALS, detail=f"bad credentials for {username!r}")
    return Token(access_token=token, token_type="bearer", expires_at=beijing(now + ttl))


@api_post("/api/auth/token", status_code=200, summary="用用户名和密码换取访问令牌")
def token(request: Request, rt: RT, data: JSONBody[TokenRequest]) -> Token:
    throttle, address, now = throttle_of(request), client_address(request), rt.clock.now()
    if throttle.blocked(address, now):
        raise TooManyAttempts(detail=f"address {address}: too many failed sign-ins")
    try:
        return login(rt, data.username, data.password)
    except Unauthenticated:
        throttle.failed(address, now)
        raise


@api_post("/api/auth/revoke", status_code=200, summary="作废当前访问令牌")
def revoke(request: Request, rt: RT, user: Me) -> Revoked:
    with rt.write() as session:
        return Revoked(revoked=accounts.revoke_token(session, bearer_token(request) or "", rt.clock.now()))


@api_get("/api/me", summary="当前用户")
def me(rt: RT, user: Me) -> CurrentUser:
    with rt.read() as session:
        unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return CurrentUser(id=user.id, username=user.username, display_name=user.display_name, email=user.email,
               role=user.role, unit=unit.name if unit else None)


ROUTES: list = [token, revoke, me]
