"""A problem's whole life on phone-sized windows, as four people: the clerk raises it on the measure page,
营商办 assigns 区财政局, 区财政局 finds it on its 工作台 and records what it did, 营商办 resolves it, the clerk
confirms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from engine.db import read_session, write_session
from tests.browser.conftest import MARKET, PASSWORD
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import Measure, MeasureUnit, Unit
from workflows.roles import STAFF

pytestmark = pytest.mark.browser
PHONE = 390
FINANCE = "区财政局"


def finance_clerk(site) -> str:
    """A 区财政局 clerk (the shared site has none); the same one on a second run."""
    with write_session(site.rt.engine) as session:
        if session.exec(select(User).where(User.username == "czclerk")).first() is None:
            accounts.add_user(session, "czclerk", STAFF, PASSWORD, site.rt.clock.now(), unit_name=FINANCE,
                              email="czclerk@wulong.example", display_name="财政局经办人")
    return "czclerk"


def spare_measure(site) -> int:
    """A 区市场监管局 measure no other browser test works on."""
    taken = set(site.ids.values())
    with read_session(site.rt.engine) as session:
        market = session.exec(select(Unit.id).where(Unit.name == MARKET)).one()
        ids = sorted(session.exec(select(MeasureUnit.measure_id).where(MeasureUnit.unit_id == market,
                                                                      MeasureUnit.position == 0)))
        return next(mid for mid in reversed(ids) if mid not in taken and session.get(Measure, mid))


def submit(who, form_id: str, button: str):
    with who.page.expect_navigation():
        who.page.locator(f"#{form_id}").get_by_role("button", name=button).click()


def fits_the_phone(who) -> None:
    overflow = who.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{who.page.url} is {overflow}px wider than a phone"


def test_clerk_raises_office_assigns_finance_acts_clerk_confirms(person, site):
    mid, helper = spare_measure(site), finance_clerk(site)
    text = "市政接入需要区财政局共享缴费数据，请协调。"

    clerk = person("clerk", width=PHONE)
    clerk.measure(mid)
    raise_form = clerk.page.locator("#act-raise")
    raise_form.get_by_label("问题描述").fill(text)
    raise_form.get_by_label("问题层级").select_option("区级")
    raise_form.get_by_label("需协调的单位").fill(FINANCE)
    fits_the_phone(clerk)
    submit(clerk, "act-raise", "提出问题")
    expect(clerk.page.get_by_role("status")).to_contain_text("已提出问题")
    expect(clerk.page.locator(".facts-card")).to_contain_text("待受理")
    problem_url = clerk.page.url.split("?")[0]

    office = person("office", width=PHONE)
    office.open("/")
    office.page.locator(".task", has_text=text[:12]).get_by_role("link", name="去办理").click()
    accept = office.page.locator("#act-accept")
    accept.get_by_label("协调单位").fill(FINANCE)
    accept.get_by_label("办理时限").fill("2022-07-15")
    fits_the_phone(office)
    submit(office, "act-accept", "受理并交办")
    expect(office.page.locator(".facts-card")).to_contain_text("协调中")
    expect(office.page.locator(".facts-card")).to_contain_text("2022年7月15日")

    finance = person(helper, width=PHONE)
    finance.open("/")
    finance.page.locator(".task", has_text=text[:12]).get_by_role("link", name="去办理").click()
    finance.page.locator("#act-record_action").get_by_label("办理情况").fill("已开放缴费数据接口。")
    submit(finance, "act-record_action", "报告办理情况")
    expect(finance.page.locator(".timeline")).to_contain_text("已开放缴费数据接口。")
    expect(finance.page.locator(".timeline")).to_contain_text("财政局经办人")

    office.page.goto(problem_url)
    office.page.locator("#act-resolve").get_by_label("解决情况").fill("数据已共享。")
    submit(office, "act-resolve", "标记已解决")
    expect(office.page.locator(".facts-card")).to_contain_text("已解决待确认")

    clerk.open("/")
    clerk.page.locator(".task", has_text=text[:12]).get_by_role("link", name="去办理").click()
    submit(clerk, "act-confirm", "确认解决")
    expect(clerk.page.locator(".facts-card")).to_contain_text("已关闭")
    fits_the_phone(clerk)
    clerk.shot("problem-closed-phone")
    clerk.measure(mid)
    expect(clerk.page.locator("#problems")).to_contain_text("已关闭")
    office.measure(mid)
    expect(office.page.locator("#act-instruct")).to_be_visible()  # 营商办 may enter a 批示 for a leader
    fits_the_phone(office)
    office.shot("supervision-panels-phone")
    for path in ("/problems", "/documents", "/cockpit", "/urge"):  # the other supervision pages fit a phone too
        assert office.open(path).status == 200
        fits_the_phone(office)
    office.open("/cockpit")
    office.shot("cockpit-phone", full_page=False)
