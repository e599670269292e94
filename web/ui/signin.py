"""Signing in and changing a password, with the Chinese sentence a person sees when it fails."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine.db import utc
from runtime.core import Runtime
from workflows import accounts
from workflows.accounts_models import User

BAD_CREDENTIALS = "用户名或密码错误。"
LOCKED = "该账户因多次登录失败已被暂时锁定，请 15 分钟后再试，或联系管理员。"
MISMATCH = "两次输入的新密码不一致"


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None = None


def sign_in(rt: Runtime, username: str, password: str) -> SignIn:
    """authenticate() counts failures and locks; the failure is committed before we answer."""
    now = rt.clock.now()
    with rt.write() as session:
        user = accounts.authenticate(session, username.strip(), password, now)
        if user is not None:
            return SignIn(user)
        row = session.execute(select(User).where(User.username == username.strip())).scalars().first()
        locked = row is not None and row.locked_until is not None and utc(row.locked_until) > now
    return SignIn(None, LOCKED if locked else BAD_CREDENTIALS)


def change_password(rt: Runtime, user_id: int, old: str, new: str, confirm: str) -> User:
    """The user with the new hash; AccountError (Chinese) when refused. API tokens are revoked."""
    if new != confirm:
        raise accounts.AccountError(MISMATCH)
    with rt.write() as session:
        user = session.get(User, user_id)
        accounts.change_password(session, user, old, new)
        accounts.revoke_all(session, user, rt.clock.now())
        return user
