"""`reform backup` / `reform restore`: one .tar.gz of a consistent database snapshot and the evidence it names."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from engine.db import read_session, utc, write_session
from migrations.runner import alembic_config, current_heads, upgrade
from runtime import backup_db as dbs
from runtime.backup_db import BackupError, NativeDump, Snapshot, TableDump
from workflows.evidence import EvidenceStore
from workflows.models import Evidence

__all__ = ["ArchiveInvalid", "BackupError", "BackupReport", "RestoreFailed", "RestoreReport", "TargetNotEmpty",
           "backup", "restore"]

FORMAT, FORMAT_VERSION = "reform-backup", 1
MANIFEST = "manifest.json"
EVIDENCE = "evidence"  # under the data dir, as Settings.evidence_dir
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
NATIVE_PATHS = {"sqlite": "db/native.sqlite", "pg_dump": "db/native.pgdump"}
MEMBER = re.compile(r"db/native\.(sqlite|pgdump)|db/portable/[a-z_][a-z0-9_]*\.jsonl")
EVIDENCE_MEMBER = re.compile(r"evidence/([0-9a-f]{2})/(\1[0-9a-f]{62})")


class ArchiveInvalid(BackupError):
    """The archive is not one we can restore (format, checksums, revision); nothing was written."""


class TargetNotEmpty(BackupError):
    """The target database or evidence directory holds something; restore wants --force."""


class RestoreFailed(BackupError):
    """The restore failed after it started writing; the target was emptied again."""


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
    audit: dbs.history.ChainReport
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


@dataclass(frozen=True)
class Manifest:
    created_at: str
    backend: str
    revision: str
    tables: tuple[TableDump, ...]
    native: NativeDump | None  # file relative to the archive root
    evidence: dict[str, int]
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # member path -> (sha256, size)


def evidence_store(data_dir: Path) -> EvidenceStore:
    return EvidenceStore(Path(data_dir) / EVIDENCE, max_bytes=0)  # only its layout is used here


# -- backup


def backup(engine: Engine, data_dir: Path, out: Path, *, now: datetime, overwrite: bool = False) -> BackupReport:
    """Snapshot the database once, then archive the snapshot and exactly the evidence files it names."""
    started, out = time.monotonic(), Path(out)
    _check_output(out, overwrite)
    dbs.reachable(engine)
    with _workdir(out) as work:
        snap = dbs.snapshot_postgres(engine, work) if engine.dialect.name == "postgresql" \
            else dbs.snapshot_sqlite(engine, work)
        members = _db_members(snap)
        manifest = _manifest(snap, members, now)
        _write_archive(out, manifest, members, evidence_store(data_dir), snap.evidence, now, overwrite)
    return BackupReport(out, out.stat().st_size, snap.backend, snap.revision, manifest["dump_tool"],
                        {t.name: t.rows for t in snap.tables}, len(snap.evidence), sum(snap.evidence.values()),
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


def _manifest(snap: Snapshot, members: dict[str, Path], now: datetime) -> dict:
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
        "files": [{"path": p, "sha256": _sha256(f), "size": f.stat().st_size} for p, f in members.items()],
        "evidence": [{"sha256": sha, "size": size} for sha, size in sorted(snap.evidence.items())],
        "audit": {"ok": snap.chain.ok, "records": snap.chain.checked, "reason": snap.chain.reason},
        "notes": list(snap.notes),
    }


def _version() -> str:
    try:
        return version("reform")
    except PackageNotFoundError:
        return "unknown"


def _write_archive(out: Path, manifest: dict, members: dict[str, Path], store: EvidenceStore,
                   evidence: dict[str, int], now: datetime, overwrite: bool) -> None:
    """Manifest first (a reader learns the format before anything else), then the database, then the files."""
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        with tmp.open("xb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                tar.addfile(_info(MANIFEST, len(body), now), io.BytesIO(body))
                for path, local in members.items():
                    with local.open("rb") as fh:
                        tar.addfile(_info(path, local.stat().st_size, now), fh)
                for sha in sorted(evidence):
                    _add_evidence(tar, store, sha, now)
            raw.flush()
            os.fsync(raw.fileno())
        if out.exists() and not overwrite:
            raise BackupError(f"备份文件 {out} 在备份期间被别人创建了：未覆盖")
        os.replace(tmp, out)
    except OSError as exc:
        raise BackupError(f"无法写入备份文件 {out}：{exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _info(name: str, size: int, now: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(now.timestamp()), 0o644
    return info


def _add_evidence(tar: tarfile.TarFile, store: EvidenceStore, sha: str, now: datetime) -> None:
    path = store.path_for(sha)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BackupError(f"佐证文件 {sha} 被数据库引用，但不在 {store.root} 中：存储已缺失，备份中止") from None
    with path.open("rb") as fh:
        reader = _Hashing(fh)
        tar.addfile(_info(f"{EVIDENCE}/{sha[:2]}/{sha}", size, now), reader)
    if reader.digest.hexdigest() != sha:
        raise BackupError(f"佐证文件 {path} 的内容与其 SHA-256 不符：存储已损坏，备份中止")


class _Hashing:
    """A file wrapper that hashes what tarfile reads from it, so each file is read once."""

    def __init__(self, fh) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.fh.read(size)
        self.digest.update(chunk)
        return chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- restore


def restore(archive: Path, engine: Engine, data_dir: Path, *, force: bool = False) -> RestoreReport:
    """Check the whole archive, refuse a non-empty target (unless force), load, verify; on failure leave it empty."""
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


def unpack(archive: Path, staging: Path) -> Manifest:
    """Extract into staging, checking every member against the manifest; raises before the target is touched."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > MAX_MANIFEST:
                raise ArchiveInvalid(f"{archive} 不是 reform 备份：第一个成员不是 {MANIFEST}")
            manifest = parse_manifest(tar.extractfile(first).read())
            seen = set()
            while (member := tar.next()) is not None:  # streaming: iter(tar) would start over
                _extract(tar, member, manifest.files, staging)
                seen.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise ArchiveInvalid(f"备份文件 {archive} 已损坏或不是 .tar.gz：{exc}") from exc
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise ArchiveInvalid(f"备份不完整：缺少 {len(missing)} 个成员（{missing[0]} 等）")
    return manifest


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, expected: dict[str, tuple[str, int]],
             staging: Path) -> None:
    if member.name not in expected or not member.isfile():
        raise ArchiveInvalid(f"备份中有清单之外的成员 {member.name!r}：拒绝恢复")
    sha, size = expected[member.name]
    if member.size != size:
        raise ArchiveInvalid(f"备份中的 {member.name} 大小与清单不符：备份已被改动或损坏")
    target = staging / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, src = hashlib.sha256(), tar.extractfile(member)
    with target.open("xb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha:
        raise ArchiveInvalid(f"备份中的 {member.name} 校验失败（SHA-256 不符）：备份已被改动或损坏，未写入任何内容")


def parse_manifest(raw: bytes) -> Manifest:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ArchiveInvalid(f"备份清单 {MANIFEST} 不是 JSON：{exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveInvalid(f"不是 reform 备份：清单格式不是 {FORMAT}")
    found = data.get("format_version")
    if found != FORMAT_VERSION:
        raise ArchiveInvalid(f"备份格式版本 {found!r} 不受支持（本程序只读版本 {FORMAT_VERSION}）")
    try:
        return _manifest_from(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveInvalid(f"备份清单 {MANIFEST} 不完整或不合规：{exc!r}") from exc


def _manifest_from(data: dict) -> Manifest:
    files = {f["path"]: (f["sha256"], int(f["size"])) for f in data["files"]}
    evidence = {e["sha256"]: int(e["size"]) for e in data["evidence"]}
    for path in files:
        if not MEMBER.fullmatch(path):
            raise ArchiveInvalid(f"备份清单中的成员名 {path!r} 不合规")
    for sha, size in evidence.items():
        files[f"{EVIDENCE}/{sha[:2]}/{sha}"] = (sha, size)  # content-addressed: the name is the checksum
        if not EVIDENCE_MEMBER.fullmatch(f"{EVIDENCE}/{sha[:2]}/{sha}"):
            raise ArchiveInvalid(f"备份清单中的佐证文件名 {sha!r} 不是 SHA-256")
    tables = tuple(_table_from(t, files) for t in data["tables"])
    native = data.get("native")
    if native is not None:
        if NATIVE_PATHS.get(native["kind"]) != native["path"] or native["path"] not in files:
            raise ArchiveInvalid(f"备份清单中的原生转储 {native!r} 不合规")
        native = NativeDump(native["kind"], Path(native["path"]), native["tool"], native.get("major"))
    _check_revision(data["alembic_revision"])
    return Manifest(data["created_at"], data["backend"], data["alembic_revision"], tables, native, evidence, files)


def _table_from(entry: dict, files: dict) -> TableDump:
    name, path = entry["name"], entry["path"]
    table = SQLModel.metadata.tables.get(name)
    if table is None or path != f"{dbs.PORTABLE_DIR}/{name}.jsonl" or path not in files:
        raise ArchiveInvalid(f"备份清单中的表 {name!r} 本程序不认识")
    columns = tuple((str(c), str(k)) for c, k in entry["columns"])
    unknown = [c for c, k in columns if c not in table.c or k not in dbs.KINDS.values()]
    if unknown:
        raise ArchiveInvalid(f"备份清单中表 {name} 的列 {', '.join(unknown)} 本程序不认识")
    return TableDump(name, path, int(entry["rows"]), columns)


def _check_revision(revision: str) -> None:
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = False
    if not known:
        raise ArchiveInvalid(f"备份的迁移版本 {revision!r} 本程序不认识（本程序为 {', '.join(current_heads())}）："
                             "请用更新的 reform 恢复")


def _target_contents(engine: Engine, evidence_dir: Path) -> list[str]:
    with engine.connect() as conn:
        rows = {name: n for name, n in dbs.table_rows(conn).items() if n}
    found = [f"表 {name} 有 {n} 行" for name, n in list(rows.items())[:6]]
    if len(rows) > 6:
        found.append(f"另有 {len(rows) - 6} 张表有数据")
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
    bad = [sha for sha in sorted(shas) if not store.path_for(sha).is_file() or _sha256(store.path_for(sha)) != sha]
    if bad:
        raise BackupError(f"{len(bad)} 个佐证文件缺失或 SHA-256 不符（{bad[0]} 等）")
    return expected, chain.checked
