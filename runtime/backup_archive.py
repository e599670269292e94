"""The backup archive: member names, manifest, portable row codec, errors; writing and checking the .tar.gz."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import tarfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Table
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import migrations.models  # noqa: F401  (every table on SQLModel.metadata)
from engine.db import utc
from migrations.runner import alembic_config, current_heads
from workflows.evidence import EvidenceStore

FORMAT, FORMAT_VERSION = "reform-backup", 1
MANIFEST = "manifest.json"
EVIDENCE = "evidence"  # under the data dir, as Settings.evidence_dir; in the archive the same
PORTABLE_DIR = "db/portable"
NATIVE_PATHS = {"sqlite": "db/native.sqlite", "pg_dump": "db/native.pgdump"}
MEMBER = re.compile(r"db/native\.(sqlite|pgdump)|db/portable/[a-z_][a-z0-9_]*\.jsonl")
EVIDENCE_MEMBER = re.compile(r"evidence/([0-9a-f]{2})/(\1[0-9a-f]{62})")
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
KINDS = {bool: "bool", int: "int", float: "float", str: "text", date: "date", datetime: "datetime", bytes: "bytes"}


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message is one line for people."""


class ArchiveInvalid(BackupError):
    """The archive is not one we can restore (format, checksums, revision); nothing was written."""


class TargetNotEmpty(BackupError):
    """The target database or evidence directory holds something; restore wants --force."""


class RestoreFailed(BackupError):
    """The restore failed after it started writing; the target was emptied again."""


@dataclass(frozen=True)
class TableDump:
    """One table of the portable dump: JSON lines at `path` inside the archive, columns as (name, kind)."""

    name: str
    path: str
    rows: int
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NativeDump:
    """The backend's own copy of the snapshot: an SQLite file or a pg_dump custom-format archive."""

    kind: str  # "sqlite" | "pg_dump"
    file: Path
    tool: str
    major: int | None = None


@dataclass(frozen=True)
class Manifest:
    created_at: str
    backend: str
    revision: str
    tables: tuple[TableDump, ...]
    native: NativeDump | None  # file relative to the archive root
    evidence: dict[str, int]
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # member path -> (sha256, size)


# -- the portable dump's values: JSON, with dates and instants as ISO 8601 text


def column_kinds(table: Table) -> tuple[tuple[str, str], ...]:
    out = []
    for col in table.columns:
        base = col.type.impl_instance if isinstance(col.type, TypeDecorator) else col.type
        try:
            kind = KINDS.get(base.python_type)
        except NotImplementedError:
            kind = None
        if kind is None:
            raise BackupError(f"表 {table.name} 的列 {col.name}（{col.type}）没有可移植的写法，无法备份")
        out.append((col.name, kind))
    return tuple(out)


def encode(value, kind: str, where: str):
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime):
        return utc(value).isoformat()
    if kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if kind == "bytes" and isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("datetime", "date", "bytes") or not _is_kind(value, kind):
        raise BackupError(f"{where} 的值 {value!r} 不是 {kind}：数据库里的值与模型不符，无法备份")
    return value


def decode(value, kind: str, where: str):
    if value is None:
        return None
    try:
        if kind == "datetime":
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("no offset")
            return parsed
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "bytes":
            return base64.b64decode(value.encode("ascii"), validate=True)
    except (TypeError, ValueError) as exc:
        raise BackupError(f"可移植导出中 {where} 的值 {value!r} 不是 {kind}") from exc
    if not _is_kind(value, kind):
        raise BackupError(f"可移植导出中 {where} 的值 {value!r} 不是 {kind}")
    return value


def _is_kind(value, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


# -- reading a manifest


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
    if table is None or path != f"{PORTABLE_DIR}/{name}.jsonl" or path not in files:
        raise ArchiveInvalid(f"备份清单中的表 {name!r} 本程序不认识")
    columns = tuple((str(c), str(k)) for c, k in entry["columns"])
    unknown = [c for c, k in columns if c not in table.c or k not in KINDS.values()]
    if unknown:
        raise ArchiveInvalid(f"备份清单中表 {name} 的列 {', '.join(unknown)} 本程序不认识")
    return TableDump(name, path, int(entry["rows"]), columns)


def _check_revision(revision: str) -> None:
    try:
        known = bool(revision) and ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise ArchiveInvalid(f"备份的迁移版本 {revision!r} 本程序不认识（本程序为 {', '.join(current_heads())}）："
                             "请用更新的 reform 恢复")


# -- writing and reading the .tar.gz


def write_archive(out: Path, manifest: dict, members: dict[str, Path], store: EvidenceStore,
                  evidence: dict[str, int], now: datetime, overwrite: bool) -> None:
    """Manifest first (a reader learns the format before anything else), then the database, then the files.

    `evidence` maps sha256 -> size on disk (see evidence_files); each file is hashed again as it is copied.
    """
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        with tmp.open("xb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                tar.addfile(_info(MANIFEST, len(body), now), io.BytesIO(body))
                for path, local in members.items():
                    with local.open("rb") as fh:
                        tar.addfile(_info(path, local.stat().st_size, now), fh)
                for sha, size in sorted(evidence.items()):
                    _add_evidence(tar, store.path_for(sha), sha, size, now)
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


def evidence_files(store: EvidenceStore, shas) -> dict[str, int]:
    """sha256 -> size on disk of each file named; every one must be in the store."""
    sizes, missing = {}, []
    for sha in sorted(shas):
        try:
            sizes[sha] = store.path_for(sha).stat().st_size
        except FileNotFoundError:
            missing.append(sha)
    if missing:
        raise BackupError(f"{len(missing)} 个佐证文件被数据库引用但不在 {store.root} 中（{missing[0]} 等）：备份中止")
    return sizes


def _add_evidence(tar: tarfile.TarFile, path: Path, sha: str, size: int, now: datetime) -> None:
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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
                if member.name in seen:
                    raise ArchiveInvalid(f"备份中的成员 {member.name!r} 出现了两次：拒绝恢复")
                _extract(tar, member, manifest.files, staging)
                seen.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
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
