"""API accounts: a bearer token for a username and password, revoking it, and who am I."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from engine.db import read_session, write_session
from runtime.core import Runtime
from web.deps import bearer_token
from web.errors import TooManyAttempts, Unauthenticated
from web.throttle import client_address
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform.views import instant

RT = NamedDependency[Runtime]
Me = NamedDependency[User]


class BadCredentials(Unauthenticated):
    for_people = True


@dataclass
class TokenRequest:
    username: str
    password: str


def login(rt: Runtime, username: str, password: str) -> dict:
    """A fresh token; failures are counted (and committed) before the 401."""
    now = rt.clock.now()
    ttl = timedelta(hours=rt.settings.token_ttl_hours)
    with write_session(rt.engine) as session:
        user = accounts.authenticate(session, username.strip(), password, now)
        token = accounts.issue_token(session, user, now, ttl) if user else None
    if token is None:
        raise BadCredentials("用户名或密码错误；连续失败 5 次后账户将锁定 15 分钟")
    return {"access_token": token, "token_type": "bearer", "expires_at": instant(now + ttl)}


@post("/api/auth/token", sync_to_thread=True, status_code=200)
def token(request: Request, rt: RT, data: JSONBody[TokenRequest]) -> dict:
    address, now = client_address(request), rt.clock.now()
    if rt.login_throttle.blocked(address, now):
        raise TooManyAttempts(f"address {address}: too many failed sign-ins")
    try:
        return login(rt, data.username, data.password)
    except BadCredentials:
        rt.login_throttle.failed(address, now)
        raise


@post("/api/auth/revoke", sync_to_thread=True, status_code=200)
def revoke(request: Request, rt: RT, user: Me) -> dict:
    with write_session(rt.engine) as session:
        revoked = accounts.revoke_token(session, bearer_token(request) or "", rt.clock.now())
    return {"revoked": revoked}


@get("/api/me", sync_to_thread=True)
def me(rt: RT, user: Me) -> dict:
    with read_session(rt.engine) as session:
        unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "email": user.email,
            "role": user.role, "unit": unit.name if unit else None}


ROUTES: list = [token, revoke, me]
