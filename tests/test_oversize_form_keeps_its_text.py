"""A measure's form sent without the page's script, its files over the request's size limit: refused with 413
on the measure's own page, nothing stored, and the text typed into the form back in the form (web.oversize);
a body far over the limit is read only so far, and a request without a session is not read at all."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from html import unescape

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from engine.history import HistoryRecord
from tests.web_support import as_user
from tests.world import build, pdf_bytes
from web.app import create_app
from web.oversize import READ_AT_MOST, _read_text
from workflows.models import Evidence, Measure

LIMIT = 4096  # the upload limit; the request limit is 1 MB more
BODY_LIMIT = LIMIT + 1024 * 1024
TYPED = "已完成“一照多址”改革，\n共办理备案 128 户。<script>alert(1)</script>"
BOUNDARY = "reformtestboundary"


@pytest.fixture
def small_rt(rt):
    settings = rt.settings.model_copy(update={"max_upload_bytes": LIMIT})
    return replace(rt, config=replace(rt.config, settings=settings))


@pytest.fixture
def world(small_rt):
    return build(small_rt)


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    kind = "Content-Type: application/pdf\r\n" if filename else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + value + b"\r\n"


def _body(parts: list[bytes]) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _post(c: TestClient, mid: int, body: bytes):
    return c.post(f"/measures/{mid}/actions/submit", content=body,
                  headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", "accept": "text/html"})


def _counts(rt, mid: int) -> tuple[int, int, str]:
    with rt.read() as session:
        evidence = session.execute(select(func.count()).select_from(Evidence).where(Evidence.measure_id == mid))
        history = session.execute(select(func.count()).select_from(HistoryRecord))
        return evidence.scalar(), history.scalar(), session.get(Measure, mid).state


def _textarea(page: str) -> str:
    found = re.search(r'<form[^>]*id="act-submit".*?<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the submit form with its text box is on the page"
    return unescape(found.group(1)).lstrip("\n")


def _signed_in(c: TestClient, small_rt, world, mid: int) -> str:
    world.act(mid, "start", "clerk")
    as_user(c, small_rt, world.users["clerk"])
    page = c.get(f"/measures/{mid}").text
    assert 'id="act-submit"' in page, "the clerk is offered 提交审签"
    return c.cookies.get("reform_csrf")


@pytest.mark.parametrize("text_first", [True, False], ids=["text-before-file", "text-after-file"])
def test_the_text_comes_back_into_the_form(small_rt, world, text_first):
    mid = world.measures[0]
    with TestClient(create_app(small_rt)) as c:
        token = _signed_in(c, small_rt, world, mid)
        before = _counts(small_rt, mid)
        with small_rt.read() as session:
            version = session.get(Measure, mid).version
        text = [_part("comment", TYPED.encode()), _part("version", str(version).encode())]
        big = [_part("files", pdf_bytes(b"x" * (BODY_LIMIT + 1000)), "现场照片-原图.pdf")]
        res = _post(c, mid, _body([_part("_csrf_token", token.encode()), *(text + big if text_first else big + text)]))
    assert res.status_code == 413
    assert "4096 B" not in res.text and "大小限制" in res.text  # the refusal names the limit, on the measure's page
    assert _textarea(res.text) == TYPED
    assert "您刚才填写的内容已保留" in res.text
    assert "<script>alert(1)</script>" not in res.text  # the text is put back escaped
    assert _counts(small_rt, mid) == before  # nothing stored, nothing recorded, the state unchanged


def test_a_body_far_over_the_limit_is_read_only_so_far(small_rt, world):
    mid = world.measures[0]
    with TestClient(create_app(small_rt)) as c:
        token = _signed_in(c, small_rt, world, mid)
        huge = [_part("files", b"x" * (BODY_LIMIT * READ_AT_MOST + 4096), "大.pdf")]
        res = _post(c, mid, _body([_part("_csrf_token", token.encode()), *huge, _part("comment", TYPED.encode())]))
    assert res.status_code == 413 and "大小限制" in res.text
    assert _textarea(res.text) == ""  # past what is read: refused as before, without the text


def test_without_a_session_nothing_is_read_and_the_refusal_is_plain(small_rt, world):
    mid = world.measures[0]
    body = _body([_part("comment", TYPED.encode()), _part("files", b"x" * (BODY_LIMIT + 10), "a.pdf")])
    with TestClient(create_app(small_rt)) as c:
        res = _post(c, mid, body)
    assert res.status_code == 413
    assert TYPED[:10] not in res.text and 'id="act-submit"' not in res.text


def test_the_reader_keeps_text_split_across_chunks_and_never_the_files():
    body = _body([_part("comment", "分块的文字".encode() * 50), _part("files", b"%PDF" + b"y" * 50000, "f.pdf"),
                  _part("version", b"7"), _part("evidence", b"3"), _part("evidence", b"5")])
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]

    async def receive(it=iter(chunks)):
        chunk = next(it, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    fields = asyncio.run(_read_text(receive, BOUNDARY.encode(), 10 ** 9))
    assert fields == [("comment", "分块的文字" * 50), ("version", "7"), ("evidence", "3"), ("evidence", "5")]


@pytest.mark.parametrize("body", [
    _body([_part(f"f{i}", b"v") for i in range(500)]),  # more parts than the reader takes
    b"--" + BOUNDARY.encode() + b"\r\nno headers at all\r\n\r\n\x00" * 3,  # not a form
], ids=["too-many-parts", "malformed"])
def test_a_hostile_body_is_read_without_failing(body):
    async def receive():  # the whole body at once: read once
        return {"type": "http.request", "body": body, "more_body": False}

    fields = asyncio.run(_read_text(receive, BOUNDARY.encode(), 10 ** 9))
    assert len(fields) <= 64


def test_a_problems_rectification_keeps_its_text_too(small_rt, world):
    from workflows.supervision_models import Problem

    mid = world.measures[0]
    with TestClient(create_app(small_rt)) as c:
        as_user(c, small_rt, world.users["reviewer"])
        c.get("/")
        found = c.post(f"/measures/{mid}/problems/record_finding", follow_redirects=False, data={
            "_csrf_token": c.cookies.get("reform_csrf"), "text": "窗口未公示办理时限", "level": "日常督查",
            "due_date": "2022-06-30"})
        pid = int(re.match(r"/problems/(\d+)", found.headers["location"]).group(1))
        as_user(c, small_rt, world.users["clerk"])
        assert 'id="act-report_rectification"' in c.get(f"/problems/{pid}").text
        body = _body([_part("_csrf_token", c.cookies.get("reform_csrf").encode()), _part("version", b"1"),
                      _part("comment", TYPED.encode()), _part("files", b"x" * (BODY_LIMIT + 10), "整改照片.pdf")])
        res = c.post(f"/problems/{pid}/actions/report_rectification", content=body,
                     headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", "accept": "text/html"})
    assert res.status_code == 413 and "大小限制" in res.text
    kept = re.search(r'id="act-report_rectification".*?<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>',
                     res.text, re.S)
    assert kept and unescape(kept.group(1)).lstrip("\n") == TYPED
    with small_rt.read() as session:
        assert session.get(Problem, pid).state == "rectifying"
