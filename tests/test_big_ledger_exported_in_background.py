"""A 任务台账 over `export_inline_max` measures is made in the background: the request answers at once with the
job's page, which refreshes itself until the file can be downloaded, by the person who asked only. A job whose
process died is taken again; a failure says why in Chinese and offers to export again."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from engine.db import utc
from runtime import reports as reporting
from tests.web_support import as_user
from tests.world import headers, people
from web.app import create_app
from workflows import exports
from workflows.exports import ExportJob
from workflows.roles import OFFICE, STAFF, SUPERVISOR


@pytest.fixture
def big(rt, ledger, monkeypatch):
    """The Wulong ledger (85 measures) counted as big: anything over 10 goes to the background."""
    monkeypatch.setattr(rt.settings, "export_inline_max", 10)
    who = people(rt, {"office1": (OFFICE, None), "rev1": (SUPERVISOR, None), "clerk1": (STAFF, "区市场监管局")})
    with TestClient(create_app(rt)) as client:
        yield rt, client, who


def finished(rt, job_id: int, within: float = 30.0) -> ExportJob:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with Session(rt.engine) as session:
            job = session.get(ExportJob, job_id)
            if not job.waiting:
                return job
        time.sleep(0.05)
    raise AssertionError(f"export {job_id} still {job.status} after {within} s")


def rows_of(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_a_big_ledger_is_made_in_the_background_and_downloaded_from_its_page(big):
    rt, client, who = big
    as_user(client, rt, who["office1"])
    asked = client.get("/reports/ledger.xlsx", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"].startswith("/exports/")
    job_id = int(asked.headers["location"].rsplit("/", 1)[1])
    first = client.get(f"/exports/{job_id}")
    assert first.status_code == 200 and "共 85 项具体举措" in first.text
    job = finished(rt, job_id)
    assert job.status == exports.DONE and job.size > 0 and job.file_name.startswith("任务台账-")
    page = client.get(f"/exports/{job_id}").text
    assert "http-equiv=\"refresh\"" not in page and f'href="/exports/{job_id}/file"' in page and "已生成" in page
    got = client.get(f"/exports/{job_id}/file")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    with rt.read() as session:  # the same sheet as one made in the request
        inline = reporting.ledger_workbook(rt, session, None)
    assert rows_of(got.content) == rows_of(inline.content)

    as_user(client, rt, who["rev1"])  # another person: not theirs, not even its existence
    assert client.get(f"/exports/{job_id}").status_code == 404
    assert client.get(f"/exports/{job_id}/file").status_code == 404


def test_asking_again_while_it_is_being_made_gives_the_same_job_and_a_unit_gets_its_own_scope(big):
    rt, client, who = big
    as_user(client, rt, who["office1"])
    with rt.write() as session:  # a job being made by some process for this person and scope
        job = exports.ask(session, exports.LEDGER, who["office1"].id, {"unit": None, "plan": None}, 85,
                          rt.clock.now())
        exports.claim(session, job.id, rt.clock.now())
    again = client.get("/reports/ledger.xlsx", follow_redirects=False)
    assert again.headers["location"] == f"/exports/{job.id}"
    waiting = client.get(f"/exports/{job.id}").text
    assert 'http-equiv="refresh"' in waiting and "正在生成" in waiting

    with rt.read() as session:
        own = reporting.ledger_size(session, None, "区市场监管局")
    assert 0 < own < 85
    rt.settings.export_inline_max = own  # the unit's own ledger is small enough, the whole one is not
    as_user(client, rt, who["clerk1"])
    small = client.get("/reports/ledger.xlsx", follow_redirects=False)
    assert small.status_code == 200 and small.headers["content-type"].startswith("application/vnd.openxml")
    cells = [str(v) for row in rows_of(small.content) for v in row if v]
    assert any("统计范围：区市场监管局" in v and f"共 {own} 项具体举措" in v for v in cells)


def test_a_job_whose_process_died_is_taken_again_when_its_page_is_opened(big):
    rt, client, who = big
    as_user(client, rt, who["office1"])
    with rt.write() as session:  # claimed by a process that died: running, its lease long run out
        job = exports.ask(session, exports.LEDGER, who["office1"].id, {"unit": None, "plan": None}, 85,
                          rt.clock.now() - timedelta(hours=2))
        exports.claim(session, job.id, rt.clock.now() - timedelta(hours=2))
    with Session(rt.engine) as session:
        assert session.get(ExportJob, job.id).status == exports.RUNNING
    assert client.get(f"/exports/{job.id}").status_code == 200
    assert finished(rt, job.id).status == exports.DONE
    assert client.get(f"/exports/{job.id}/file").status_code == 200


def test_a_failed_export_says_why_and_offers_to_export_again(big, monkeypatch):
    rt, client, who = big
    as_user(client, rt, who["office1"])

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(reporting, "ledger_workbook", broken)
    asked = client.get("/reports/ledger.xlsx", follow_redirects=False)
    job_id = int(asked.headers["location"].rsplit("/", 1)[1])
    assert finished(rt, job_id).status == exports.FAILED
    page = client.get(f"/exports/{job_id}").text
    assert "生成失败" in page and "OSError" in page and 'href="/reports/ledger.xlsx"' in page
    assert client.get(f"/exports/{job_id}/file").status_code == 404
    monkeypatch.undo()
    monkeypatch.setattr(rt.settings, "export_inline_max", 10)
    again = client.get("/reports/ledger.xlsx", follow_redirects=False)
    assert again.headers["location"] != asked.headers["location"], "a failed job is not reused"
    assert finished(rt, int(again.headers["location"].rsplit("/", 1)[1])).status == exports.DONE


def test_made_exports_are_removed_after_a_day(big):
    rt, client, who = big
    as_user(client, rt, who["office1"])
    first = int(client.get("/reports/ledger.xlsx", follow_redirects=False).headers["location"].rsplit("/", 1)[1])
    job = finished(rt, first)
    stored = rt.exports.directory / job.stored_as
    assert stored.is_file()
    with rt.write() as session:
        session.get(ExportJob, first).finished_at = utc(rt.clock.now()) - timedelta(hours=25)
    with rt.write() as session:  # someone else asks: a good moment to forget what is old
        exports.ask(session, exports.LEDGER, who["rev1"].id, {"unit": None, "plan": None}, 85, rt.clock.now())
    theirs = rt.exports.ledger(who["rev1"].id, 85, None, None)
    assert finished(rt, theirs.id).status == exports.DONE  # (and no worker is left running after the test)
    assert not stored.exists()
    with Session(rt.engine) as session:
        assert session.get(ExportJob, first) is None
        assert session.exec(select(ExportJob).where(ExportJob.user_id == who["office1"].id)).all() == []
    assert client.get(f"/exports/{first}").status_code == 404


def test_the_api_asks_for_an_export_and_fetches_it_when_done(big):
    rt, client, who = big
    office = headers(rt, who["office1"])
    asked = client.post("/api/reports/ledger/exports", json={}, headers=office)
    assert asked.status_code == 202, asked.text
    view = asked.json()
    assert view["measures"] == 85 and view["status"] in ("queued", "running", "done") and view["kind"] == "ledger"
    job = finished(rt, view["id"])
    done = client.get(f"/api/exports/{job.id}", headers=office).json()
    assert (done["status"], done["status_label"], done["file_url"]) == ("done", "已生成", f"/api/exports/{job.id}/file")
    got = client.get(done["file_url"], headers=office)
    assert got.status_code == 200
    with rt.read() as session:
        assert rows_of(got.content) == rows_of(reporting.ledger_workbook(rt, session, None).content)

    other = headers(rt, who["rev1"])
    assert client.get(f"/api/exports/{job.id}", headers=other).status_code == 404
    assert client.get(f"/api/exports/{job.id}/file", headers=other).status_code == 404

    with rt.write() as session:  # one still being made: its file is not there yet
        making = exports.ask(session, exports.LEDGER, who["office1"].id, {"unit": "区市场监管局", "plan": None}, 5,
                             rt.clock.now())
        exports.claim(session, making.id, rt.clock.now())
    early = client.get(f"/api/exports/{making.id}/file", headers=office)
    assert early.status_code == 409 and "还在生成中" in early.text

    bad = client.post("/api/reports/ledger/exports", json={"unit": 5}, headers=office)
    assert bad.status_code == 400 and "unit 应为文字" in bad.text
    unknown = client.post("/api/reports/ledger/exports", json={"unit": "区不存在局"}, headers=office)
    assert unknown.status_code == 400 and "未知单位" in unknown.text
    clerk = headers(rt, who["clerk1"])
    assert client.post("/api/reports/ledger/exports", json={"unit": "区财政局"}, headers=clerk).status_code == 403
