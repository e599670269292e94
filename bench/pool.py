"""Measures waiting for `start` by their primary unit's clerk, handed out once each across the scenarios."""

from __future__ import annotations

import random
from typing import NamedTuple

from sqlalchemy import text

from engine.db import make_engine

_ASSIGNED = text("""
    SELECT m.id, m.version, u.id, u.username, mu.unit_id
    FROM measure m
    JOIN measure_unit mu ON mu.measure_id = m.id AND mu.position = 0
    JOIN "user" u ON u.unit_id = mu.unit_id AND u.role = 'unit_staff' AND u.active
    WHERE m.state = 'assigned'
    ORDER BY m.id
""")


class Work(NamedTuple):
    id: int
    version: int
    clerk_id: int
    clerk: str
    unit_id: int


class Pool:
    """Each scenario that writes takes its own measures, so no two fire on the same one."""

    def __init__(self, url: str, seed: int = 1) -> None:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                self.items = [Work(*row) for row in conn.execute(_ASSIGNED)]
        finally:
            engine.dispose()
        random.Random(seed).shuffle(self.items)
        self.taken = 0

    @property
    def left(self) -> int:
        return len(self.items) - self.taken

    def take(self, count: int) -> list[Work]:
        out = self.items[self.taken:self.taken + count]
        self.taken += len(out)
        return out
