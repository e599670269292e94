"""Raw bulk inserts: COPY on PostgreSQL, executemany in one transaction on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from itertools import islice

from sqlalchemy.engine import make_url

from engine.db import make_engine

BATCH = 20_000


def _sqlite_value(value):
    """Values as SQLAlchemy stores them on SQLite: UTC 'YYYY-MM-DD HH:MM:SS.ffffff', ISO dates, 0/1."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class BulkWriter:
    """One connection, one transaction: `insert()` as often as needed, then `commit()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.backend = "sqlite" if make_url(url).get_backend_name() == "sqlite" else "pg"
        if self.backend == "sqlite":
            self.engine = None
            self.conn = sqlite3.connect(make_url(url).database, isolation_level=None)
            self.conn.execute("BEGIN")
        else:
            self.engine = make_engine(url)
            self.raw = self.engine.raw_connection()
            self.conn = self.raw.driver_connection

    def query(self, sql: str) -> list[tuple]:
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            return list(cur.fetchall())
        finally:
            cur.close()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        cols = ", ".join(f'"{c}"' for c in columns)
        if self.backend == "pg":
            return self._copy(table, cols, rows)
        marks = ", ".join("?" * len(columns))
        sql, count, it = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', 0, iter(rows)
        while chunk := [tuple(_sqlite_value(v) for v in r) for r in islice(it, BATCH)]:
            self.conn.executemany(sql, chunk)
            count += len(chunk)
        return count

    def _copy(self, table: str, cols: str, rows: Iterable[Sequence]) -> int:
        count = 0
        with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """Explicit ids were written: move PostgreSQL's id sequences past them."""
        if self.backend != "pg":
            return
        with self.conn.cursor() as cur:
            for table in tables:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)")

    def commit(self) -> None:
        if self.backend == "sqlite":
            self.conn.execute("COMMIT")
        else:
            self.conn.commit()

    def close(self) -> None:
        if self.backend == "sqlite":
            self.conn.close()
        else:
            self.raw.close()
            self.engine.dispose()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is not None and self.backend == "sqlite" and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        elif exc_type is not None:
            self.conn.rollback()
        self.close()
