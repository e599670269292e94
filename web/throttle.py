"""Failed sign-ins counted per client address, in the database: a guessing client is slowed down whichever
accounts it tries and whichever server process answers it (the per-account lockout lives in workflows.accounts).
Only failures write a row, and only the window's rows are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from engine.db import is_postgres, read_session, utc
from workflows import audit_log
from workflows.accounts_models import LoginFailure

ADDRESS_LENGTH = 64


class AddressThrottle:
    def __init__(self, engine: Engine, max_failures: int = 20, window: timedelta = timedelta(minutes=10)) -> None:
        self.engine, self.max_failures, self.window = engine, max_failures, window

    def blocked(self, address: str, now: datetime) -> bool:
        with read_session(self.engine) as session:
            return self._recent(session, address, now) >= self.max_failures

    def failed(self, session: Session, address: str, now: datetime) -> bool:
        """Count one failure in the caller's transaction; True when it is the one that makes the address wait.
        Rows older than the window (any address's) go too, so the table holds one window of failures."""
        old = select(LoginFailure.id).where(LoginFailure.at <= utc(now - self.window))
        if is_postgres(session):  # rows another failure is deleting are its to delete: no wait, no deadlock
            old = old.with_for_update(skip_locked=True)
        session.execute(delete(LoginFailure).where(LoginFailure.id.in_(old)))
        session.execute(insert(LoginFailure).values(address=address[:ADDRESS_LENGTH], at=utc(now)))
        return self._recent(session, address, now) == self.max_failures

    def _recent(self, session, address: str, now: datetime) -> int:
        return session.execute(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.address == address[:ADDRESS_LENGTH], LoginFailure.at > utc(now - self.window))).scalar_one()


def client_address(request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request) -> AddressThrottle:
    """The sign-in throttle, kept in the app's state (its counts are in the database)."""
    return request.app.state.login_throttle


def note_failure(request, username: str) -> None:
    """A failed sign-in from this address; the one that makes it wait goes into the audit history, in the same
    transaction as its count."""
    rt, address = request.app.state.runtime, client_address(request)
    throttle, now = throttle_of(request), rt.clock.now()
    with rt.write() as session:
        if throttle.failed(session, address, now):
            audit_log.record(session, audit_log.SIGNIN, audit_log.NO_SUBJECT, "address_throttled", by=username,
                             by_id=None, at=now, address=address,
                             data={"failures": throttle.max_failures,
                                   "window_minutes": int(throttle.window.total_seconds() // 60)})
