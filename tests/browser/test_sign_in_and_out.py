"""Signing in (with throttling), signing out and changing the password, in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.db import write_session
from tests.browser.conftest import PASSWORD
from workflows import accounts

pytestmark = pytest.mark.browser


def make_user(site, username: str) -> None:
    with write_session(site.rt.engine) as session:
        accounts.add_user(session, username, "unit_staff", PASSWORD, site.rt.clock.now(), unit_name="区政务办",
                          display_name=username)


def sign_in(page, site, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_anonymous_visits_go_to_the_login_and_come_back_after_it(browser, site):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site.url}/ledger?state=assigned")
    assert page.url.startswith(f"{site.url}/login?next=/ledger")
    sign_in(page, site, "clerk", PASSWORD)
    assert page.url == f"{site.url}/ledger"
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{site.url}/login")
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/login")
    context.close()


def test_repeated_wrong_passwords_lock_the_account_without_saying_so(browser, site):
    make_user(site, "locked-out")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site.url}/login")
    sign_in(page, site, "locked-out", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("locked-out")
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        sign_in(page, site, "locked-out", "wrong-password")
    sign_in(page, site, "locked-out", PASSWORD)  # even the right password is refused while locked,
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")  # in the words any failure gets
    assert "/login" in page.url
    context.close()


def test_a_password_change_keeps_this_browser_signed_in(browser, site):
    make_user(site, "changer")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site.url}/login")
    sign_in(page, site, "changer", PASSWORD)
    page.goto(f"{site.url}/password")
    page.locator("#old").fill(PASSWORD)
    page.locator("#new").fill("short")
    page.locator("#confirm").fill("different")
    page.locator("#new").evaluate("el => el.removeAttribute('minlength')")
    page.locator("#confirm").evaluate("el => el.removeAttribute('minlength')")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("alert")).to_contain_text("两次输入的新密码不一致")
    page.locator("#old").fill(PASSWORD)
    page.locator("#new").fill("a-new-horse-2")
    page.locator("#confirm").fill("a-new-horse-2")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("status")).to_contain_text("密码已修改")
    page.goto(f"{site.url}/")
    assert page.url == f"{site.url}/"
    other = browser.new_context(locale="zh-CN").new_page()
    other.goto(f"{site.url}/login")
    sign_in(other, site, "changer", "a-new-horse-2")
    assert other.url == f"{site.url}/"
    other.context.close()
    context.close()
