"""What people do outside the workflow tables (accounts, units, imports, bursts of failed sign-ins), in the history.

These records join the same hash chain as every action, so `reform audit verify` covers them. They are not
versioned rows: each is numbered after the last record of its subject (a user, a unit, an address).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from engine import history
from engine.history import HistoryRecord

USER, UNIT, SIGNIN, LEDGER = "user", "unit", "signin", "ledger"  # workflow names of the records
NO_SUBJECT = 0  # an address that was throttled, an import: nothing with an id of its own
NAME_MAX = 128  # the history's actor_name column


def record(session: Session, workflow: str, subject_id: int, action: str, *, by: str, by_id: int | None,
           at: datetime, address: str = "", data: Mapping[str, Any] | None = None, comment: str = "") -> None:
    """One record at the chain's tail, inside the caller's transaction: who (by), when (at), what, from where."""
    history.append(session, workflow=workflow, subject_id=subject_id, action=action, from_state=None, to_state="",
                   version=None, actor_id=by_id, actor_name=by[:NAME_MAX], at=at, comment=comment,
                   data={**(data or {}), "address": address})


def records(session: Session, workflow: str, subject_id: int | None = None) -> list[HistoryRecord]:
    """The records of one kind (of one subject), oldest first."""
    stmt = select(HistoryRecord).where(HistoryRecord.workflow == workflow)
    if subject_id is not None:
        stmt = stmt.where(HistoryRecord.subject_id == subject_id)
    return list(session.exec(stmt.order_by(HistoryRecord.seq)))
