"""Evidence uploads: size limit, types checked by content and name, stored by hash, served only to who may see."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from urllib.parse import quote

import pytest

from runtime.core import Runtime
from tests.world import (
    build,
    client,
    jpeg_bytes,
    ole_bytes,
    pdf_bytes,
    png_bytes,
    set_state,
    upload,
    zip_bytes,
)
from web.app import HERE as WEB_DIR

LIMIT = 4096


@pytest.fixture
def small_rt(rt) -> Runtime:
    """The runtime with a 4 KB upload limit."""
    settings = rt.settings.model_copy(update={"max_upload_bytes": LIMIT})
    return replace(rt, config=replace(rt.config, settings=settings))


@pytest.fixture
def world(small_rt):
    return build(small_rt)


ACCEPTED = [
    ("报告.pdf", pdf_bytes(), "application/pdf"),
    ("公文.ofd", zip_bytes("OFD.xml", "Doc_0/Document.xml"), "application/ofd"),
    ("说明.doc", ole_bytes("WordDocument"), "application/msword"),
    ("说明.docx", zip_bytes("[Content_Types].xml", "word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xls", ole_bytes("Workbook"), "application/vnd.ms-excel"),
    ("台账.xlsx", zip_bytes("[Content_Types].xml", "xl/workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("现场.jpg", jpeg_bytes(), "image/jpeg"),
    ("现场.JPEG", jpeg_bytes() + b"2", "image/jpeg"),
    ("截图.png", png_bytes(), "image/png"),
]

REFUSED = [
    ("假的.pdf", b"just some text, no PDF header at all\n"),
    ("图片.pdf", png_bytes()),  # a PNG wearing a .pdf name
    ("报告.txt", b"plain text"),
    ("脚本.html", b"<script>alert(1)</script>"),
    ("无扩展名", pdf_bytes()),  # a real PDF without its name saying so
    ("说明.docx", zip_bytes("xl/workbook.xml")),  # a workbook called a document
    ("说明.doc", ole_bytes("Workbook")),
    ("公文.ofd", zip_bytes("Doc_0/Document.xml")),
    ("坏的.xlsx", b"PK\x03\x04 not really a zip"),
    ("空的.png", b""),
]


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowed_types_are_accepted_and_stored_under_their_hash(small_rt, world, name, content, content_type):
    mid = world.measures[0]
    with client(small_rt) as c:
        res = upload(c, world.auth("clerk"), mid, name, content)
    assert res.status_code == 201, res.json()
    item = res.json()
    sha = hashlib.sha256(content).hexdigest()
    assert (item["filename"], item["size"], item["sha256"], item["content_type"]) == (name, len(content), sha,
                                                                                      content_type)
    assert item["report_version"] is None
    stored = small_rt.settings.evidence_dir / sha[:2] / sha
    assert stored.read_bytes() == content
    assert not stored.resolve().is_relative_to(WEB_DIR)  # nothing under the served web folder


@pytest.mark.parametrize(("name", "content"), REFUSED, ids=[r[0] for r in REFUSED])
def test_other_types_are_refused_with_415_by_content_and_name(small_rt, world, name, content):
    with client(small_rt) as c:
        res = upload(c, world.auth("clerk"), world.measures[0], name, content)
        assert res.status_code == 415
        assert res.json()["error"] == "unsupported_type"
        listed = c.get(f"/api/measures/{world.measures[0]}", headers=world.auth("clerk")).json()["evidence"]
    assert listed == []
    leftovers = [p for p in small_rt.settings.evidence_dir.rglob("*") if p.is_file()]
    assert leftovers == []


def test_over_the_configured_limit_is_413_even_when_content_length_is_small(small_rt, world):
    mid = world.measures[0]
    with client(small_rt) as c:
        just_fits = upload(c, world.auth("clerk"), mid, "ok.pdf", pdf_bytes(b"x" * (LIMIT - 100)))
        assert just_fits.status_code == 201
        over = upload(c, world.auth("clerk"), mid, "big.pdf", pdf_bytes(b"x" * LIMIT))
        assert over.status_code == 413
        assert over.json()["error"] == "too_large"
        assert len(c.get(f"/api/measures/{mid}", headers=world.auth("clerk")).json()["evidence"]) == 1


def test_a_body_over_the_request_limit_is_413_json(small_rt, world):
    """Litestar's own body limit (upload limit + 1 MB for the form) answers in the API's error shape."""
    huge = pdf_bytes(b"x" * (LIMIT + 1024 * 1024 + 10))
    with client(small_rt) as c:
        res = upload(c, world.auth("clerk"), world.measures[0], "huge.pdf", huge)
    assert res.status_code == 413
    assert res.json()["error"] == "too_large"


def test_the_same_content_is_stored_once(small_rt, world):
    with client(small_rt) as c:
        first = upload(c, world.auth("clerk"), world.measures[0], "一.pdf").json()
        again = upload(c, world.auth("clerk"), world.measures[0], "二.pdf").json()
        other = upload(c, world.auth("clerk"), world.measures[1], "三.pdf").json()
    assert first["id"] == again["id"]  # unattached twice on one measure: the same evidence
    assert other["id"] != first["id"] and other["sha256"] == first["sha256"]
    assert len([p for p in small_rt.settings.evidence_dir.rglob("*") if p.is_file()]) == 1


def test_download_keeps_the_chinese_name_for_those_who_may_see(small_rt, world):
    mid = world.measures[0]
    content = pdf_bytes(b"download me")
    with client(small_rt) as c:
        item = upload(c, world.auth("clerk"), mid, r"C:\Users\张三\佐证材料（一）.pdf", content).json()
        assert item["filename"] == "佐证材料（一）.pdf"
        for who in ("clerk", "head", "reviewer", "office", "admin"):
            res = c.get(f"/api/evidence/{item['id']}", headers=world.auth(who))
            assert res.status_code == 200, who
            assert res.content == content
            assert res.headers["content-type"].startswith("application/pdf")
            assert f"filename*=UTF-8''{quote('佐证材料（一）.pdf')}" in res.headers["content-disposition"]
        assert c.get(f"/api/evidence/{item['id']}", headers=world.auth("cz")).status_code == 403
        assert c.get(f"/api/evidence/{item['id']}").status_code == 401
        assert c.get("/api/evidence/9999", headers=world.auth("clerk")).status_code == 404


def test_only_lead_unit_users_upload_and_only_while_they_work_on_it(small_rt, world):
    mid = world.measures[0]
    with client(small_rt) as c:
        assert upload(c, world.auth("cz"), mid).status_code == 403  # another unit
        assert upload(c, world.auth("reviewer"), mid).status_code == 403  # sees it, but is not the unit
        assert upload(c, {}, mid).status_code == 401
        assert upload(c, world.auth("head"), mid).status_code == 201
        set_state(small_rt, mid, "reported")
        late = upload(c, world.auth("clerk"), mid, "late.pdf", pdf_bytes(b"late"))
        assert late.status_code == 409
        assert "佐证材料" in late.json()["message"]
        co_lead = upload(c, world.auth("clerk"), world.measures[3], "co.pdf")  # 区市场监管局 is co-lead there
    assert co_lead.status_code == 201
