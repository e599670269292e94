"""Accounts: argon2 passwords, login throttling, expiring and revocable bearer tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from engine.db import utc
from engine.decide import Actor
from engine.errors import BadRequest, NotFound
from workflows.accounts_models import ApiToken, User
from workflows.models import Unit
from workflows.roles import HOME_KIND, ORG, UNIT_ROLES

# Tests set REFORM_FAST_HASH=1: still argon2, with a small cost, so a suite can create many users.
_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024) if os.environ.get("REFORM_FAST_HASH")
                        else Argon2Hasher(),))
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
ROLES = ORG.names


class AccountError(BadRequest):
    """A bad account request: unknown role or unit, weak password, duplicate name."""

    code = "bad_account"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return _HASHER.verify(password, hashed)
    except Exception:  # malformed hash: never a match
        return False


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise AccountError("密码至少需要 8 个字符")


def add_user(session: Session, username: str, role: str, password: str, now: datetime, *,
             unit_name: str | None = None, email: str = "", display_name: str = "") -> User:
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}，可选：{'、'.join(f'{r}（{ORG.label(r)}）' for r in ROLES)}")
    if not username.strip():
        raise AccountError("用户名不能为空")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名 {username!r} 已存在")
    check_password_strength(password)
    unit = None
    if unit_name:
        unit = session.exec(select(Unit).where(Unit.name == unit_name)).first()
        if unit is None:
            raise AccountError(f"未知单位 {unit_name!r}")
    if role in UNIT_ROLES and unit is None:
        raise AccountError(f"角色“{ORG.label(role)}”必须指定所属单位（--unit）")
    if role in HOME_KIND and unit is None:
        unit = session.exec(select(Unit).where(Unit.kind == HOME_KIND[role])).first()
    user = User(username=username.strip(), role=role, unit_id=unit.id if unit else None, email=email,
                display_name=display_name or username, password_hash=hash_password(password), created_at=now)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, now: datetime) -> User | None:
    """The user when the password matches; counts failures and locks the account for a while."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        verify_password(password, _DUMMY_HASH)  # same cost whether or not the user exists
        return None
    if user.locked_until and utc(user.locked_until) > now:
        return None
    if not verify_password(password, user.password_hash):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        session.add(user)
        return None
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    return user


def change_password(session: Session, user: User, old: str, new: str) -> None:
    if not verify_password(old, user.password_hash):
        raise AccountError("原密码不正确")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    session.add(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, now: datetime, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now, expires_at=now + ttl))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked_at is not None or utc(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None


def revoke_token(session: Session, token: str, now: datetime) -> bool:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    return True


def revoke_all(session: Session, user: User, now: datetime) -> int:
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)


def actor_for(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=user.role,
                 unit_ids=frozenset({user.unit_id}) if user.unit_id else frozenset(),
                 name=user.display_name or user.username)


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"找不到用户 {username!r}", detail=f"user {username!r} not found")
    return user


_DUMMY_HASH = hash_password("not-a-real-password")
