"""Tables of accounts: users, their API tokens, their signed-in browser sessions, and failed sign-ins by address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from engine.db import AwareDateTime


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=255)
    role: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    failed_logins: int = 0
    reach: str | None = Field(default=None, max_length=16)  # email | robot | both; None: the unit's setting
    locked_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    must_change_password: bool = False  # after an admin's reset: every page leads to /password until changed


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class LeaderUnit(SQLModel, table=True):
    """Which units a district leader (区领导) oversees (分管): they are copied on its 通报 and see it first."""

    __tablename__ = "leader_unit"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the row its hash; deleting the row ends it everywhere."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))
    address: str = Field(default="", max_length=64)


class LoginFailure(SQLModel, table=True):
    """A failed sign-in from a client address, kept for the throttle's window (web.throttle): in the database, so
    that every server process (`reform serve --workers N`) and a restarted one count the same failures."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_address_at", "address", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
