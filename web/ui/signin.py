"""Signing in and changing a password, with the Chinese sentence a person sees when it fails."""

from __future__ import annotations

import re
from dataclasses import dataclass

from runtime.core import Runtime
from workflows import accounts
from workflows.accounts_models import User

MISMATCH = "两次输入的新密码不一致"


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None = None


def sign_in(rt: Runtime, username: str, password: str, address: str = "") -> SignIn:
    """authenticate() counts failures and locks; the failure is committed before we answer. A wrong password, a
    locked account and an unknown name read the same."""
    with rt.write() as session:
        user = accounts.authenticate(session, username.strip(), password, rt.clock.now(), address)
    return SignIn(user) if user is not None else SignIn(None, accounts.SIGN_IN_FAILED)


def change_password(rt: Runtime, user_id: int, old: str, new: str, confirm: str) -> User:
    """The user with the new hash; AccountError (Chinese) when refused. Every session and API token ends."""
    if new != confirm:
        raise accounts.AccountError(MISMATCH)
    with rt.write() as session:
        user = session.get(User, user_id)
        accounts.change_password(session, user, old, new)
        accounts.end_everything(session, user, rt.clock.now())
        return user


RESUMED = "您已重新登录。刚才填写的内容已保留在下面的表单中，请核对后重新提交（所选文件须重新选择）。"


def resume_form(rt: Runtime, user: User, target: str, data: dict[str, str]):
    """After signing in again mid-form: the form's page with what was typed (the sign-in page carried it)."""
    from litestar.datastructures import MultiDict

    from web.kinds import MEASURES
    from web.ui.errors import DRAFT_PREFIX
    from web.ui.forms import typed_from
    from web.ui.measure import render
    from web.ui.measure_view import Failure
    from workflows.access import Access

    act = MEASURES.definition.action(data.get("draft_action", ""))
    found = re.match(r"^/measures/(\d+)$", target)
    if act is None or found is None:
        return None
    typed = typed_from(act, MultiDict({k[len(DRAFT_PREFIX):]: v for k, v in data.items()
                                       if k.startswith(DRAFT_PREFIX)}))
    return render(rt, user, Access(accounts.actor_for(user)), int(found.group(1)), Failure(act.name, RESUMED, typed))
