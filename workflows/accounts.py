"""Accounts: argon2 passwords, login lockout, expiring and revocable bearer tokens and browser sessions."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import bindparam, delete
from sqlmodel import Session, select

from engine.db import utc
from engine.decide import Actor, clean_values
from engine.definition import FieldSpec
from engine.errors import BadRequest, NotFound
from workflows import audit_log
from workflows.accounts_models import ApiToken, User, WebSession
from workflows.models import Unit
from workflows.roles import HOME_KIND, ORG, UNIT_ROLES

# Tests set REFORM_FAST_HASH=1: still argon2, with a small cost, so a suite can create many users.
_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024) if os.environ.get("REFORM_FAST_HASH")
                        else Argon2Hasher(),))
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
ROLES = ORG.names
PASSWORD_MIN, PASSWORD_MAX = 8, 128
USERNAME_MAX = 64  # the column; longer names cannot exist, so they are refused before any query
# One sentence whether the password was wrong, the account is locked, or there is no such account.
SIGN_IN_FAILED = (f"用户名或密码错误。连续失败 {MAX_FAILED_LOGINS} 次后账户将暂时锁定 "
                  f"{int(LOCKOUT.total_seconds() // 60)} 分钟，届时请稍后再试或联系管理员。")
USER_FIELDS = (FieldSpec("username", label="用户名", max_length=USERNAME_MAX),  # the columns' bounds
               FieldSpec("display_name", label="姓名", required=False, max_length=64),
               FieldSpec("email", label="邮箱", required=False, max_length=255))
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread


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
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"密码至少需要 {PASSWORD_MIN} 个字符")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"密码最多 {PASSWORD_MAX} 个字符")


def add_user(session: Session, username: str, role: str, password: str, now: datetime, *,
             unit_name: str | None = None, email: str = "", display_name: str = "") -> User:
    given = clean_values("add_user", USER_FIELDS, {"username": username, "display_name": display_name,
                                                    "email": email})
    username = given["username"]
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}，可选：{'、'.join(f'{r}（{ORG.label(r)}）' for r in ROLES)}")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名 {username!r} 已存在")
    check_password_strength(password)
    unit = unit_for(session, role, unit_name)
    user = User(username=username, role=role, unit_id=unit.id if unit else None, email=given["email"] or "",
                display_name=given["display_name"] or username, password_hash=hash_password(password),
                created_at=now)
    session.add(user)
    session.flush()
    return user


def unit_for(session: Session, role: str, unit_name: str | None) -> Unit | None:
    """The unit a user of this role belongs to: named for unit roles, the home unit for the offices."""
    unit = None
    if unit_name:
        clean = unit_name[:128] if "\x00" not in unit_name else ""  # no unit has NUL in its name (nor could)
        unit = session.exec(select(Unit).where(Unit.name == clean)).first() if clean else None
        if unit is None:
            raise AccountError(f"未知单位 {unit_name[:128]!r}")
    if role in UNIT_ROLES and unit is None:
        raise AccountError(f"角色“{ORG.label(role)}”必须指定所属单位（--unit）")
    if role in HOME_KIND and unit is None:
        unit = session.exec(select(Unit).where(Unit.kind == HOME_KIND[role])).first()
    return unit


def set_role(session: Session, user: User, role: str, unit_name: str | None) -> dict[str, Any]:
    """Give the user another role or unit; what changed, for the audit history. Sessions carry on: every
    request reads the user afresh."""
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}")
    unit = unit_for(session, role, unit_name)
    before = {"role": user.role, "unit_id": user.unit_id}
    user.role, user.unit_id = role, unit.id if unit else None
    session.add(user)
    return {"before": before, "after": {"role": user.role, "unit_id": user.unit_id}}


def authenticate(session: Session, username: str, password: str, now: datetime, address: str = "") -> User | None:
    """The user when the password matches; counts failures and locks the account for a while.

    Every refusal costs one password check, so neither time nor answer tells a locked or unknown account apart.
    """
    if len(username) > USERNAME_MAX or len(password) > PASSWORD_MAX or "\x00" in username:
        verify_password(password[:PASSWORD_MAX], _DUMMY_HASH)
        return None
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active or (user.locked_until and utc(user.locked_until) > now):
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        _failed(session, user, now, address)
        return None
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    return user


def _failed(session: Session, user: User, now: datetime, address: str) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:  # a burst: the lock goes into the audit history
        user.locked_until, user.failed_logins = now + LOCKOUT, 0
        audit_log.record(session, audit_log.SIGNIN, user.id, "account_locked", by=user.username, by_id=None,
                         at=now, address=address, data={"failures": MAX_FAILED_LOGINS,
                                                        "locked_until": user.locked_until.isoformat()})
    session.add(user)


def change_password(session: Session, user: User, old: str, new: str) -> None:
    if len(old) > PASSWORD_MAX or not verify_password(old, user.password_hash):
        raise AccountError("原密码不正确")
    check_password_strength(new)
    if new == old:
        raise AccountError("新密码不能与原密码相同")
    user.password_hash, user.must_change_password = hash_password(new), False
    session.add(user)


def reset_password(session: Session, user: User, now: datetime) -> str:
    """A one-time password for an admin to hand over: it must be changed at the next sign-in. Ends every
    session and token of the user and lifts a lockout."""
    one_time = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))
    user.password_hash, user.must_change_password = hash_password(one_time), True
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    end_everything(session, user, now)
    return one_time


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, now: datetime, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now, expires_at=now + ttl))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user a live, unrevoked token belongs to (one query: every API request asks it)."""
    return _live(session.execute(_BY_TOKEN, {"token_hash": _token_hash(token)}).first(), now)


_BY_TOKEN = select(User, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))  # built once: every API request


def _live(found, now: datetime) -> User | None:
    if found is None:
        return None
    user, expires_at = found
    return user if utc(expires_at) > now and user.active else None


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


def end_everything(session: Session, user: User, now: datetime) -> None:
    """Every browser session and API token of the user ends now (password changed or reset, deactivated)."""
    revoke_all(session, user, now)
    close_sessions(session, user)


# -- browser sessions: a random token in an HttpOnly cookie, its hash in web_session


def open_session(session: Session, user: User, now: datetime, ttl: timedelta, address: str = "") -> str:
    """A new session for the user (a new token at every sign-in: a planted one gains nothing)."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))  # only live sessions are kept
    token = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user.id, token_hash=_token_hash(token), created_at=now, expires_at=now + ttl,
                           address=address[:64]))
    session.flush()
    return token


def user_for_session(session: Session, token: str, now: datetime) -> User | None:
    """The active user of a live browser session (one query: every page asks it)."""
    return _live(session.execute(_BY_SESSION, {"token_hash": _token_hash(token)}).first(), now)


_BY_SESSION = select(User, WebSession.expires_at).join(WebSession, WebSession.user_id == User.id).where(
    WebSession.token_hash == bindparam("token_hash"))  # built once: every page asks it


def close_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def close_sessions(session: Session, user: User) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


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


def set_oversight(session: Session, user: User, unit_names: list[str]) -> list[str]:
    """The units a district leader oversees (分管), replaced by `unit_names`; the names as stored."""
    from workflows.accounts_models import LeaderUnit

    if unit_names and not ORG.in_group(user.role, "leaders"):
        raise BadRequest(f"只有区领导可以设置分管单位（{user.display_name or user.username} 不是区领导）")
    units = []
    for name in dict.fromkeys(n.strip() for n in unit_names if n.strip()):
        unit = session.exec(select(Unit).where(Unit.name == name)).first()
        if unit is None:
            raise NotFound(f"找不到单位“{name}”", detail=f"unit {name!r} not found")
        units.append(unit)
    session.execute(delete(LeaderUnit).where(LeaderUnit.user_id == user.id))
    session.add_all(LeaderUnit(user_id=user.id, unit_id=u.id) for u in units)
    session.flush()
    return [u.name for u in units]
