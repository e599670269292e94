"""Benchmark databases: PostgreSQL databases named by their parameters, SQLite files under var/bench/."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.proc import VAR
from engine.db import make_engine

SOCKET_DIR = Path("/var/run/postgresql")  # Debian's PostgreSQL socket directory


def _admin_url() -> str:
    """REFORM_BENCH_PG_ADMIN, else REFORM_TEST_PG_ADMIN, else the local server as a same-host deployment should
    reach it: over its Unix socket when there is one (a round trip costs the client half the CPU of one over
    loopback TCP), else 127.0.0.1:5432. The report's header names which."""
    given = os.environ.get("REFORM_BENCH_PG_ADMIN") or os.environ.get("REFORM_TEST_PG_ADMIN")
    if given:
        return given
    if (SOCKET_DIR / ".s.PGSQL.5432").exists():
        return f"postgresql+psycopg://postgres@/test?host={SOCKET_DIR}"
    return "postgresql+psycopg://postgres@127.0.0.1:5432/test"


PG_ADMIN = _admin_url()
BACKENDS = ("pg", "sqlite")


def pg_url(name: str) -> str:
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def pg_where() -> str:
    """Where the benchmark reaches PostgreSQL: the Unix socket's directory, or host:port."""
    url = make_url(PG_ADMIN)
    return f"Unix socket {url.query['host']}" if "host" in url.query else f"TCP {url.host}:{url.port or 5432}"


def _admin_do(sql: str, params: dict | None = None) -> list:
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            result = conn.execute(text(sql), params or {})
            return result.fetchall() if result.returns_rows else []
    finally:
        admin.dispose()


def pg_exists(name: str) -> bool:
    return bool(_admin_do("SELECT 1 FROM pg_database WHERE datname = :n", {"n": name}))


def pg_create(name: str, template: str | None = None) -> None:
    # FILE_COPY copies the template's files instead of WAL-logging every block: much faster for 10^6 rows
    clause = f' TEMPLATE "{template}" STRATEGY = FILE_COPY' if template else ""
    _admin_do(f'CREATE DATABASE "{name}"{clause}')


def pg_drop(name: str) -> None:
    _admin_do(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_rename(old: str, new: str) -> None:
    _admin_do(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def pg_size(name: str) -> int:
    return int(_admin_do("SELECT pg_database_size(:n)", {"n": name})[0][0])


def check_pg() -> str | None:
    """None when the PostgreSQL server answers, else why not (one line)."""
    try:
        _admin_do("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return str(exc).splitlines()[0]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so a copy of the file alone is the whole database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


@contextmanager
def _scratch(backend: str, label: str, cached: str | None = None) -> Iterator[str]:
    """A database of its own, removed afterwards: empty, or a copy of `cached` (its PG name or SQLite path)."""
    if backend == "pg":
        name = f"reform_bench_{label}_{uuid.uuid4().hex[:8]}"
        pg_create(name, template=cached)
        try:
            yield pg_url(name)
        finally:
            pg_drop(name)
        return
    folder = VAR / "tmp" / f"{label}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        if cached:
            shutil.copyfile(cached, folder / "reform.db")
        yield sqlite_url(folder / "reform.db")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh(backend: str, label: str):
    """An empty database (not migrated), removed afterwards."""
    return _scratch(backend, label)


def clone(backend: str, cached: str):
    """A throw-away copy of a cached database (its PG name or SQLite path): scenarios may write to it."""
    return _scratch(backend, "run", cached)
