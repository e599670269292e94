"""Evidence files (佐证材料): checked by content and name, stored once under their SHA-256, served to who may see."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlalchemy import Engine
from sqlmodel import Session, select

from engine.db import read_session, write_session
from engine.decide import Actor
from engine.errors import NotFound, PermissionDenied, TransitionNotAllowed, WorkflowError
from workflows.accounts_models import UNIT_ROLES
from workflows.models import Evidence, Measure
from workflows.reform.service import lead_unit_ids, visible_measure
from workflows.reform.table import STATE_LABELS
from workflows.reform.views import evidence_json

CHUNK = 64 * 1024
UPLOAD_STATES = frozenset({"assigned", "in_progress"})
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG = b"\x89PNG\r\n\x1a\n"
# extension -> (kind the content must show, content type we serve it with)
KINDS = {
    ".pdf": ("pdf", "application/pdf"),
    ".ofd": ("ofd", "application/ofd"),
    ".doc": ("doc", "application/msword"),
    ".docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xls": ("xls", "application/vnd.ms-excel"),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".jpg": ("jpeg", "image/jpeg"),
    ".jpeg": ("jpeg", "image/jpeg"),
    ".png": ("png", "image/png"),
}


class FileTooLarge(WorkflowError):
    code = "too_large"


class FileTypeRefused(WorkflowError):
    code = "unsupported_type"


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    filename: str
    content_type: str


# -- what a file is


def content_kinds(path: Path) -> set[str]:
    """Every allowed kind the bytes are consistent with (an OLE or zip file can hold several)."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF-"):
        return {"pdf"}
    if head.startswith(b"\xff\xd8\xff"):
        return {"jpeg"}
    if head.startswith(PNG):
        return {"png"}
    if head.startswith(OLE):
        return _ole_kinds(path.read_bytes())
    if head.startswith(b"PK\x03\x04"):
        return _zip_kinds(path)
    return set()


def _ole_kinds(raw: bytes) -> set[str]:
    # the compound file's directory names its streams in UTF-16: Word has WordDocument, Excel (Work)Book
    kinds = set()
    if "WordDocument".encode("utf-16-le") in raw:
        kinds.add("doc")
    if "Workbook".encode("utf-16-le") in raw or "Book".encode("utf-16-le") in raw:
        kinds.add("xls")
    return kinds


def _zip_kinds(path: Path) -> set[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return set()
    kinds = set()
    if any(n == "OFD.xml" for n in names):
        kinds.add("ofd")
    if any(n.startswith("word/") for n in names):
        kinds.add("docx")
    if any(n.startswith("xl/") for n in names):
        kinds.add("xlsx")
    return kinds


def clean_name(raw: str) -> str:
    """The last path component, without control characters, at most 200 characters, extension kept."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    stem, ext = os.path.splitext(name)
    if len(name) > 200:
        name = stem[:200 - len(ext)] + ext
    return name or "file"


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name per RFC 5987."""
    ext = os.path.splitext(filename)[1]
    fallback = "".join(ch for ch in filename if ch.isascii() and ch.isprintable() and ch not in '"\\;')
    if not fallback.strip(". ") or fallback == ext:
        fallback = f"evidence{ext}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# -- where files live


@dataclass(frozen=True)
class EvidenceStore:
    """Files under root/<sha[:2]>/<sha256>: outside any served folder, each content once."""

    root: Path
    max_bytes: int

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def receive(self, stream: BinaryIO, filename: str) -> StoredFile:
        """Copy at most max_bytes from the stream, check name and content, keep it under its hash."""
        name = clean_name(filename)
        ext = os.path.splitext(name)[1].lower()
        if ext not in KINDS:
            raise FileTypeRefused(f"file {name!r}: extension {ext or '(none)'!r} is not accepted")
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        tmp = Path(tmp_name)
        try:
            sha, size = self._copy(stream, fd)
            kind, content_type = KINDS[ext]
            if kind not in content_kinds(tmp):
                raise FileTypeRefused(f"file {name!r}: content is not {kind}")
            final = self.path_for(sha)
            if not final.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
            return StoredFile(sha, size, name, content_type)
        finally:
            tmp.unlink(missing_ok=True)

    def _copy(self, stream: BinaryIO, fd: int) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FileTooLarge(f"file is larger than the limit of {self.max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest(), size


# -- who may add and fetch


def check_uploader(session: Session, measure_id: int, actor: Actor) -> Measure:
    """Only a lead-unit user of the measure, while the unit still works on it."""
    row = visible_measure(session, measure_id, actor)
    if actor.role not in UNIT_ROLES or not (actor.unit_ids & lead_unit_ids(session, measure_id)):
        raise PermissionDenied(f"measure {measure_id}: user {actor.username!r} may not add evidence")
    if row.state not in UPLOAD_STATES:
        raise TransitionNotAllowed(f"measure {measure_id}: evidence upload refused: "
                                   f"“{STATE_LABELS[row.state]}”状态下不能上传佐证材料")
    return row


def upload(engine: Engine, store: EvidenceStore, measure_id: int, actor: Actor, filename: str,
           stream: BinaryIO, now: datetime) -> dict:
    """Check who, keep the file, record it as unattached evidence; the evidence item."""
    with read_session(engine) as session:
        check_uploader(session, measure_id, actor)  # nothing is stored for someone who may not
    stored = store.receive(stream, filename)
    with write_session(engine) as session:
        check_uploader(session, measure_id, actor)
        return evidence_json(record(session, measure_id, actor, stored, now))


def record(session: Session, measure_id: int, actor: Actor, stored: StoredFile, now: datetime) -> Evidence:
    """One row per file and measure: the same content uploaded again while unattached is the same evidence."""
    same = session.exec(select(Evidence).where(Evidence.measure_id == measure_id, Evidence.sha256 == stored.sha256,
                                               Evidence.report_version.is_(None))).first()
    if same is not None:
        return same
    ev = Evidence(measure_id=measure_id, sha256=stored.sha256, filename=stored.filename,
                  content_type=stored.content_type, size=stored.size, uploaded_by=actor.id, uploaded_at=now)
    session.add(ev)
    session.flush()
    return ev


def for_download(session: Session, store: EvidenceStore, evidence_id: int, actor: Actor) -> tuple[Evidence, Path]:
    ev = session.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound(f"evidence {evidence_id} not found")
    visible_measure(session, ev.measure_id, actor)
    path = store.path_for(ev.sha256)
    if not path.is_file():
        raise NotFound(f"evidence {evidence_id}: file {ev.sha256} is missing from the store")
    return ev, path
