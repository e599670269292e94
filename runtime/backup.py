"""`reform backup` / `reform restore`: one .tar.gz of a consistent database snapshot and the evidence it names."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from engine.db import read_session, utc, write_session
from engine.history import ChainReport
from migrations.runner import current_heads, upgrade
from runtime import backup_db as dbs
from runtime.backup_archive import (
    EVIDENCE,
    FORMAT,
    FORMAT_VERSION,
    NATIVE_PATHS,
    ArchiveInvalid,
    BackupError,
    Manifest,
    RestoreFailed,
    TargetNotEmpty,
    evidence_files,
    sha256_of,
    unpack,
    write_archive,
)
from runtime.backup_db import Snapshot
from workflows.evidence import EvidenceStore
from workflows.models import Evidence

__all__ = ["ArchiveInvalid", "BackupError", "BackupReport", "RestoreFailed", "RestoreReport", "TargetNotEmpty",
           "backup", "restore"]


@dataclass(frozen=True)
class BackupReport:
    archive: Path
    size: int
    backend: str
    revision: str
    dump_tool: str
    tables: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    audit: ChainReport
    notes: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    archive: Path
    created_at: str
    source_backend: str
    method: str
    tables: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    audit_records: int
    replaced_evidence: Path | None
    notes: tuple[str, ...]
    seconds: float


def evidence_store(data_dir: Path) -> EvidenceStore:
    return EvidenceStore(Path(data_dir) / EVIDENCE, max_bytes=0)  # only its layout is used here


# -- backup


def backup(engine: Engine, data_dir: Path, out: Path, *, now: datetime, overwrite: bool = False) -> BackupReport:
    """Snapshot the database once, then archive the snapshot and exactly the evidence files it names.

    Safe while `reform serve` runs. Everything about the database comes from one read: SQLite's online backup
    API copies one consistent image (writers go on under WAL) and the portable dump is read from that copy;
    on PostgreSQL one REPEATABLE READ transaction exports its snapshot, pg_dump reads that very snapshot
    (--snapshot) and the portable dump is read inside the transaction. Evidence files are content-addressed
    and never change, so the files the snapshot's rows name are copied afterwards and hashed on the way.
    """
    started, out = time.monotonic(), Path(out)
    _check_output(out, overwrite)
    dbs.reachable(engine)
    with _workdir(out) as work:
        snap = dbs.snapshot_postgres(engine, work) if engine.dialect.name == "postgresql" \
            else dbs.snapshot_sqlite(engine, work)
        store = evidence_store(data_dir)
        files = evidence_files(store, snap.evidence)  # before anything is written: a lost file stops it here
        members = _db_members(snap)
        manifest = _manifest(snap, members, files, now)
        write_archive(out, manifest, members, store, files, now, overwrite)
    return BackupReport(out, out.stat().st_size, snap.backend, snap.revision, manifest["dump_tool"],
                        {t.name: t.rows for t in snap.tables}, len(files), sum(files.values()),
                        snap.chain, snap.notes, time.monotonic() - started)


def _check_output(out: Path, overwrite: bool) -> None:
    if out.exists() and not overwrite:
        raise BackupError(f"备份文件 {out} 已存在：换一个文件名，或加 --overwrite 覆盖")
    if not out.parent.is_dir():
        raise BackupError(f"无法写入备份文件 {out}：目录 {out.parent} 不存在")
    if not os.access(out.parent, os.W_OK):
        raise BackupError(f"无法写入备份文件 {out}：目录 {out.parent} 不可写")


@contextmanager
def _workdir(out: Path) -> Iterator[Path]:
    # beside the output: the snapshot may be large, and /tmp is often small
    try:
        holder = tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.")
    except OSError as exc:
        raise BackupError(f"无法写入备份文件 {out}：{exc.strerror or exc}") from exc
    with holder as name:
        yield Path(name)


def _db_members(snap: Snapshot) -> dict[str, Path]:
    members = {t.path: snap.portable_dir / Path(t.path).name for t in snap.tables}
    if snap.native is not None:
        members = {NATIVE_PATHS[snap.native.kind]: snap.native.file} | members
    return members


def _manifest(snap: Snapshot, members: dict[str, Path], evidence: dict[str, int], now: datetime) -> dict:
    native = None
    if snap.native is not None:
        native = {"kind": snap.native.kind, "path": NATIVE_PATHS[snap.native.kind], "tool": snap.native.tool,
                  "major": snap.native.major}
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": utc(now).isoformat(),
        "backend": snap.backend, "server_version": snap.server_version, "alembic_revision": snap.revision,
        "dump_tool": snap.native.tool if snap.native else "reform portable dump (one REPEATABLE READ transaction)",
        "made_by": f"reform {_version()}", "native": native,
        "tables": [{"name": t.name, "path": t.path, "rows": t.rows, "columns": [list(c) for c in t.columns]}
                   for t in snap.tables],
        "row_counts": {t.name: t.rows for t in snap.tables},
        "files": [{"path": p, "sha256": sha256_of(f), "size": f.stat().st_size} for p, f in members.items()],
        "evidence": [{"sha256": sha, "size": size} for sha, size in sorted(evidence.items())],
        "audit": {"ok": snap.chain.ok, "records": snap.chain.checked, "reason": snap.chain.reason},
        "notes": list(snap.notes),
    }


def _version() -> str:
    try:
        return version("reform")
    except PackageNotFoundError:
        return "unknown"


# -- restore


def restore(archive: Path, engine: Engine, data_dir: Path, *, force: bool = False) -> RestoreReport:
    """Check the whole archive, refuse a non-empty target (unless force), load, verify; on failure leave it empty.

    Nothing is written before every member matched its SHA-256 and the manifest (format version, revision,
    tables) was understood. A target with any row in any table, or any file in its evidence directory, is
    refused unless `force`; with `force` our tables are dropped and the old evidence directory is renamed to
    `evidence.replaced-<time>` (kept, named in the report). Then: schema by the migrations, evidence placed
    by one rename, rows loaded in one transaction, sequences reset, then row counts, the audit chain and
    every evidence file checked. A failure at any of these steps drops our tables again and removes the
    evidence placed, so the target is left empty (as --force had cleaned it) and RestoreFailed names the step.
    Do not restore into a system that is being served.
    """
    started, archive, data_dir = time.monotonic(), Path(archive), Path(data_dir)
    if not archive.is_file():
        raise ArchiveInvalid(f"备份文件 {archive} 不存在")
    dbs.reachable(engine)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))  # same file system: files move by rename
    try:
        manifest = unpack(archive, staging)
        store = evidence_store(data_dir)
        found = _target_contents(engine, store.root)
        if found and not force:
            raise TargetNotEmpty(f"目标不是空的：{'；'.join(found)}。确认要覆盖请加 --force")
        replaced = _move_aside(store.root) if found else None
        notes: list[str] = []
        with _emptied_on_failure(engine, store.root, replaced) as step:
            method = _load(manifest, staging, engine, store, step, notes)
            tables, audit = _check_restored(engine, manifest, store, step)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(archive, manifest.created_at, manifest.backend, method, tables, len(manifest.evidence),
                         sum(manifest.evidence.values()), audit, replaced, tuple(notes), time.monotonic() - started)


def _target_contents(engine: Engine, evidence_dir: Path) -> list[str]:
    """What the target holds, in words: every table with rows (ours in dependency order) and the evidence files."""
    with engine.connect() as conn:
        rows = {name: n for name, n in dbs.table_rows(conn).items() if n}
    order = [t.name for t in SQLModel.metadata.sorted_tables]
    names = sorted(rows, key=lambda n: (order.index(n) if n in order else len(order), n))
    found = [f"数据库中 {len(rows)} 张表有数据（{'，'.join(f'{n} {rows[n]} 行' for n in names)}）"] if rows else []
    files = sum(1 for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.is_dir() else 0
    if files:
        found.append(f"佐证目录 {evidence_dir} 有 {files} 个文件")
    return found


def _move_aside(evidence_dir: Path) -> Path | None:
    """--force keeps the old files: the directory is renamed, not deleted, and the report names it."""
    if not evidence_dir.is_dir() or not any(p.is_file() for p in evidence_dir.rglob("*")):
        return None
    aside = evidence_dir.with_name(f"{evidence_dir.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
    evidence_dir.rename(aside)
    return aside


class _Step:
    def __init__(self) -> None:
        self.name = "开始"

    def __call__(self, name: str) -> None:
        self.name = name


@contextmanager
def _emptied_on_failure(engine: Engine, evidence_dir: Path, replaced: Path | None) -> Iterator[_Step]:
    """Any failure once writing began: drop what was loaded and remove the files placed, then say so."""
    step = _Step()
    try:
        yield step
    except BaseException as exc:  # Ctrl-C too: never leave it half restored
        cleanup = "目标已清空（数据库无表无数据，佐证目录已移除）"
        try:
            dbs.drop_schema(engine)
            shutil.rmtree(evidence_dir, ignore_errors=True)
        except Exception as again:  # noqa: BLE001 - report both, the first is the cause
            cleanup = f"清空目标也失败了（{dbs.first_line(again)}）：请手工检查目标数据库"
        if not isinstance(exc, Exception):
            raise
        kept = f"；原有佐证文件保存在 {replaced}" if replaced else ""
        raise RestoreFailed(f"恢复在“{step.name}”时失败：{dbs.first_line(exc)}；{cleanup}{kept}") from exc


def _load(manifest: Manifest, staging: Path, engine: Engine, store: EvidenceStore, step: _Step,
          notes: list[str]) -> str:
    step("清空目标数据库")
    dbs.drop_schema(engine)
    step(f"按迁移建表（{manifest.revision}）")
    upgrade(engine, manifest.revision)
    step("放入佐证文件")
    _place_evidence(staging / EVIDENCE, store.root)
    step("载入数据")
    method = _load_rows(manifest, staging, engine, notes)
    step("重置序列")
    with engine.begin() as conn:
        dbs.reset_sequences(conn)
    if (manifest.revision,) != current_heads():
        step("升级到当前迁移版本")
        upgrade(engine)
    return method


def _place_evidence(staged: Path, evidence_dir: Path) -> None:
    # the target was checked empty (or moved aside): only empty folders can be left, and one rename places all
    if evidence_dir.exists():
        if any(p.is_file() for p in evidence_dir.rglob("*")):
            raise BackupError(f"佐证目录 {evidence_dir} 在恢复期间出现了文件")
        shutil.rmtree(evidence_dir)
    if staged.is_dir():
        os.replace(staged, evidence_dir)


def _load_rows(manifest: Manifest, staging: Path, engine: Engine, notes: list[str]) -> str:
    """Native where the backend matches and its tool is at hand, else (or if it fails) the portable dump."""
    native, backend = manifest.native, engine.dialect.name
    if native is not None and native.kind == "sqlite" and backend == "sqlite":
        dbs.load_sqlite_native(engine, staging / native.file, manifest.tables)
        return "SQLite 原生快照"
    if native is not None and native.kind == "pg_dump" and backend == "postgresql":
        tool = dbs.find_pg_tool("pg_restore")
        if tool is not None and tool.major >= (native.major or 0):
            try:
                dbs.load_pg_native(engine, tool, staging / native.file, manifest.tables)
                return f"pg_restore {tool.major}"
            except BackupError as exc:  # one transaction: nothing was loaded, the portable dump still can be
                notes.append(f"{exc}；改用可移植导出")
        else:
            notes.append("没有可用的 pg_restore（未找到或版本低于备份所用的 pg_dump）：改用可移植导出")
    with write_session(engine) as session:
        dbs.load_portable(session.connection(), staging, manifest.tables)
    return "可移植导出（JSON 行）"


def _check_restored(engine: Engine, manifest: Manifest, store: EvidenceStore, step: _Step
                    ) -> tuple[dict[str, int], int]:
    step("核对行数")
    with read_session(engine) as session:
        expected = {t.name: t.rows for t in manifest.tables}
        counts = {t: n for t, n in dbs.table_rows(session.connection()).items() if t in expected}
        if counts != expected:
            wrong = [f"{t} {counts.get(t)}≠{n}" for t, n in expected.items() if counts.get(t) != n]
            raise BackupError(f"恢复后的行数与清单不符：{', '.join(wrong)}")
        step("审计链校验")
        chain = dbs.verify_chain(session)
        if not chain.ok:
            raise BackupError(f"审计链校验失败：{chain.reason}")
        step("核对佐证文件")
        shas = set(session.execute(select(Evidence.__table__.c.sha256).distinct()).scalars())
    bad = [sha for sha in sorted(shas) if not store.path_for(sha).is_file() or sha256_of(store.path_for(sha)) != sha]
    if bad:
        raise BackupError(f"{len(bad)} 个佐证文件缺失或 SHA-256 不符（{bad[0]} 等）")
    return expected, chain.checked
