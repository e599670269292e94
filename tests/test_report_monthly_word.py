"""The 月调度 as a Word 通报: from the command line (by the file's extension), the API (?format=docx) and the page's
button; its sentences and tables carry the month's figures as the database has them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from litestar.testing import TestClient

from runtime.reports import DOCX_TYPE
from tests.docx_support import open_docx, rows, squash, texts
from tests.test_report_monthly_figures import expected
from tests.web_support import as_user
from tests.world import june_scenario, token
from web.app import create_app


@pytest.fixture
def world(rt):
    return june_scenario(rt)


def download(rt, user, **params):
    with TestClient(create_app(rt)) as client:
        return client.get("/api/reports/monthly", params={"month": "2022-06", **params}, headers=token(rt, user))


def test_the_api_hands_out_the_notice_by_format_or_accept(rt, world):
    by_format = download(rt, world.users["office"], format="docx")
    assert by_format.status_code == 200 and by_format.headers["content-type"] == DOCX_TYPE
    assert "filename*=UTF-8''%E6%9C%88%E8%B0%83%E5%BA%A6%E9%80%9A%E6%8A%A5-2022-06.docx" in \
        by_format.headers["content-disposition"]
    with TestClient(create_app(rt)) as client:
        by_accept = client.get("/api/reports/monthly", params={"month": "2022-06"},
                               headers=token(rt, world.users["office"]) | {"Accept": DOCX_TYPE})
    assert by_accept.headers["content-type"] == DOCX_TYPE
    assert texts(open_docx(by_accept.content)) == texts(open_docx(by_format.content))
    assert download(rt, world.users["office"], format="pdf").status_code == 400


def test_the_notice_carries_the_months_figures(rt, world):
    doc = open_docx(download(rt, world.users["office"], format="docx").content)
    body = squash("".join(texts(doc)))
    figures = expected(rt.engine, date(2022, 6, 1), rt.clock.now())
    want, overall = figures["units"], figures["overall"]  # a joint measure counts once for the district
    measures, due, on_time = overall["measures"], overall["due"], overall["on_time"]
    assert "关于2022年6月全区营商环境创新试点工作推进情况的通报" in body
    assert f"共有具体举措{measures}项" in body and f"应完成具体举措{due}项" in body
    assert f"已按时完成{on_time}项" in body or (on_time == due and "均已按时完成" in body)
    lagging = [name for name, u in want.items() if u["overdue"] or (u["due"] and u["on_time"] / u["due"] < 0.8)]
    assert lagging and all(f"{name}。" in body for name in lagging)  # each lagging unit is named, (一)… (二)…
    assert f"共有逾期举措{overall['overdue']}项" in body
    assert "下月工作要求" in body  # the editable paragraph of requirements
    table = next(rows(t) for t in doc.tables if rows(t)[0][0] == "牵头单位")
    got = {r[0]: r for r in table[1:] if r[0] != "合计"}
    for name, u in want.items():
        assert (int(got[name][1]), int(got[name][3]), int(got[name][4]), int(got[name][6])) == (
            u["measures"], u["due"], u["on_time"], u["overdue"])


def test_the_command_line_writes_word_or_excel_by_the_extension(cli, rt, world, tmp_path, capsys):
    docx, xlsx = tmp_path / "june.docx", tmp_path / "june.xlsx"
    assert cli(["report", "monthly", "--month", "2022-06", "--out", str(docx)]) == 0
    assert cli(["report", "monthly", "--month", "2022-06", "--out", str(xlsx)]) == 0
    assert docx.read_bytes()[:2] == xlsx.read_bytes()[:2] == b"PK"
    from_api = open_docx(download(rt, world.users["office"], format="docx").content)
    assert texts(open_docx(docx.read_bytes())) == texts(from_api)
    capsys.readouterr()
    assert cli(["report", "monthly", "--month", "2022-06", "--out", str(tmp_path / "june.pdf")]) == 2
    assert ".docx" in capsys.readouterr().err


def test_the_page_offers_both_downloads(rt, world):
    with TestClient(create_app(rt)) as client:
        user = world.users["office"]
        as_user(client, rt, user)
        page = client.get("/reports/monthly", params={"month": "2022-06"})
        assert re.search(r'href="/reports/monthly\.docx\?month=2022-06"[^>]*>下载 Word 通报', page.text)
        assert 'href="/reports/monthly.xlsx?month=2022-06"' in page.text
        notice = client.get("/reports/monthly.docx", params={"month": "2022-06"})
    assert notice.status_code == 200 and notice.headers["content-type"] == DOCX_TYPE
    assert "工作推进情况的通报" in squash("".join(texts(open_docx(notice.content))))
