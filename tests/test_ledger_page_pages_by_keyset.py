"""The 台账 page turns by keyset: 下一页 after the last row shown, 上一页 before the first, 末页 from the end, with the
filters carried along; a city's ledger of thousands of pages prints four links, not one per page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from tests.web_support import PASSWORD, as_user
from web.app import create_app
from web.ui.ledger import PAGE_SIZE

ROW = re.compile(r'<td data-label="具体举措"><a href="/measures/(\d+)">')
LINK = re.compile(r'<a href="(/ledger[^"]*)"[^>]*>([^<]+)</a>')


@pytest.fixture
def office(rt, ledger, make_user):
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, make_user("boss", "office"))
        yield c


def listed(c: TestClient, **params) -> dict:
    """The API's list, as the same person sees it (the API takes a bearer token, not the page's session)."""
    token = c.post("/api/auth/token", json={"username": "boss", "password": PASSWORD}).json()["access_token"]
    res = c.get("/api/measures", params={"limit": 200, **params}, headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.text
    return res.json()


def shown(c: TestClient, url: str) -> tuple[list[int], dict[str, str], str]:
    """The measure ids on the page, its pager's links by label, and the page's 第 n / N 页."""
    res = c.get(url.replace("&amp;", "&"))
    assert res.status_code == 200, res.text[:300]
    pager = res.text.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0] if 'class="pager"' in res.text else ""
    where = re.search(r"第 (\d+) / (\d+) 页", pager)
    return ([int(i) for i in ROW.findall(res.text)], {label: href for href, label in LINK.findall(pager)},
            where.group(0) if where else "")


def test_next_previous_and_last_walk_the_pages_numbers_cut(office, ledger):
    total = ledger.measures.created
    pages = -(-total // PAGE_SIZE)
    assert pages >= 3, "the Wulong ledger fills three pages of 30"
    every = [m["id"] for offset in range(0, total, 200) for m in listed(office, offset=offset)["items"]]
    assert len(every) == total

    rows, links, where = shown(office, "/ledger")
    assert rows == every[:PAGE_SIZE] and where == f"第 1 / {pages} 页"
    assert set(links) == {"下一页", "末页"}
    forward = [rows]
    while "下一页" in links:
        rows, links, where = shown(office, links["下一页"])
        forward.append(rows)
        assert where == f"第 {len(forward)} / {pages} 页"
        assert {"首页", "上一页"} <= set(links)
    assert sum(forward, []) == every and len(forward) == pages
    assert set(links) == {"首页", "上一页"}  # the last page: nothing further

    rows, links, where = shown(office, "/ledger?last=1")
    assert rows == forward[-1] and where == f"第 {pages} / {pages} 页"  # 末页 is where 下一页 ends
    back = [rows]
    while "上一页" in links:
        rows, links, where = shown(office, links["上一页"])
        back.insert(0, rows)
        assert where == f"第 {pages - len(back) + 1} / {pages} 页"
    assert back == forward  # the same pages, the same boundaries, walking backwards
    assert set(links) == {"下一页", "末页"}


def test_the_filters_ride_along_and_no_link_pages_by_offset(office, ledger):
    every = listed(office, state="assigned")
    assert every["total"] > PAGE_SIZE, "enough assigned measures for two pages"
    rows, links, _ = shown(office, "/ledger?state=assigned")
    for label, href in links.items():
        query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        assert query["state"] == ["assigned"], label
        assert "offset" not in query
    rows2, _, _ = shown(office, links["下一页"])
    ids = [m["id"] for m in every["items"]]
    assert rows + rows2 == ids[:len(rows) + len(rows2)] and not set(rows) & set(rows2)


def test_an_old_page_number_link_still_opens_its_page(office, ledger):
    rows, links, where = shown(office, "/ledger?page=2")
    assert rows == shown(office, shown(office, "/ledger")[1]["下一页"])[0]
    assert where.startswith("第 2 / ")
    both = office.get("/ledger", params={"after": 1, "before": 2})  # refused in words, with the filters kept
    assert both.status_code == 400 and "只能选一个" in both.text and 'id="f-q"' in both.text
