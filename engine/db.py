"""Database engines for SQLite and PostgreSQL, and write transactions that serialise on both."""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Table, event, literal_column, text
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

# The largest id (or counter) a row can hold: id columns are INTEGER, 32 bits on PostgreSQL, the narrower of both.
MAX_ID = 2**31 - 1
# A server runs sync handlers on anyio's worker threads (40 by default): one connection each at the peak, so no
# request waits for a connection; half are kept open when idle, so N processes stay far below max_connections.
POOL_SIZE, POOL_OVERFLOW = 20, 20


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _sqlite_pragmas(engine)
        return engine
    if "poolclass" not in kwargs:  # the runtime passes its own size (one per request thread, a few for jobs)
        kwargs = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **kwargs}
    # no pre-ping: a SELECT 1 on every checkout is a round trip per request; a connection the server closed
    # fails once and is replaced (pool_recycle bounds how long one lives)
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)
    _count_changes(engine)
    return engine


# --- the data version: a number that moves after every transaction that changed rows (PostgreSQL) ---
# A sequence, bumped when a connection that ran a change goes back to the pool, i.e. after its commit (or
# rollback) and before the request that made the change answers: a figure cached under the version read before
# its queries is never served after a change has returned. nextval takes no lock, so writers stay parallel.
DATA_VERSION = "reform_data_version"
_DATA_VERSION = text(f"SELECT pg_sequence_last_value(to_regclass('{DATA_VERSION}'))")  # built once: every page
# statements that change no row; anything else (INSERT, UPDATE, DELETE, DDL, COPY, ...) counts as a change
_READS = frozenset({"select", "show", "begin", "savepoint", "release", "rollback", "commit", "set", "explain",
                    "reset", "discard"})
# tables no cached figure reads: signing in (and failing to) and the periodic jobs' timestamps change no figure
QUIET_TABLES = ("web_session", "api_token", "login_failure", "job_run")


def _changes(statement: str) -> bool:
    head = statement.lstrip()[:80].lower()
    word = head.split(None, 1)[0] if head else ""
    if word in _READS:
        return False
    return not any(f" {table}" in head.split("(", 1)[0] for table in QUIET_TABLES)


def _count_changes(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _params, _context, _many) -> None:
        if "changed" not in conn.info and _changes(statement):
            conn.info["changed"] = True

    @event.listens_for(engine, "checkin")
    def _bump(dbapi_conn, record) -> None:
        if record.info.pop("changed", None) is None or dbapi_conn is None:
            return
        was = dbapi_conn.autocommit
        try:  # the connection is idle here (the pool has reset it): one autocommit round trip
            dbapi_conn.autocommit = True
            try:
                with dbapi_conn.cursor() as cur:
                    cur.execute(f"SELECT nextval('{DATA_VERSION}')")
            finally:
                dbapi_conn.autocommit = was
        except Exception:  # not migrated yet (no sequence): data_version reads None, nothing is cached
            pass


IN_CHUNK = 10_000  # ids bound in one statement: PostgreSQL takes at most 65,535 parameters


def in_chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` in slices of IN_CHUNK, for an IN that may be given more ids than one statement binds."""
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start:start + IN_CHUNK]


_NAME = re.compile(r"[A-Za-z0-9_\-]+")


def constants(values) -> list:
    """Our own names (states, statuses) as SQL literals for an IN: written into the statement when it is compiled,
    where a list of values becomes an "expanding" parameter that SQLAlchemy renders into the SQL again at every
    execution (a detail's row had one, for its milestone check). Only names of letters, digits, '_' and '-'."""
    out = []
    for value in values:
        if not _NAME.fullmatch(value):
            raise ValueError(f"not a name to write into SQL: {value!r}")
        out.append(literal_column(f"'{value}'"))
    return out


def data_version(session: Session):
    """The data version as the session's next statement sees it, or None (SQLite, or never bumped): read it
    before the queries of a figure cached under it."""
    if not is_postgres(session):
        return None
    return session.execute(_DATA_VERSION).scalar()


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # A write transaction takes the lock at BEGIN, so two racing writers serialise
        # instead of deadlocking on a lock upgrade.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upsert_insert(session_or_engine):
    """The dialect's INSERT with ON CONFLICT, imported when first needed: a SQLite process never loads the
    PostgreSQL dialect (a sixth of a command's start-up)."""
    if is_postgres(session_or_engine):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction locks for writing from its start; commits or rolls back."""
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reading(engine: Engine) -> Engine:
    """The engine a read session binds to. On PostgreSQL its connections run in autocommit: a reader sends no
    BEGIN and no ROLLBACK (two of a detail page's fourteen round trips, and two more for the sign-in check),
    and sees what READ COMMITTED would have shown each statement anyway. Same pool, same listeners: a write made
    through it still moves the data version."""
    if engine.dialect.name != "postgresql":
        return engine
    found = _AUTOCOMMIT.get(engine)
    if found is None:
        found = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


READ_MEMO = "read_memo"  # session.info key: what a read session's helpers already read, by their own keys


def read_memo(session: Session, key: str) -> dict | None:
    """The part `key` of the read session's memo (READ_MEMO), or None in a write session, where an import or an
    admin may change what a helper would keep between two of its reads."""
    memo = session.info.get(READ_MEMO)
    return None if memo is None else memo.setdefault(key, {})


@contextmanager
def reading_once(session: Session) -> Iterator[Session]:
    """Inside the block, a write session's helpers read what they keep once, as a read session's do: for a change
    that writes none of what they keep (an action writes no measure's units)."""
    if READ_MEMO in session.info:
        yield session
        return
    session.info[READ_MEMO] = {}
    try:
        yield session
    finally:
        session.info.pop(READ_MEMO, None)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading (a request's answer, a command's report); its `info[READ_MEMO]` lets helpers read
    a thing once per session (nothing written through it is expected to change what they keep)."""
    with Session(reading(engine), expire_on_commit=False, info={READ_MEMO: {}}) as session:
        yield session


def utc(value: datetime) -> datetime:
    """Aware UTC; a naive value read back from SQLite is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AwareDateTime(TypeDecorator):
    """A timestamp that is always aware UTC in Python, also on SQLite (which keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware instant")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        return None if value is None else utc(value)


# --- bulk writes: an import's 10⁴ new rows, a delivery's batch ------------------------------------------------
@contextmanager
def collector_paused():
    """No cyclic garbage collection while a bounded batch of rows is built and written: a full collection over a
    server's heap took longer than claiming 2,000 outbox rows (70 ms against 12 ms), and an import of 10⁴ rows
    set off some 550 collections (0.3-0.6 s) that found nothing to free. What the batch leaves is collected when
    the collector runs again afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# the sequence named once (an init plan), not once per id, and the ids as one array: 4x faster for 10⁴ ids
_NEXT_IDS = text("SELECT array_agg(v ORDER BY v) FROM (SELECT nextval((SELECT pg_get_serial_sequence(:t, 'id'))"
                 "::regclass) AS v FROM generate_series(1, :n)) ids")


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` ids for new rows of `table`, drawn before they are written. PostgreSQL: from the id sequence.
    SQLite: after the largest id, as SQLite itself numbers rows; safe because a write transaction holds the
    database's one write lock from its start (write_session), so no other writer can take the same numbers."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(_NEXT_IDS, {"t": table.name, "n": count}).scalar())
    first = session.execute(text(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"')).scalar()
    return list(range(first, first + count))


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write rows (column -> value, the same columns in every row) in the session's transaction, past the
    per-row work of an ORM or Core executemany: COPY on PostgreSQL, one driver-level executemany on SQLite.

    Values go through each column's bind processing (AwareDateTime's UTC, SQLite's dates and booleans) and a
    column the rows leave out takes its scalar Python default, as an INSERT through SQLAlchemy would (a computed
    default is refused: the rows must give that column)."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    given = [col for col in table.columns if col.key in rows[0]]
    procs = [(i, p) for i, col in enumerate(given) if (p := col.type.dialect_impl(dialect).bind_processor(dialect))]
    defaulted, defaults = [], []  # what the rows leave out: NULL or the server's default, unless a scalar default
    for col in table.columns:
        if col.key not in rows[0] and col.default is not None and not col.default.is_scalar:
            raise ValueError(f"bulk_insert: {table.name}.{col.key} has a computed default: give it in the rows")
        if col.key not in rows[0] and col.default is not None and col.default.arg is not None:
            proc = col.type.dialect_impl(dialect).bind_processor(dialect)
            defaulted.append(col)
            defaults.append(proc(col.default.arg) if proc else col.default.arg)
    pick, tail = itemgetter(*[col.key for col in given]), tuple(defaults)
    one = len(given) == 1

    def values(row: Mapping[str, Any]) -> tuple:
        picked = (pick(row),) if one else pick(row)
        if procs:
            picked = list(picked)
            for i, proc in procs:
                if picked[i] is not None:
                    picked[i] = proc(picked[i])
            picked = tuple(picked)
        return picked + tail

    names = ", ".join(f'"{col.name}"' for col in (*given, *defaulted))
    if dialect.name == "postgresql":
        conn.info["changed"] = True  # the data version moves (see _count_changes): COPY passes no cursor event
        with conn.connection.driver_connection.cursor() as cur, \
                cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(values(row))
        return
    marks = ", ".join("?" * (len(given) + len(defaulted)))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', [values(row) for row in rows])
