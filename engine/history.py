"""Append-only, hash-chained history of every action on every subject."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint, bindparam, func, insert, text
from sqlmodel import Field, Session, SQLModel, select

from engine.db import AwareDateTime, is_postgres, utc

GENESIS = "0" * 64
_CHAIN_LOCK = 0x5EF0_0001  # pg advisory lock key serialising appends to the chain


class HistoryRecord(SQLModel, table=True):
    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("seq", name="uq_history_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(index=True)
    workflow: str = Field(max_length=64)
    subject_id: int = Field(index=True)
    action: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=64)
    to_state: str = Field(max_length=64)
    version: int
    actor_id: int | None = None
    actor_name: str = Field(max_length=128)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.data or "{}")


def digest(rec: HistoryRecord) -> str:
    body = {
        "seq": rec.seq, "workflow": rec.workflow, "subject_id": rec.subject_id, "action": rec.action,
        "from": rec.from_state, "to": rec.to_state, "version": rec.version, "actor_id": rec.actor_id,
        "actor": rec.actor_name, "at": utc(rec.at).isoformat(), "comment": rec.comment,
        "data": json.loads(rec.data or "{}"), "prev": rec.prev_hash,
    }
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def append(session: Session, *, workflow: str, subject_id: int, action: str, from_state: str | None,
           to_state: str, version: int | None, actor_id: int | None, actor_name: str, at: datetime,
           comment: str = "", data: Mapping[str, Any] | None = None) -> HistoryRecord:
    """Add one record at the chain's tail, inside the caller's transaction.

    `version` None numbers the record after the subject's last one: for what is recorded without being a
    versioned row (an account, a unit, a sign-in), so the chain's per-subject order holds for it too.
    """
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    tail = session.execute(_TAIL).first()
    if version is None:
        version = (session.execute(_LAST_VERSION, {"w": workflow, "s": subject_id}).scalar() or 0) + 1
    rec = HistoryRecord(
        seq=(tail[0] + 1) if tail else 1, workflow=workflow, subject_id=subject_id, action=action,
        from_state=from_state, to_state=to_state, version=version, actor_id=actor_id,
        actor_name=actor_name, at=utc(at), comment=comment or "",
        data=json.dumps(dict(data or {}), ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=tail[1] if tail else GENESIS, hash="",
    )
    rec.hash = digest(rec)
    # a Core insert: the record is written once and never updated, so the unit of work adds nothing
    rec.id = session.execute(_INSERT, rec.model_dump(exclude={"id"})).inserted_primary_key[0]
    return rec


_TAIL = select(HistoryRecord.seq, HistoryRecord.hash).order_by(HistoryRecord.seq.desc()).limit(1)
_INSERT = insert(HistoryRecord.__table__)
_LAST_VERSION = (select(func.max(HistoryRecord.version))
                 .where(HistoryRecord.workflow == bindparam("w"), HistoryRecord.subject_id == bindparam("s")))


def last_actor(session: Session, workflow: str, subject_id: int, action: str) -> int | None:
    """Who did `action` last on the subject: what the four-eyes rule looks at."""
    stmt = (select(HistoryRecord.actor_id).where(HistoryRecord.workflow == workflow,
                                                 HistoryRecord.subject_id == subject_id,
                                                 HistoryRecord.action == action)
            .order_by(HistoryRecord.seq.desc()).limit(1))
    return session.execute(stmt).scalar()


def for_subject(session: Session, workflow: str, subject_id: int) -> list[HistoryRecord]:
    stmt = (select(HistoryRecord).where(HistoryRecord.workflow == workflow,
                                        HistoryRecord.subject_id == subject_id)
            .order_by(HistoryRecord.seq))
    return list(session.exec(stmt))


def last_actors(records: list[HistoryRecord]) -> dict[str, int]:
    """Action name -> id of who did it last: what the four-eyes rule looks at."""
    out: dict[str, int] = {}
    for rec in records:
        if rec.actor_id is not None:
            out[rec.action] = rec.actor_id
    return out


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""


def verify(session: Session, versions: Mapping[tuple[str, int], int] | None = None) -> ChainReport:
    """Walk the chain; name the first record that was changed, removed or reordered.

    `versions` maps (workflow, subject id) to the subject's current version: a subject with fewer
    records than its version lost its newest ones.
    """
    prev, expected_seq, checked = GENESIS, 1, 0
    seen: dict[tuple[str, int], int] = {}
    for rec in session.exec(select(HistoryRecord).order_by(HistoryRecord.seq)):
        if rec.seq != expected_seq:
            return ChainReport(False, checked, rec.id, f"record {rec.id}: sequence {rec.seq} follows "
                                                       f"{expected_seq - 1}: a record before it is missing")
        if rec.prev_hash != prev:
            return ChainReport(False, checked, rec.id, f"record {rec.id}: link to the previous record is broken")
        if digest(rec) != rec.hash:
            return ChainReport(False, checked, rec.id, f"record {rec.id}: content does not match its hash")
        key = (rec.workflow, rec.subject_id)
        if rec.version != seen.get(key, 0) + 1:
            return ChainReport(False, checked, rec.id, f"record {rec.id}: version {rec.version} of "
                                                       f"{rec.workflow} {rec.subject_id} is out of order")
        seen[key] = rec.version
        prev, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
    for key, version in (versions or {}).items():
        if seen.get(key, 0) != version:
            return ChainReport(False, checked, None, f"{key[0]} {key[1]}: version {version} but history "
                                                     f"ends at {seen.get(key, 0)}: newest records deleted")
    return ChainReport(True, checked)
