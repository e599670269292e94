"""The report pages: figures as the JSON gives them, SVG charts drawn on the server, forms behind CSRF."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from tests.web_support import as_user
from tests.world import june_scenario, token
from web.app import create_app
from workflows.models import Item, Milestone
from workflows.reform.table import STATE_LABELS


@pytest.fixture
def world(rt):
    return june_scenario(rt)


@pytest.fixture
def browser(rt, world):
    """A client signed in through the session cookie, as a browser is; `as_(name)` switches the person."""
    with TestClient(create_app(rt)) as client:
        def as_(name: str) -> TestClient:
            return as_user(client, rt, world.users[name])

        client.as_ = as_
        yield client


def csrf(client: TestClient) -> dict[str, str]:
    client.get("/reports")
    return {"x-csrftoken": client.cookies.get("reform_csrf")}


def test_monthly_page_shows_the_reports_figures_and_svg_charts(browser, rt, world):
    page = browser.as_("office").get("/reports/monthly", params={"month": "2022-06"})
    assert page.status_code == 200
    data = browser.get("/api/reports/monthly", params={"month": "2022-06"},
                       headers=token(rt, world.users["office"])).json()
    html = page.text
    inline_script = re.search(r'<script(?![^>]*\bsrc="/static/)', html)  # the charts need none; the desk's own file
    assert html.count("<svg") == 3 and inline_script is None and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    for unit in data["units"]:
        row = re.search(rf"<tr[^>]*><td>{unit['unit']}</td>(.*?)</tr>", html, re.S).group(1)
        cells = re.findall(r'<td class="n">([^<]*)</td>', row)
        n = len(STATE_LABELS)
        assert cells[n] == str(unit["completed"]) and cells[n + 2] == str(unit["overdue"])
        assert cells[n + 3] == str(unit["overdue_workdays"]) and cells[n + 4] == str(unit["returns"])
    for name in data["lagging_units"]:
        assert name in html.split("滞后单位")[1].split("</p>")[0]
    assert 'href="/reports/monthly.xlsx?month=2022-06"' in html
    download = browser.get("/reports/monthly.xlsx", params={"month": "2022-06"})
    assert download.status_code == 200 and download.content[:2] == b"PK"


def test_bad_month_on_the_page_says_so_in_chinese(browser):
    page = browser.as_("office").get("/reports/monthly", params={"month": "2022-13"})
    assert page.status_code == 400 and "月份应在 01 至 12 之间" in page.text


def test_anonymous_visitor_goes_to_login(rt, world):
    with TestClient(create_app(rt)) as client:
        resp = client.get("/reports/monthly", follow_redirects=False)
    assert resp.status_code in (302, 303, 307) and resp.headers["location"].startswith("/login")


def test_assessment_records_and_typical_case_pages_render(browser, rt, world):
    client = browser.as_("reviewer")
    data = client.get("/api/reports/assessment", params={"year": "2022"},
                      headers=token(rt, world.users["reviewer"])).json()
    page = client.get("/reports/assessment", params={"year": "2022"})
    assert page.status_code == 200
    for unit in data["units"]:  # scores as the district writes them: 93.5, 100 (no padded decimals)
        assert f"{unit['unit']}：{round(unit['total'], 2):g} 分" in page.text
    assert client.get("/reports/records").status_code == 200
    printable = client.get("/reports/typical-cases")
    assert printable.status_code == 200 and "data-print" in printable.text and "onclick" not in printable.text
    assert client.get("/reports/assessment", params={"year": "abc"}).status_code == 400


def test_unit_page_shows_only_its_own_unit(browser):
    office = browser.as_("office").get("/reports/monthly", params={"month": "2022-06"})
    page = browser.as_("cz").get("/reports/monthly", params={"month": "2022-06"})
    assert page.status_code == 200
    assert "<td>区财政局</td>" in page.text
    # 区政务办's own measure is the office's business, not 区财政局's; the one they lead jointly is both units'
    assert "CA 推广应用" in office.text and "CA 推广应用" not in page.text
    assert "开展培训" in page.text


def test_timetable_form_needs_csrf_and_adds_a_milestone(browser, rt, world):
    client = browser.as_("zw")
    m3 = world.measures[3]
    form = {"due_date": "2022-07-20", "description": "召开推进会"}
    refused = client.post(f"/measures/{m3}/timetable", data=form)
    assert refused.status_code == 403
    added = client.post(f"/measures/{m3}/timetable", data=form, headers=csrf(client), follow_redirects=False)
    assert added.status_code == 303
    with Session(rt.engine) as s:
        assert s.exec(select(Milestone).where(Milestone.description == "召开推进会")).one().measure_id == m3
    bad = client.post(f"/measures/{m3}/timetable", data={"due_date": "2023-05-01", "description": "太晚"},
                      headers=csrf(client))
    assert bad.status_code == 422 and "太晚" in bad.text  # what was typed is kept
    other = browser.as_("scjg").get(f"/measures/{m3}/timetable")
    assert other.status_code == 403


def test_office_classes_an_item_from_the_page(browser, rt, world):
    client = browser.as_("office")
    with Session(rt.engine) as s:
        item = s.exec(select(Item).where(Item.klass.is_(None))).first()
    resp = client.post(f"/reports/classes/{item.id}", data={"klass": "等高对接先进地区经验"}, headers=csrf(client),
                       follow_redirects=False)
    assert resp.status_code == 303
    with Session(rt.engine) as s:
        assert s.get(Item, item.id).klass == "等高对接先进地区经验"
    unit_user = browser.as_("zw")
    assert unit_user.post(f"/reports/classes/{item.id}", data={"klass": "发掘特色亮点"},
                          headers=csrf(unit_user)).status_code == 403
    assert "<select" not in unit_user.get("/reports/classes").text
