"""Append-only, hash-chained history of every action on every subject."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint, bindparam, func, insert, text
from sqlmodel import Field, Session, SQLModel, select

from engine.db import AwareDateTime, bulk_insert, is_postgres, utc

GENESIS = "0" * 64
# Appends take this advisory lock SHARED (they run in parallel); a checkpoint takes it EXCLUSIVE, so when it holds
# the lock every record numbered so far is either committed or rolled back for good.
_CHAIN_LOCK = 0x5EF0_0001
_ID_SEQUENCE = "history_id_seq"  # PostgreSQL: the id column's sequence numbers the records (seq = id)


class HistoryRecord(SQLModel, table=True):
    """One action on one subject. Each subject's records form their own hash chain (`prev_hash` is the hash of
    the subject's previous record), so actions on different subjects never wait for each other; periodic
    checkpoints (HistoryCheckpoint) bind every record into one global, append-only log. Records before the
    first `legacy` checkpoint (databases older than 0007) form one global chain and are checked as such."""

    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("seq", name="uq_history_seq"),
                      Index("ix_history_subject_seq", "workflow", "subject_id", "seq"))

    id: int | None = Field(default=None, primary_key=True)
    seq: int  # indexed by uq_history_seq
    workflow: str = Field(max_length=64)
    subject_id: int
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


class HistoryCheckpoint(SQLModel, table=True):
    """A signed-off stretch of the global log: the Merkle root (RFC 6962, as in Certificate Transparency) of
    the hashes of every record numbered after the previous checkpoint up to `upto_seq`, in `seq` order, the
    numbers in that stretch that no record holds (rolled-back transactions), and a hash chaining checkpoints.
    `kind` "legacy": the global chain written before 0007; its `root` is that chain's last hash."""

    __tablename__ = "history_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    first_seq: int
    upto_seq: int = Field(unique=True)
    count: int
    root: str = Field(max_length=64)
    gaps: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


def digest(rec: HistoryRecord | SimpleNamespace) -> str:
    body = {
        "seq": rec.seq, "workflow": rec.workflow, "subject_id": rec.subject_id, "action": rec.action,
        "from": rec.from_state, "to": rec.to_state, "version": rec.version, "actor_id": rec.actor_id,
        "actor": rec.actor_name, "at": utc(rec.at).isoformat(), "comment": rec.comment,
        "data": json.loads(rec.data or "{}"), "prev": rec.prev_hash,
    }
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def checkpoint_digest(cp: HistoryCheckpoint) -> str:
    body = {"kind": cp.kind, "first": cp.first_seq, "upto": cp.upto_seq, "count": cp.count, "root": cp.root,
            "gaps": json.loads(cp.gaps or "[]"), "at": utc(cp.at).isoformat(), "prev": cp.prev_hash}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def merkle_root(hashes: list[str]) -> str:
    """RFC 6962 Merkle tree hash over the records' hex hashes (leaf 0x00, node 0x01); the empty tree: sha256("")."""
    if not hashes:
        return hashlib.sha256(b"").hexdigest()
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    # RFC 6962 splits at the largest power of two below n; pairing left to right and promoting an odd last
    # node gives the same tree.
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


@dataclass(frozen=True)
class Entry:
    """One record to append, before it is numbered and chained."""

    workflow: str
    subject_id: int
    action: str
    from_state: str | None
    to_state: str
    version: int | None
    actor_id: int | None
    actor_name: str
    at: datetime
    comment: str = ""
    data: Mapping[str, Any] | None = None


def claim_returning(pg: bool, workflow: str, subject_id) -> list:
    """What an UPDATE that claims a subject's row can RETURN so the append needs no query of its own: the next
    record's number (on PostgreSQL after the shared chain lock, in the WHERE clause) and the subject's tail. The
    subqueries read the UPDATE's snapshot; when the claim succeeds no other append to this subject can have
    committed since, because every append to a versioned subject claims its version first."""
    h = HistoryRecord.__table__.alias("h")
    of_subject = (h.c.workflow == workflow) & (h.c.subject_id == subject_id)  # a bind: SQLite drops qualifiers
    tail = select(h.c.hash).where(of_subject).order_by(h.c.seq.desc()).limit(1).scalar_subquery()
    last = select(h.c.version).where(of_subject).order_by(h.c.seq.desc()).limit(1).scalar_subquery()
    number = func.nextval(_ID_SEQUENCE) if pg else (
        select(func.coalesce(func.max(h.c.seq), 0) + 1).scalar_subquery())
    return [number, tail, last]


def chain_lock_shared():
    """A WHERE term that takes the chain lock shared (PostgreSQL): true once the lock is held."""
    return func.pg_advisory_xact_lock_shared(_CHAIN_LOCK).is_not(None)


def append(session: Session, *, workflow: str, subject_id: int, action: str, from_state: str | None,
           to_state: str, version: int | None, actor_id: int | None, actor_name: str, at: datetime,
           comment: str = "", data: Mapping[str, Any] | None = None, locked: bool = False,
           numbered: tuple[int, str | None, int | None] | None = None) -> SimpleNamespace:
    """Add one record at the subject's tail, inside the caller's transaction.

    `locked`: the caller holds the subject's row lock (the version claim of WorkflowService.fire, or a row it
    has just created), which serialises appends to this subject; otherwise, on PostgreSQL, a per-subject advisory
    lock does. `version` None numbers the record after the subject's last one: for what is recorded without being
    a versioned row (an account, a unit, a sign-in), so the chain's per-subject order holds for it too.
    `numbered`: (number, tail hash, tail version) as the caller's claim returned them (claim_returning).
    """
    pg = is_postgres(session)
    if numbered is not None:
        seq, prev, last_version = numbered
    else:
        if pg and not locked:
            session.execute(_SUBJECT_LOCK, {"w": workflow, "s": subject_id})
        seq, prev, last_version = session.execute(_NEXT_PG if pg else _NEXT_SQLITE,
                                                  {"k": _CHAIN_LOCK, "w": workflow, "s": subject_id}).one()
    rec = _record(Entry(workflow, subject_id, action, from_state, to_state, version, actor_id, actor_name, at,
                      comment, data), seq, prev or GENESIS, last_version or 0)
    # a Core insert on the session's connection: the record is written once and never updated, so neither the unit
    # of work nor an autoflush of what the caller has pending adds anything to it
    values = vars(rec) if pg else {k: v for k, v in vars(rec).items() if k != "id"}
    rec.id = session.connection().execute(_INSERT, values).inserted_primary_key[0]
    return rec


def append_many(session: Session, entries: list[Entry]) -> list[dict[str, Any]]:
    """Append a batch in one INSERT, chained in Python: for subjects nobody else writes to concurrently (an
    import's new rows) or whose rows the caller has locked. Returns the rows written (column -> value)."""
    if not entries:
        return []
    pg = is_postgres(session)
    keys = {(e.workflow, e.subject_id) for e in entries}
    tails: dict[tuple[str, int], tuple[str, int]] = {}
    for workflow in {w for w, _ in keys}:
        ids = sorted(s for w, s in keys if w == workflow)
        # PostgreSQL: the ids as one array parameter; SQLite: 1000 bound values a query
        chunks = [ids] if pg else [ids[lo:lo + 1000] for lo in range(0, len(ids), 1000)]
        for chunk in chunks:
            for sid, hash_, version in session.execute(_TAILS_PG if pg else _TAILS, {"w": workflow, "ids": chunk}):
                tails[(workflow, sid)] = (hash_, version)
    if pg:
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": _CHAIN_LOCK})
        seqs = list(session.execute(_NEXT_SEQS, {"n": len(entries)}).scalar())
    else:
        first = session.execute(text("SELECT COALESCE(MAX(seq), 0) + 1 FROM history")).scalar()
        seqs = list(range(first, first + len(entries)))
    rows = []
    for e, seq in zip(entries, seqs, strict=True):
        key = (e.workflow, e.subject_id)
        prev, last_version = tails.get(key, (GENESIS, 0))
        # plain values, not HistoryRecord objects: building 10⁴ models costs more than the INSERT
        rec = SimpleNamespace(
            seq=seq, workflow=e.workflow, subject_id=e.subject_id, action=e.action, from_state=e.from_state,
            to_state=e.to_state, version=last_version + 1 if e.version is None else e.version, actor_id=e.actor_id,
            actor_name=e.actor_name, at=utc(e.at), comment=e.comment or "",
            data=json.dumps(dict(e.data or {}), ensure_ascii=False, sort_keys=True, default=str),
            prev_hash=prev, hash="")
        rec.hash = digest(rec)
        tails[key] = (rec.hash, rec.version)
        rows.append(vars(rec) | ({"id": seq} if pg else {}))
    bulk_insert(session, HistoryRecord.__table__, rows)
    return rows


def _record(e: Entry, seq: int, prev: str, last_version: int) -> SimpleNamespace:
    # plain values, not a HistoryRecord: the record is only inserted, and building the model cost a tenth of an action
    rec = SimpleNamespace(
        id=seq, seq=seq, workflow=e.workflow, subject_id=e.subject_id, action=e.action, from_state=e.from_state,
        to_state=e.to_state, version=last_version + 1 if e.version is None else e.version, actor_id=e.actor_id,
        actor_name=e.actor_name, at=utc(e.at), comment=e.comment or "",
        data=json.dumps(dict(e.data or {}), ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev, hash="",
    )
    rec.hash = digest(rec)
    return rec


_INSERT = insert(HistoryRecord.__table__)
# the subject's tail (hash, version) and the record's number in one round trip; on PostgreSQL the shared chain lock
# is taken before the number is drawn (see _CHAIN_LOCK)
_TAIL_COLS = ("(SELECT h.hash FROM history h WHERE h.workflow = :w AND h.subject_id = :s ORDER BY h.seq DESC LIMIT 1),"
              " (SELECT h.version FROM history h WHERE h.workflow = :w AND h.subject_id = :s"
              " ORDER BY h.seq DESC LIMIT 1)")
_NEXT_PG = text(f"SELECT nextval('{_ID_SEQUENCE}'), {_TAIL_COLS} FROM (SELECT pg_advisory_xact_lock_shared(:k)) l")
_NEXT_SQLITE = text(f"SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM history), {_TAIL_COLS}")
_NEXT_SEQS = text(f"SELECT array_agg(v ORDER BY v) FROM (SELECT nextval('{_ID_SEQUENCE}') AS v "
                  "FROM generate_series(1, :n)) seqs")  # one array, in order: the chain follows the numbers
_SUBJECT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:w), :s)")
_TAIL_OF = ("AND h.seq = (SELECT MAX(t.seq) FROM history t WHERE t.workflow = h.workflow "
            "AND t.subject_id = h.subject_id)")
_TAILS = text("SELECT h.subject_id, h.hash, h.version FROM history h WHERE h.workflow = :w AND h.subject_id IN :ids "
              + _TAIL_OF).bindparams(bindparam("ids", expanding=True))
_TAILS_PG = text("SELECT h.subject_id, h.hash, h.version FROM history h WHERE h.workflow = :w "
                 "AND h.subject_id = ANY(CAST(:ids AS integer[])) " + _TAIL_OF)


def last_actor(session: Session, workflow: str, subject_id: int, action: str) -> int | None:
    """Who did `action` last on the subject: what the four-eyes rule looks at."""
    stmt = (select(HistoryRecord.actor_id).where(HistoryRecord.workflow == workflow,
                                                 HistoryRecord.subject_id == subject_id,
                                                 HistoryRecord.action == action)
            .order_by(HistoryRecord.seq.desc()).limit(1))
    return session.execute(stmt).scalar()


# built once: every detail reads it, and building the statement cost more than running it
_OF_SUBJECT = (HistoryRecord.workflow == bindparam("workflow"), HistoryRecord.subject_id == bindparam("subject_id"))
_FOR_SUBJECT = select(HistoryRecord).where(*_OF_SUBJECT).order_by(HistoryRecord.seq)


def for_subject(session: Session, workflow: str, subject_id: int) -> list[HistoryRecord]:
    return list(session.execute(_FOR_SUBJECT, {"workflow": workflow, "subject_id": subject_id}).scalars())


class RecordRead:
    """A history record as a page shows it: its columns as attributes, read-only, not in the session."""

    __slots__ = ("_row",)

    def __init__(self, row) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self._row.data or "{}")


_READ_SUBJECT = HistoryRecord.__table__.select().where(*_OF_SUBJECT).order_by(HistoryRecord.seq)  # no entities


def read_for_subject(session: Session, workflow: str, subject_id: int) -> list[RecordRead]:
    """for_subject's records to show and to decide on (a detail's), read past the ORM: a record is never changed,
    and loading them as entities cost a detail a third more than the statement did."""
    found = session.connection().execute(_READ_SUBJECT, {"workflow": workflow, "subject_id": subject_id})
    return [RecordRead(row) for row in found]


def last_actors(records: list[HistoryRecord]) -> dict[str, int]:
    """Action name -> id of who did it last: what the four-eyes rule looks at."""
    out: dict[str, int] = {}
    for rec in records:
        if rec.actor_id is not None:
            out[rec.action] = rec.actor_id
    return out


def checkpoint(session: Session, at: datetime) -> HistoryCheckpoint | None:
    """Seal every record numbered since the last checkpoint under one Merkle root; None when there is none.

    On PostgreSQL the exclusive chain lock waits for the appends in flight, so no number below the new tail can
    still turn into a record; on SQLite the write transaction (BEGIN IMMEDIATE) already excludes them."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    last = session.execute(select(HistoryCheckpoint).order_by(HistoryCheckpoint.upto_seq.desc()).limit(1)
                           ).scalars().first()
    after = last.upto_seq if last else 0
    rows = session.execute(select(HistoryRecord.seq, HistoryRecord.hash).where(HistoryRecord.seq > after)
                           .order_by(HistoryRecord.seq)).all()
    if not rows:
        return None
    seqs = [r[0] for r in rows]
    cp = HistoryCheckpoint(kind="merkle", first_seq=after + 1, upto_seq=seqs[-1], count=len(rows),
                           root=merkle_root([r[1] for r in rows]), gaps=json.dumps(_gaps(after + 1, seqs)),
                           at=utc(at), prev_hash=last.hash if last else GENESIS, hash="")
    cp.hash = checkpoint_digest(cp)
    session.add(cp)
    session.flush()
    return cp


def _gaps(first: int, seqs: list[int]) -> list[list[int]]:
    """The numbers from `first` to seqs[-1] that no record holds, as [from, to] ranges."""
    out, expected = [], first
    for seq in seqs:
        if seq > expected:
            out.append([expected, seq - 1])
        expected = seq + 1
    return out


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""
    checkpoints: int = 0


class _Broken(Exception):
    def __init__(self, bad_id: int | None, reason: str) -> None:
        super().__init__(reason)
        self.bad_id, self.reason = bad_id, reason


WALK_BATCH = 2000


def _in_order(session: Session) -> Iterator[HistoryRecord]:
    """Every record by `seq`, a batch at a time by keyset (no server-side cursor: a read session on PostgreSQL
    runs each statement on its own, outside a transaction); the session holds a walked batch weakly."""
    after = None
    while True:
        stmt = select(HistoryRecord).order_by(HistoryRecord.seq).limit(WALK_BATCH)
        batch = list(session.execute(stmt if after is None else stmt.where(HistoryRecord.seq > after)).scalars())
        yield from batch
        if len(batch) < WALK_BATCH:
            return
        after = batch[-1].seq


def verify(session: Session, versions: Mapping[tuple[str, int], int] | None = None) -> ChainReport:
    """Walk the log in `seq` order; name the first record that was changed, removed or reordered.

    Checks each record's hash, its link to its subject's previous record (before the legacy checkpoint: to the
    previous record of the one global chain), that no number is missing except where a checkpoint says no record
    took it, and each checkpoint's Merkle root, count and link. `versions` maps (workflow, subject id) to the
    subject's current version: a subject with fewer records than its version lost its newest ones.
    """
    state = _Walk(list(session.execute(select(HistoryCheckpoint).order_by(HistoryCheckpoint.upto_seq)).scalars()))
    try:
        state.check_checkpoints()
        for rec in _in_order(session):
            state.record(rec)
        state.finish()
    except _Broken as broken:
        return ChainReport(False, state.checked, broken.bad_id, broken.reason, len(state.checkpoints))
    for key, version in (versions or {}).items():
        if state.versions.get(key, 0) != version:
            return ChainReport(False, state.checked, None, f"{key[0]} {key[1]}: version {version} but history "
                                                           f"ends at {state.versions.get(key, 0)}: newest records "
                                                           f"deleted", len(state.checkpoints))
    return ChainReport(True, state.checked, checkpoints=len(state.checkpoints))


class _Walk:
    """What verify() carries from record to record."""

    def __init__(self, checkpoints: list[HistoryCheckpoint]) -> None:
        self.checkpoints = checkpoints
        legacy = [cp for cp in checkpoints if cp.kind == "legacy"]
        self.legacy_upto = legacy[0].upto_seq if legacy else 0
        self.checked, self.last_seq, self.global_prev = 0, 0, GENESIS
        self.tails: dict[tuple[str, int], str] = {}
        self.versions: dict[tuple[str, int], int] = {}
        self.cp_index, self.leaves = 0, []
        self.allowed_gaps = {(a, b) for cp in checkpoints for a, b in json.loads(cp.gaps or "[]")}

    def check_checkpoints(self) -> None:
        prev, expected_first = GENESIS, 1
        for cp in self.checkpoints:
            if checkpoint_digest(cp) != cp.hash:
                raise _Broken(None, f"checkpoint {cp.id}: content does not match its hash")
            if cp.prev_hash != prev or cp.first_seq != expected_first:
                raise _Broken(None, f"checkpoint {cp.id}: link to the previous checkpoint is broken "
                                    f"(a checkpoint before it was changed or removed)")
            if cp.kind == "legacy" and cp is not self.checkpoints[0]:
                raise _Broken(None, f"checkpoint {cp.id}: a legacy checkpoint after the first")
            prev, expected_first = cp.hash, cp.upto_seq + 1

    def record(self, rec: HistoryRecord) -> None:
        expected = self.last_seq + 1
        if rec.seq != expected and (expected, rec.seq - 1) not in self.allowed_gaps:
            raise _Broken(rec.id, f"record {rec.id}: sequence {rec.seq} follows {self.last_seq}: "
                                  f"a record before it is missing")
        self._close_checkpoints(rec.seq)
        key = (rec.workflow, rec.subject_id)
        legacy = rec.seq <= self.legacy_upto
        prev = self.global_prev if legacy else self.tails.get(key, GENESIS)
        if rec.prev_hash != prev:
            raise _Broken(rec.id, f"record {rec.id}: link to the previous record is broken")
        if digest(rec) != rec.hash:
            raise _Broken(rec.id, f"record {rec.id}: content does not match its hash")
        if rec.version != self.versions.get(key, 0) + 1:
            raise _Broken(rec.id, f"record {rec.id}: version {rec.version} of {rec.workflow} {rec.subject_id} "
                                  f"is out of order")
        self.versions[key], self.tails[key] = rec.version, rec.hash
        if legacy:
            self.global_prev = rec.hash
        self.leaves.append(rec.hash)
        self.last_seq, self.checked = rec.seq, self.checked + 1

    def _close_checkpoints(self, upto: int | None) -> None:
        """Check every checkpoint that ends before `upto` (None: all of them) against the records seen."""
        while self.cp_index < len(self.checkpoints) and (upto is None or self.checkpoints[self.cp_index].upto_seq
                                                         < upto):
            cp = self.checkpoints[self.cp_index]
            root = self.global_prev if cp.kind == "legacy" else merkle_root(self.leaves)
            ends = self.last_seq == cp.upto_seq or (self.last_seq + 1, cp.upto_seq) in self.allowed_gaps
            if not ends or len(self.leaves) != cp.count or root != cp.root:
                raise _Broken(None, f"checkpoint {cp.id} (records {cp.first_seq}–{cp.upto_seq}): "
                                    f"{cp.count} records sealed, {len(self.leaves)} found"
                                    + ("" if len(self.leaves) != cp.count else ", their hashes differ")
                                    + ": records in it were removed or rewritten")
            self.leaves, self.cp_index = [], self.cp_index + 1

    def finish(self) -> None:
        self._close_checkpoints(None)
