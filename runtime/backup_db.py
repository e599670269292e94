"""The database side of backup and restore: one consistent snapshot, the portable dump, native and portable loads."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, Table, create_engine, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from engine import history
from migrations.runner import behind, revisions
from runtime.audit import verify_session
from runtime.backup_archive import PORTABLE_DIR, BackupError, NativeDump, TableDump, column_kinds, decode, encode
from workflows.models import Evidence

BATCH = 1000


@dataclass(frozen=True)
class PgTool:
    path: str
    version: str
    major: int


@dataclass(frozen=True)
class Snapshot:
    backend: str
    server_version: str
    revision: str
    portable_dir: Path
    tables: tuple[TableDump, ...]
    evidence: dict[str, int]  # sha256 -> size (as recorded) of every file the snapshot's evidence rows name
    chain: history.ChainReport
    native: NativeDump | None
    notes: tuple[str, ...] = ()


def first_line(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]


# -- the portable dump: every table of the metadata, rows as JSON lines, types kept


def dump_portable(conn: Connection, out_dir: Path) -> tuple[TableDump, ...]:
    """Every table in dependency order, inside the caller's (snapshot) transaction."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return tuple(_dump_table(conn, table, out_dir) for table in SQLModel.metadata.sorted_tables)


def _dump_table(conn: Connection, table: Table, out_dir: Path) -> TableDump:
    kinds = column_kinds(table)
    stmt = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    rows = 0
    with (out_dir / f"{table.name}.jsonl").open("w", encoding="utf-8") as fh:
        for row in conn.execute(stmt).mappings():
            line = {name: encode(row[name], kind, f"{table.name}.{name}") for name, kind in kinds}
            fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            rows += 1
    return TableDump(table.name, f"{PORTABLE_DIR}/{table.name}.jsonl", rows, kinds)


def load_portable(conn: Connection, root: Path, tables: tuple[TableDump, ...]) -> None:
    """Insert every dumped row, parents before children, inside the caller's transaction."""
    for dump in tables:
        table = SQLModel.metadata.tables[dump.name]
        for batch in _batches(root / dump.path, dump):
            conn.execute(insert(table), batch)


def _batches(path: Path, dump: TableDump) -> Iterator[list[dict]]:
    kinds, batch = dict(dump.columns), []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            raw = json.loads(line)
            if set(raw) != set(kinds):
                raise BackupError(f"可移植导出 {dump.path} 第 {number} 行的列与清单不符")
            batch.append({k: decode(v, kinds[k], f"{dump.name}.{k}") for k, v in raw.items()})
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


# -- what the snapshot holds besides rows


def verify_chain(session: Session) -> history.ChainReport:
    """The audit chain with each subject's version, as `reform audit verify` checks it."""
    return verify_session(session)


def _read_snapshot(conn: Connection, work: Path, native: NativeDump | None) -> Snapshot:
    if (why := behind(conn)) is not None:
        raise BackupError(why)
    (revision,) = revisions(conn)  # at this code's one head, as behind() has just checked
    tables = dump_portable(conn, work / "portable")
    ev = Evidence.__table__.c
    evidence = {sha: size for sha, size in conn.execute(select(ev.sha256, ev.size).distinct())}
    with Session(bind=conn) as session:
        chain = verify_chain(session)
    version = ".".join(str(n) for n in conn.dialect.server_version_info or ())
    return Snapshot(conn.dialect.name, version, revision, work / "portable", tables, evidence, chain, native)


# -- SQLite: the online backup API copies a consistent image even while others write (WAL)


def snapshot_sqlite(engine: Engine, work: Path) -> Snapshot:
    copy = work / "native.sqlite"
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        try:
            source.driver_connection.backup(target)  # pages=-1: one step, so one read transaction
            target.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        finally:
            target.close()
    finally:
        source.close()
    reader = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
    try:
        with reader.connect() as conn:
            native = NativeDump("sqlite", copy, f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})")
            return _read_snapshot(conn, work, native)
    finally:
        reader.dispose()


def load_sqlite_native(engine: Engine, image: Path, tables: tuple[TableDump, ...]) -> None:
    """Copy the rows from the snapshot file as stored: exact, and one statement per table."""
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection  # autocommit (see engine.db): ATTACH must run outside a transaction
        db.execute("ATTACH DATABASE ? AS snap", (str(image),))
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for dump in tables:
                    cols = ", ".join(f'"{name}"' for name, _ in dump.columns)
                    db.execute(f'INSERT INTO main."{dump.name}" ({cols}) SELECT {cols} FROM snap."{dump.name}"')
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.execute("DETACH DATABASE snap")
    finally:
        raw.close()


# -- PostgreSQL: one exported snapshot read by pg_dump and by the portable dump alike


def find_pg_tool(name: str) -> PgTool | None:
    path = shutil.which(name)
    if path is None:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)", out)
    return PgTool(path, out.strip(), int(found.group(1))) if found else None


def libpq_args(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the engine's database; the password goes in the environment."""
    args = engine.url.translate_connect_args(username="user", database="dbname")
    password = args.pop("password", None)
    params = {k: str(v) for k, v in args.items()} | {k: v for k, v in engine.url.query.items() if isinstance(v, str)}
    return make_conninfo(**params), ({"PGPASSWORD": str(password)} if password else {})


def _env(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}


def snapshot_postgres(engine: Engine, work: Path) -> Snapshot:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tool, notes = _usable_pg_dump(conn)
            dumping = _start_pg_dump(engine, tool, snapshot_id, work / "native.pgdump") if tool else None
            try:
                snap = _read_snapshot(conn, work, None)
            finally:
                native, failed = _finish_pg_dump(dumping, tool, work / "native.pgdump")
    return replace(snap, native=native, notes=tuple(notes) + failed)


def _usable_pg_dump(conn: Connection) -> tuple[PgTool | None, list[str]]:
    tool, server = find_pg_tool("pg_dump"), conn.dialect.server_version_info[0]
    if tool is None:
        return None, ["未找到 pg_dump：只写入可移植导出（可恢复到任一数据库）"]
    if tool.major < server:
        return None, [f"pg_dump {tool.major} 低于服务器 {server}：只写入可移植导出"]
    return tool, []


def _start_pg_dump(engine: Engine, tool: PgTool, snapshot_id: str, out: Path) -> subprocess.Popen:
    conninfo, secret = libpq_args(engine)
    cmd = [tool.path, "--format=custom", f"--snapshot={snapshot_id}", "--no-password", f"--file={out}",
           f"--dbname={conninfo}"]
    return subprocess.Popen(cmd, env=_env(secret), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish_pg_dump(proc, tool, out: Path) -> tuple[NativeDump | None, tuple[str, ...]]:
    """Wait for pg_dump while the snapshot is still open; a failure leaves the portable dump alone, noted."""
    if proc is None:
        return None, ()
    _, err = proc.communicate()
    if proc.returncode != 0:
        out.unlink(missing_ok=True)
        return None, (f"pg_dump 失败，只写入可移植导出：{(err.strip().splitlines() or ['?'])[0]}",)
    return NativeDump("pg_dump", out, tool.version.splitlines()[0], tool.major), ()


def load_pg_native(engine: Engine, tool: PgTool, archive: Path, tables: tuple[TableDump, ...]) -> None:
    """pg_restore the rows only, in one transaction, into the schema the migrations made."""
    listing = subprocess.run([tool.path, "--list", str(archive)], capture_output=True, text=True, timeout=600)
    if listing.returncode != 0:
        raise BackupError(f"pg_restore 读不了转储：{(listing.stderr.strip().splitlines() or ['?'])[0]}")
    entries = _table_data_entries(listing.stdout)
    missing = [d.name for d in tables if d.name not in entries]
    if missing:
        raise BackupError(f"pg_dump 转储中缺少表 {', '.join(missing)} 的数据")
    wanted = archive.with_name("restore.list")
    # the list's order is the load order: parents before children, as the schema's foreign keys demand
    wanted.write_text("\n".join(entries[d.name] for d in tables) + "\n", encoding="utf-8")
    conninfo, secret = libpq_args(engine)
    cmd = [tool.path, "--data-only", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
           "--no-password", f"--use-list={wanted}", f"--dbname={conninfo}", str(archive)]
    done = subprocess.run(cmd, env=_env(secret), capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{(done.stderr.strip().splitlines() or ['?'])[0]}")


def _table_data_entries(listing: str) -> dict[str, str]:
    entries = {}
    for line in listing.splitlines():
        found = re.match(r"^\d+;\s+\d+\s+\d+\s+TABLE DATA\s+\S+\s+(\S+)\s", line)
        if found:
            entries[found.group(1).strip('"')] = line
    return entries


# -- the target database


def table_rows(conn: Connection) -> dict[str, int]:
    """Rows in every table the database has (ours or not), the migrations' own table aside."""
    quote = conn.dialect.identifier_preparer.quote
    names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
    return {n: conn.execute(text(f"SELECT count(*) FROM {quote(n)}")).scalar_one() for n in names}


def drop_schema(engine: Engine) -> None:
    """Drop our tables and the migration mark: the database is as blank as a new one, for us."""
    with engine.begin() as conn:
        SQLModel.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: every id sequence continues after the highest id loaded (explicit ids do not advance it)."""
    if conn.dialect.name != "postgresql":
        return
    prep = conn.dialect.identifier_preparer
    for table in SQLModel.metadata.sorted_tables:
        col = table.autoincrement_column
        if col is None:
            continue
        name, key = prep.format_table(table), prep.quote(col.name)
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({key}), 0) + 1, false) "
                          f"FROM {name}"), {"t": name, "c": col.name})


def reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise BackupError(f"无法连接数据库 {where}：{first_line(exc)}") from exc
