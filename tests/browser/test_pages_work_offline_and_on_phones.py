"""台账, 总览, 邮件 and 帮助 in the browser: filters work, charts are inline SVG with nothing fetched from
elsewhere, mail shows the outbox and the demo sink, pages fit a phone. Saves the README screenshots."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_ledger_groups_filters_and_pages(person, site):
    office = person("office")
    office.open("/ledger")
    expect(office.page.locator("main")).to_contain_text("共 85 项具体举措")
    expect(office.page.locator(".cat-row").first).to_contain_text("一、")
    expect(office.page.locator(".pager a")).to_have_count(2)  # page 1 of 3: 下一页 and 末页 only
    office.shot("ledger", full_page=False)

    office.page.get_by_label("状态").select_option("reported")
    office.page.get_by_label("重点改革事项").select_option("")
    office.page.get_by_role("button", name="筛选").click()
    office.page.wait_for_url("**/ledger?*state=reported*")
    rows = office.page.locator("table.ledger tbody tr:not(.cat-row)")
    assert rows.count() >= 1
    for state in rows.locator(".state").all_inner_texts():
        assert state == "已报送（待核验）"

    office.page.get_by_role("link", name="清除").click()
    office.page.get_by_label("搜索").fill("一照多址")
    office.page.get_by_role("button", name="筛选").click()
    office.page.wait_for_url("**q=*")
    expect(office.page.locator("main")).to_contain_text("一照多址")


def test_overview_charts_are_drawn_on_the_server_and_nothing_comes_from_elsewhere(person, site):
    office = person("office")
    requested: list[str] = []
    office.page.on("request", lambda request: requested.append(request.url))
    office.page.set_viewport_size({"width": 1366, "height": 1250})
    office.open("/overview")
    assert office.page.locator("figure svg[role=img]").count() >= 5
    expect(office.page.locator(".tile-red strong")).not_to_have_text("0")
    expect(office.page.locator("main")).to_contain_text("逾期举措")
    office.shot("overview", full_page=False)
    office.open("/help")
    expect(office.page.locator(".diagram svg")).to_contain_text("已复制推广")
    expect(office.page.locator("#for-reviewer")).to_contain_text("核验")  # written for people, not developers
    office.shot("help", full_page=False)
    assert requested and all(url.startswith(site.url) for url in requested), requested


def test_mail_shows_the_outbox_and_what_the_demo_sink_received(person, site):
    def sweep_and_send() -> None:
        site.rt.sweep(site.rt.clock.now())
        site.rt.flush()

    worker = threading.Thread(target=sweep_and_send)  # flush runs its own event loop
    worker.start()
    worker.join(timeout=60)

    office = person("office")
    office.open("/mail")
    expect(office.page.get_by_role("link", name="已发送")).not_to_contain_text("（0）")
    expect(office.page.locator("table")).to_contain_text("预警督办")
    expect(office.page.locator("details.mail").first).to_contain_text("发给")
    office.shot("mail", full_page=False)
    office.open("/mail?status=failed")
    expect(office.page.locator("main")).to_contain_text("没有邮件")

    clerk = person("clerk")
    assert clerk.open("/mail").status == 403


def test_pages_fit_a_phone(person, site):
    clerk = person("clerk", width=390)
    for path in ("/", "/ledger", f"/measures/{site.ids['lifecycle']}", "/overview", "/help"):
        clerk.open(path)
        overflow = clerk.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a phone"
    clerk.open(f"/measures/{site.ids['stale_progress']}")
    clerk.shot("measure-phone", full_page=False)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML.slice(0, 120))"""


def test_every_form_control_has_a_label(person, site):
    pages = {"clerk": ["/", "/ledger", f"/measures/{site.ids['stale_progress']}", "/password"],
             "reviewer": [f"/measures/{site.ids['stale_review']}", "/mail"],
             "admin": ["/admin/units", "/admin/users", "/admin/import", "/help"]}
    for username, paths in pages.items():
        who = person(username)
        for path in paths:
            who.open(path)
            assert who.page.evaluate(UNLABELLED) == [], f"unlabelled controls on {path}"


WATCH_CSP = """document.addEventListener('securitypolicyviolation',
  e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')))"""


def test_no_page_breaks_the_content_security_policy(person, site):
    """Every page under the CSP (no inline script or style): no violation reported, the print button still works."""
    pages = {"office": ["/", "/ledger", "/overview", "/help", "/reports", "/reports/monthly?month=2022-06",
                        "/reports/assessment?year=2022", "/reports/records", "/reports/classes", "/mail",
                        f"/measures/{site.ids['lifecycle']}", f"/measures/{site.ids['lifecycle']}/timetable",
                        "/password", "/reports/typical-cases"],
             "admin": ["/admin/units", "/admin/users", "/admin/import"]}
    console: list[str] = []
    violations: list[str] = []

    def heard(message) -> None:
        if "Content Security Policy" in message.text:
            console.append(message.text)

    for username, paths in pages.items():
        who = person(username)
        who.page.on("console", heard)
        who.context.add_init_script(WATCH_CSP)
        for path in paths:
            response = who.open(path)
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
            assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
            violations += [f"{path}: {v}" for v in who.page.evaluate("window.__csp || []")]
    assert console == [] and violations == []
    office = person("office")
    office.open("/reports/typical-cases")
    office.page.evaluate("window.print = () => { window.__printed = true; }")
    office.page.get_by_role("button", name="打印").click()
    assert office.page.evaluate("window.__printed === true")  # the handler of /static/print.js ran
