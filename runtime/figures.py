"""Figures that scan the whole ledger (总览, 驾驶舱), computed once per data version and kept for the next reader.

The key is everything the figures follow from: the data version (engine.db.data_version, moved after every
change), the cut-off dates of the lights (the day and the calendar) and who asks (the access scope). A change
has moved the version before its request answers, so a figure is never served stale after a write; on SQLite
(no version) every request computes its figures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlmodel import Session

from engine.db import data_version

T = TypeVar("T")
KEPT = 64  # entries per process: a few figures for each of the people looking at them now


class FigureCache:
    def __init__(self, size: int = KEPT) -> None:
        self._size, self._lock = size, threading.Lock()
        self._rows: OrderedDict[tuple, object] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}  # one gate per key being computed now

    def get(self, session: Session, key: tuple[Hashable, ...], compute: Callable[[], T], *,
            version: object = ...) -> T:
        """The figure under `key` at the session's data version (or `version`, read once for figures that must
        agree); `compute()` (queries on the same session, run after the version was read) when it is not kept.
        One reader computes a missing key while the others asking for it wait for its value (16 readers after a
        change run one scan, not 16)."""
        if version is ...:
            version = data_version(session)
        if version is None:
            return compute()
        full = (version, *key)
        with self._lock:
            if full in self._rows:
                self._rows.move_to_end(full)
                return self._rows[full]  # type: ignore[return-value]
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._lock:
                if full in self._rows:  # computed by the reader this one waited for
                    self._rows.move_to_end(full)
                    return self._rows[full]  # type: ignore[return-value]
            try:
                value = compute()
                with self._lock:
                    self._rows[full] = value
                    while len(self._rows) > self._size:
                        self._rows.popitem(last=False)
            finally:
                with self._lock:
                    if self._computing.get(full) is gate:
                        del self._computing[full]
        return value
