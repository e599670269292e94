"""Failed sign-ins counted per client address, in this process: a guessing client is slowed down
whichever accounts it tries (the per-account lockout lives in workflows.accounts)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from workflows import audit_log


class AddressThrottle:
    def __init__(self, max_failures: int = 20, window: timedelta = timedelta(minutes=10)) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str, now: datetime) -> bool:
        with self._lock:
            recent = self._recent(address, now)
            return len(recent) >= self.max_failures

    def failed(self, address: str, now: datetime) -> bool:
        """Count one failure; True when it is the one that makes the address wait."""
        with self._lock:
            recent = self._recent(address, now)
            recent.append(now)
            return len(recent) == self.max_failures

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        recent = self._failures.setdefault(address, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        return recent


def client_address(request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request) -> AddressThrottle:
    """The process's sign-in throttle, kept in the app's state."""
    return request.app.state.login_throttle


def note_failure(request, username: str) -> None:
    """A failed sign-in from this address; the one that makes it wait goes into the audit history."""
    rt, address = request.app.state.runtime, client_address(request)
    throttle, now = throttle_of(request), rt.clock.now()
    if throttle.failed(address, now):
        with rt.write() as session:
            audit_log.record(session, audit_log.SIGNIN, audit_log.NO_SUBJECT, "address_throttled", by=username,
                             by_id=None, at=now, address=address,
                             data={"failures": throttle.max_failures,
                                   "window_minutes": int(throttle.window.total_seconds() // 60)})
