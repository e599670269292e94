"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from engine.errors import TooManyAttempts
from web import sessions
from web.deps import user_from_request
from web.throttle import client_address, note_failure, throttle_of
from web.ui.common import RT, Form, Me, page, safe_next, see_other
from web.ui.signin import change_password, resume_form, sign_in
from workflows.accounts import AccountError


@get("/login", sync_to_thread=True)
def login_page(request: Request, rt: RT, next: FromQuery[str | None] = None) -> Template | Redirect:
    if user_from_request(request) is not None:
        return see_other(safe_next(next))
    return page(rt, None, "login.html", next=safe_next(next), username="", error=None)


@post("/login", sync_to_thread=True)
def login(request: Request, rt: RT, data: Form) -> Template | Redirect:
    username, target = data.get("username", "")[:64], safe_next(data.get("next"))
    address = client_address(request)
    if throttle_of(request).blocked(address, rt.clock.now()):
        return page(rt, None, "login.html", 429, next=target, username=username, error=TooManyAttempts().message)
    result = sign_in(rt, username, data.get("password", ""), address)
    if result.user is None:
        note_failure(request, username)
        return page(rt, None, "login.html", 401, next=target, username=username, error=result.error)
    user = result.user
    cookies = sessions.start(request, rt, user, address)
    resumed = None if user.must_change_password else resume_form(rt, user, target, data)
    answer = resumed or see_other("/password" if user.must_change_password else target)
    answer.cookies.extend(cookies)
    return answer


@post("/logout", sync_to_thread=True)
def logout(request: Request, rt: RT) -> Redirect:
    redirect = see_other("/login")
    redirect.cookies.extend(sessions.end(request, rt))
    return redirect


@get("/password", sync_to_thread=True)
def password_page(rt: RT, user: Me) -> Template:
    return page(rt, user, "password.html", error=None, done=None)


@post("/password", sync_to_thread=True)
def password_change(request: Request, rt: RT, user: Me, data: Form) -> Template:
    try:
        fresh = change_password(rt, user.id, data.get("old", ""), data.get("new", ""), data.get("confirm", ""))
    except AccountError as exc:
        return page(rt, user, "password.html", 400, error=exc.message, done=None)
    cookies = sessions.start(request, rt, fresh, client_address(request))  # every other copy has ended
    done = page(rt, fresh, "password.html", done="密码已修改。", error=None)
    done.cookies.extend(cookies)
    return done


ROUTES: list = [login_page, login, logout, password_page, password_change]
