"""Office documents (docx, xlsx, OFD) are zip containers, checked as archives before they are accepted: a 300 MB
bomb in a few hundred KB, too many parts, paths out of the archive and archives inside are refused (415, the
file named), and nothing is stored; a real document, with an embedded workbook, passes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from tests.world import build, client, upload
from workflows.evidence import ArchiveRefused, EvidenceStore, check_archive
from workflows.models import Evidence

MB = 1024 * 1024
DOCX_PARTS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def docx(*extra: tuple[str, bytes], base: tuple[str, ...] = DOCX_PARTS) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in base:
            zf.writestr(name, "<?xml version='1.0'?><w:document/>")
        for name, data in extra:
            zf.writestr(name, data)
    return buf.getvalue()


def bomb(inflated_mb: int = 300) -> bytes:
    """A .docx whose document part inflates to `inflated_mb` MB of zeros: small on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * MB
            for _ in range(inflated_mb):
                part.write(block)
    return buf.getvalue()


@pytest.fixture
def world(rt):
    return build(rt)


def stored(rt) -> list[Path]:
    root = rt.settings.evidence_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_300_mb_docx_bomb_is_refused_and_not_kept(rt, world):
    payload = bomb()
    assert len(payload) < 400 * 1024  # a few hundred KB on disk
    with client(rt) as c:
        resp = upload(c, world.auth("clerk"), 1, "工作总结.docx", payload)
    assert resp.status_code == 415
    message = resp.json()["message"]
    assert "工作总结.docx" in message and "压缩" in message
    assert stored(rt) == []
    with rt.read() as session:
        assert session.exec(select(Evidence)).all() == []


def test_a_real_document_with_an_embedded_workbook_passes(rt, world):
    workbook = docx(base=("[Content_Types].xml", "xl/workbook.xml"))
    payload = docx(("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                   ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook))
    with client(rt) as c:
        resp = upload(c, world.auth("clerk"), 1, "说明.docx", payload)
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize(("name", "payload", "said"), [
    ("逃逸.docx", docx(("../../etc/cron.d/evil", b"x")), "指向压缩包之外的路径"),
    ("绝对.xlsx", docx(("/etc/passwd", b"x"), base=("[Content_Types].xml", "xl/workbook.xml")), "压缩包之外"),
    ("盘符.ofd", docx(("C:/Windows/x.dll", b"x"), base=("OFD.xml", "Doc_0/Document.xml")), "压缩包之外"),
    ("套娃.docx", docx(("word/media/more.zip", docx())), "嵌套的压缩包"),
    ("深套.docx", docx(("word/embeddings/a.docx", docx(("word/embeddings/b.docx", docx()))),), "嵌套的压缩包"),
    ("碎片.docx", docx(*((f"word/p{n}.xml", b"<p/>") for n in range(2001))), "部件"),
])
def test_archives_that_are_not_plain_documents_are_refused(rt, world, name, payload, said):
    with client(rt) as c:
        resp = upload(c, world.auth("clerk"), 1, name, payload)
    assert resp.status_code == 415 and name in resp.json()["message"] and said in resp.json()["message"]
    assert stored(rt) == []


def test_the_total_is_bounded_by_the_upload_limit_times_a_small_factor(tmp_path):
    """Many parts of 1 MB (each under the ratio check) that add up to more than ten times a 1 MB limit."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for n in range(12):
            zf.writestr(f"word/part{n}.xml", b"\0" * MB)
    assert len(buf.getvalue()) < MB
    with pytest.raises(ArchiveRefused, match="10 MB"):
        check_archive(io.BytesIO(buf.getvalue()), budget=10 * MB, member_max=MB)
    store = EvidenceStore(tmp_path / "evidence", max_bytes=MB)
    from engine.errors import UnsupportedType
    with pytest.raises(UnsupportedType, match="大.docx"):
        store.receive(io.BytesIO(buf.getvalue()), "大.docx")


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_damaged_part_is_refused(method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("word/document.xml", "<?xml version='1.0'?><w:document>" + "正文" * 500 + "</w:document>")
    good = buf.getvalue()
    info = zipfile.ZipFile(io.BytesIO(good)).infolist()[0]
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10  # inside the part's data
    broken = good[:at] + bytes([good[at] ^ 0xFF]) + good[at + 1:]
    with pytest.raises(ArchiveRefused, match="损坏"):
        check_archive(io.BytesIO(broken), budget=10 * MB, member_max=MB)


def test_an_uploaded_ledger_workbook_is_checked_the_same(rt, world):
    from litestar.testing import TestClient

    from tests.web_support import sign_in
    from web.app import create_app

    with TestClient(create_app(rt)) as c:
        token = sign_in(c, "admin")
        payload = bomb(250)
        resp = c.post("/admin/import", data={"source": "file", "plan": "", "_csrf_token": token},
                      files={"file": ("台账.xlsx", payload)})
    assert resp.status_code == 415 and "台账.xlsx" in resp.text
    assert not any((rt.settings.data_dir / "imports").glob("*/*"))
