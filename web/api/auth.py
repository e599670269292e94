"""API accounts: a bearer token for a username and password, revoking it, and who am I."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from litestar import Request
from litestar.di import NamedDependency
from litestar.params import JSONBody

from engine.errors import PermissionDenied, TooManyAttempts, Unauthenticated
from runtime.core import Runtime
from web.api.common import RT, api_get, api_post
from web.deps import bearer_token
from web.throttle import client_address, note_failure, throttle_of
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform.views import beijing

Me = NamedDependency[User]
CHANGE_FIRST = "管理员已重置该账户的密码：请先在网页上登录并修改密码，再申请访问令牌"


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


def login(rt: Runtime, username: str, password: str, address: str = "") -> Token:
    """A fresh token; failures are counted (and committed) before the 401, the same for every kind of failure."""
    now = rt.clock.now()
    ttl = timedelta(hours=rt.settings.token_ttl_hours)
    with rt.write() as session:
        user = accounts.authenticate(session, username.strip(), password, now, address)
        if user is not None and user.must_change_password:
            raise PermissionDenied(CHANGE_FIRST, detail=f"user {user.username!r} must change the one-time password")
        token = accounts.issue_token(session, user, now, ttl) if user else None
    if token is None:
        raise Unauthenticated(accounts.SIGN_IN_FAILED, detail=f"bad credentials for {username[:64]!r}")
    return Token(access_token=token, token_type="bearer", expires_at=beijing(now + ttl))


@api_post("/api/auth/token", status_code=200, summary="用用户名和密码换取访问令牌")
def token(request: Request, rt: RT, data: JSONBody[TokenRequest]) -> Token:
    address, now = client_address(request), rt.clock.now()
    if throttle_of(request).blocked(address, now):
        raise TooManyAttempts(detail=f"address {address}: too many failed sign-ins")
    try:
        return login(rt, data.username, data.password, address)
    except Unauthenticated:
        note_failure(request, data.username[:64])
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
