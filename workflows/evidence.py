"""Evidence files (佐证材料): checked by content and name, stored once under their SHA-256, served to who may see."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlmodel import Session, select

from engine.errors import NotFound, TooLarge, TransitionNotAllowed, UnsupportedType, WorkflowError
from workflows.access import Access
from workflows.models import Evidence, Measure
from workflows.reform.table import REFORM_MEASURE

CHUNK = 64 * 1024
UPLOAD_STATES = REFORM_MEASURE.tagged("owes_work")  # while the unit still owes the work
ACCEPTED = "PDF、OFD、Word、Excel、JPEG、PNG"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG = b"\x89PNG\r\n\x1a\n"
# Office documents are zip containers, checked as archives before they are accepted (zip bombs, odd paths)
ARCHIVE_KINDS = frozenset({"docx", "xlsx", "ofd"})
ARCHIVE_FACTOR = 10  # a document may unpack to this many times the upload limit, no more
MAX_MEMBERS = 2000
MAX_RATIO, RATIO_FLOOR = 200, 1 << 20  # a part packed tighter than 200:1 (past 1 MB) is a bomb: XML packs ~5-20:1
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh")
EMBEDDED = (".docx", ".xlsx", ".pptx")  # documents embedded in a document (word/embeddings/…): one level deep
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


class ArchiveRefused(Exception):
    """Why an office document's container is refused (said in Chinese, after the file's name)."""


def check_archive(path: Path | io.BytesIO, budget: int, member_max: int, depth: int = 0) -> None:
    """Raise ArchiveRefused unless the zip is a plain document: few members, safe names, no bomb, no archives
    inside (but one level of embedded documents). Sizes are read from the directory and then proved by
    unpacking, never past `budget` bytes in all."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_directory(infos, budget)
            for info in infos:
                budget -= _unpack(zf, info, budget, member_max, depth)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError,
            ValueError) as exc:
        raise ArchiveRefused("文件已损坏或无法解压") from exc


def _check_directory(infos: list[zipfile.ZipInfo], budget: int) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused(f"包含 {len(infos):,} 个部件，超过 {MAX_MEMBERS:,} 个的上限")
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
            raise ArchiveRefused(f"包含指向压缩包之外的路径“{info.filename[:80]}”")
        if info.flag_bits & 0x1:
            raise ArchiveRefused("包含加密的部件")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRefused(f"部件“{info.filename[:80]}”的压缩比异常（疑似压缩炸弹）")
    if sum(i.file_size for i in infos) > budget:
        raise ArchiveRefused(f"解压后超过 {budget // (1024 * 1024)} MB（疑似压缩炸弹）")


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, member_max: int, depth: int) -> int:
    """Unpack one member (checking its CRC) within the budget; its bytes. A nested archive is checked too."""
    size, head, nested = 0, b"", None
    with zf.open(info) as member:
        while chunk := member.read(CHUNK):
            head, size = head or chunk[:8], size + len(chunk)
            if size > budget:
                raise ArchiveRefused("解压后超过允许的大小（疑似压缩炸弹）")
            if nested is not None or (size == len(chunk) and head.startswith(ARCHIVE_MAGIC)):
                nested = _nested(info, nested, chunk, member_max, depth)
    if nested is not None:
        check_archive(nested, budget - size, member_max, depth + 1)
    return size


def _nested(info: zipfile.ZipInfo, kept: io.BytesIO | None, chunk: bytes, member_max: int, depth: int) -> io.BytesIO:
    embedded = "/embeddings/" in f"/{info.filename}" and info.filename.lower().endswith(EMBEDDED)
    if depth > 0 or not embedded or info.file_size > member_max:
        raise ArchiveRefused(f"包含嵌套的压缩包“{info.filename[:80]}”")
    kept = kept or io.BytesIO()
    kept.write(chunk)
    return kept


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
            raise UnsupportedType(f"文件“{name}”的类型不受支持（仅限 {ACCEPTED}）",
                                  detail=f"file {name!r}: extension {ext or '(none)'!r} is not accepted")
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        tmp = Path(tmp_name)
        try:
            sha, size = self._copy(stream, fd, name)
            kind, content_type = KINDS[ext]
            if kind not in content_kinds(tmp):
                raise UnsupportedType(f"文件“{name}”的内容与扩展名 {ext} 不符（仅限 {ACCEPTED}）",
                                      detail=f"file {name!r}: content is not {kind}")
            if kind in ARCHIVE_KINDS:
                refuse_bad_archive(tmp, name, self.max_bytes)
            final = self.path_for(sha)
            if not final.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
            return StoredFile(sha, size, name, content_type)
        finally:
            tmp.unlink(missing_ok=True)

    def _copy(self, stream: BinaryIO, fd: int, name: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise TooLarge(f"文件“{name}”超过 {self.max_bytes // (1024 * 1024)} MB 的大小限制",
                                   detail=f"file {name!r} is larger than the limit of {self.max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest(), size


def refuse_bad_archive(path: Path, name: str, max_bytes: int) -> None:
    """UnsupportedType (415) naming the file when its container is not a plain office document."""
    try:
        check_archive(path, max_bytes * ARCHIVE_FACTOR, max_bytes)
    except ArchiveRefused as exc:
        raise UnsupportedType(f"文件“{name}”不是正常的 Office/OFD 文档：{exc}，已拒收",
                              detail=f"file {name!r}: archive refused: {exc}") from None


# -- who may add and fetch


def check_uploader(session: Session, access: Access, measure_id: int) -> Measure:
    """Only a lead-unit user of the measure, while the unit still owes the work."""
    row = access.measure(session, measure_id)
    access.require_lead(session, measure_id, "上传佐证材料")
    if row.state not in UPLOAD_STATES:
        raise TransitionNotAllowed(f"“{REFORM_MEASURE.label(row.state)}”状态下不能上传佐证材料",
                                   detail=f"measure {measure_id}: evidence upload refused in state {row.state}")
    return row


def may_upload(session: Session, access: Access, measure_id: int) -> bool:
    try:
        check_uploader(session, access, measure_id)
    except WorkflowError:
        return False
    return True


def record(session: Session, measure_id: int, access: Access, stored: StoredFile, now: datetime,
           problem_id: int | None = None) -> Evidence:
    """One row per file and measure (or problem): the same content uploaded again while unattached is the same."""
    same = session.execute(select(Evidence).where(Evidence.measure_id == measure_id,
                                                  Evidence.sha256 == stored.sha256,
                                                  Evidence.problem_id.is_(None) if problem_id is None
                                                  else Evidence.problem_id == problem_id,
                                                  Evidence.report_version.is_(None))).scalars().first()
    if same is not None:
        return same
    ev = Evidence(measure_id=measure_id, sha256=stored.sha256, filename=stored.filename, problem_id=problem_id,
                  content_type=stored.content_type, size=stored.size, uploaded_by=access.actor.id, uploaded_at=now)
    session.add(ev)
    session.flush()
    return ev


def for_download(session: Session, store: EvidenceStore, access: Access, evidence_id: int) -> tuple[Evidence, Path]:
    ev = session.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound("找不到该佐证材料", detail=f"evidence {evidence_id} not found")
    access.measure(session, ev.measure_id)
    path = store.path_for(ev.sha256)
    if not path.is_file():
        raise NotFound("佐证材料文件已丢失，请联系系统管理员",
                       detail=f"evidence {evidence_id}: file {ev.sha256} is missing from the store")
    return ev, path
