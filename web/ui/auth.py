"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from engine.errors import TooManyAttempts
from web.deps import session_epoch, user_from_request
from web.throttle import client_address, throttle_of
from web.ui.common import RT, Form, Me, page, safe_next, see_other
from web.ui.signin import change_password, sign_in
from workflows.accounts import AccountError


@get("/login", sync_to_thread=True)
def login_page(request: Request, rt: RT, next: FromQuery[str | None] = None) -> Template | Redirect:
    if user_from_request(request) is not None:
        return see_other(safe_next(next))
    return page(rt, None, "login.html", next=safe_next(next), username="", error=None)


@post("/login", sync_to_thread=True)
def login(request: Request, rt: RT, data: Form) -> Template | Redirect:
    username, target = data.get("username", ""), safe_next(data.get("next"))
    throttle, address, now = throttle_of(request), client_address(request), rt.clock.now()
    if throttle.blocked(address, now):
        return page(rt, None, "login.html", 429, next=target, username=username, error=TooManyAttempts().message)
    result = sign_in(rt, username, data.get("password", ""))
    if result.user is None:
        throttle.failed(address, now)
        return page(rt, None, "login.html", 401, next=target, username=username, error=result.error)
    request.set_session({"uid": result.user.id, "epoch": session_epoch(result.user)})
    return see_other(target)


@post("/logout", sync_to_thread=False)
def logout(request: Request) -> Redirect:
    request.clear_session()
    return see_other("/login")


@get("/password", sync_to_thread=True)
def password_page(rt: RT, user: Me) -> Template:
    return page(rt, user, "password.html", error=None, done=None)


@post("/password", sync_to_thread=True)
def password_change(request: Request, rt: RT, user: Me, data: Form) -> Template:
    try:
        fresh = change_password(rt, user.id, data.get("old", ""), data.get("new", ""), data.get("confirm", ""))
    except AccountError as exc:
        return page(rt, user, "password.html", 400, error=exc.message, done=None)
    request.set_session({"uid": fresh.id, "epoch": session_epoch(fresh)})  # this browser stays signed in
    return page(rt, fresh, "password.html", done="密码已修改。", error=None)


ROUTES: list = [login_page, login, logout, password_page, password_change]
