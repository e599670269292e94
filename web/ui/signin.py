"""Signing in and changing a password, with the Chinese sentence a person sees when it fails."""

from __future__ import annotations

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
