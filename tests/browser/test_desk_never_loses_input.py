"""The desk's rules, on a desktop (1366×900) and a phone (390×844), walked in one test per size: an empty
倒排时间表 submit answers a page (not its source); a 30 MB file is refused before it is sent, naming the file
and the limit, and the server's own refusal (a browser without the script) returns to the measure with the text
typed into the form; an error in a lower form is scrolled into
view with the form's address kept; an expired session signs the person back in to the form with their text;
no page scrolls sideways at 360 px. Saves the *-after screenshots of issue 15 items 1–5."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select, update

from engine.db import write_session
from tests.browser.conftest import PASSWORD
from workflows.accounts_models import User, WebSession

pytestmark = pytest.mark.browser
PROGRESS = "已完成窗口改造，正在组织业务培训。"
LIMIT = "20.0 MB"


def post(who, button):
    with who.page.expect_navigation() as nav:
        button.click()
    return nav.value


def no_sideways(who) -> int:
    return who.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_no_refusal_loses_typed_input_or_the_place(person, site, tmp_path, width):
    tag = "desktop" if width > 600 else "phone"
    mid = site.ids["desk" if width > 600 else "desk_phone"]
    big = tmp_path / "现场照片-原图.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024))
    clerk = person("clerk", width)
    clerk.measure(mid)
    post(clerk, clerk.form("start").get_by_role("button", name="签收"))

    # 1. an empty 倒排时间表 submit: a page with the errors next to the fields, not its source
    clerk.open(f"/measures/{mid}/timetable")
    add = clerk.page.locator("form[action$='/timetable']")
    add.locator("input").evaluate_all("els => els.forEach(e => e.removeAttribute('required'))")
    answer = post(clerk, add.get_by_role("button", name="添加"))
    assert answer.status == 422 and answer.headers["content-type"].startswith("text/html")
    expect(clerk.page.get_by_role("heading", name="倒排时间表")).to_be_visible()
    expect(clerk.page.locator(".field-error").first).to_contain_text("请填写节点日期")
    clerk.shot(f"item1-timetable-empty-{tag}-after", full_page=False)

    # 5. an error in a lower form: scrolled to, the address is the page's, "kept" only when something was typed
    clerk.measure(mid)
    ask = clerk.form("request_extension")
    ask.get_by_label("申请延期至").evaluate("e => e.removeAttribute('required')")
    ask.get_by_label("延期理由").fill("因市级系统对接推迟，需延期一个月。")
    assert post(clerk, ask.get_by_role("button", name="申请延期")).status == 422
    assert clerk.page.url == f"{site.url}/measures/{mid}#act-request_extension"  # a refresh does not resubmit
    ask = clerk.page.locator("#act-request_extension")
    expect(ask.get_by_label("申请延期至")).to_be_focused()
    expect(ask.get_by_label("申请延期至")).to_be_in_viewport()
    expect(ask.locator(".field-error")).to_be_visible()
    expect(ask.locator(".note")).to_contain_text("您刚才填写的内容已保留")
    expect(ask.get_by_label("延期理由")).to_have_value(re.compile("市级系统对接推迟"))
    clerk.shot(f"item5-error-below-{tag}-after", full_page=False)
    progress = clerk.form("update_progress")
    progress.get_by_label("进展情况").evaluate("e => e.removeAttribute('required')")
    post(clerk, progress.get_by_role("button", name="进展报送"))
    expect(clerk.page.locator("#act-update_progress .field-error")).to_be_visible()
    expect(clerk.page.locator("#act-update_progress .note")).to_have_count(0)  # nothing typed, nothing "kept"

    # 2. a 30 MB file: refused in the browser, naming the file and the limit; the typed text stays
    clerk.measure(mid)
    form = clerk.form("submit")
    form.get_by_role("textbox", name="完成情况").fill(PROGRESS)
    form.locator("input[type=file]").set_input_files(big)
    form.get_by_role("button", name="提交审签").click()
    refusal = form.locator("[id$='-files-size-error']")
    expect(refusal).to_contain_text("现场照片-原图.pdf")
    expect(refusal).to_contain_text(LIMIT)
    assert clerk.page.url.endswith(f"/measures/{mid}")  # nothing was sent
    expect(form.get_by_role("textbox", name="完成情况")).to_have_value(PROGRESS)
    clerk.shot(f"item2-upload-30mb-{tag}-after", full_page=False)
    # without the script: the server refuses, on the measure's own page, with the typed text back in the form
    plain = person("clerk", width, scripts=False)
    plain.measure(mid)
    form = plain.form("submit")
    form.get_by_role("textbox", name="完成情况").fill(PROGRESS)
    form.locator("input[type=file]").set_input_files(big)
    assert post(plain, form.get_by_role("button", name="提交审签")).status == 413
    expect(plain.page.get_by_text("20 MB 的大小限制").first).to_be_visible()
    expect(plain.page.locator("body")).to_contain_text(site.measure(mid).text[:20])
    form = plain.page.locator("#act-submit")
    expect(form.get_by_role("textbox", name="完成情况")).to_have_value(PROGRESS)
    expect(form.locator(".note")).to_contain_text("您刚才填写的内容已保留")
    plain.shot(f"item2-upload-30mb-noscript-{tag}-after", full_page=False)

    # 3. the session ends while typing: sign in again, back on the form with the text
    clerk.measure(mid)
    clerk.form("update_progress").get_by_label("进展情况").fill(PROGRESS)
    with write_session(site.rt.engine) as session:
        uid = session.exec(select(User.id).where(User.username == "clerk")).one()
        session.execute(update(WebSession).where(WebSession.user_id == uid)
                        .values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    post(clerk, clerk.page.locator("#act-update_progress").get_by_role("button", name="进展报送"))
    expect(clerk.page.get_by_role("alert")).to_contain_text("登录已过期")
    clerk.shot(f"item3-expired-session-{tag}-after", full_page=False)
    clerk.page.get_by_label("用户名").fill("clerk")
    clerk.page.get_by_label("密码").fill(PASSWORD)
    post(clerk, clerk.page.get_by_role("button", name="登录"))
    assert clerk.page.url == f"{site.url}/measures/{mid}#act-update_progress"
    expect(clerk.page.locator("#act-update_progress").get_by_label("进展情况")).to_have_value(PROGRESS)
    post(clerk, clerk.page.locator("#act-update_progress").get_by_role("button", name="进展报送"))
    expect(clerk.page.locator(".facts-card")).to_contain_text(PROGRESS)  # and it goes through

    # 4. a returned measure, as the clerk finds it
    clerk.measure(mid)
    clerk.shot(f"measure-{tag}-after")

    if width < 600:  # no page scrolls sideways on a small phone
        clerk.page.set_viewport_size({"width": 360, "height": 780})
        for path in ("/", "/ledger", f"/measures/{mid}", f"/measures/{mid}/timetable", "/overview", "/reports",
                     "/help", "/password"):
            clerk.open(path)
            assert no_sideways(clerk) <= 0, f"{path} scrolls sideways by {no_sideways(clerk)}px at 360 px"
        header = clerk.page.locator("header.top").bounding_box()
        assert header["height"] < 60, f"the header takes {header['height']}px on a phone"
