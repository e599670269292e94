"""The other forms generated from the table: an extension asked for and approved (the deadline moves),
and a poorly rated measure sent back for adjustment (it cannot be replicated)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from engine.db import read_session, write_session
from tests.browser.conftest import pdf_bytes
from web.files import receive_evidence
from workflows import accounts
from workflows.access import Access
from workflows.models import Measure

pytestmark = pytest.mark.browser


def submit(who, action: str, button: str):
    with who.page.expect_navigation() as nav:
        who.form(action).get_by_role("button", name=button).click()
    return nav.value


def fire(site, measure_id: int, action: str, username: str, **fields) -> None:
    """Move a measure on through the engine's service, as `username` (set-up, not what is tested)."""
    rt = site.rt
    with read_session(rt.engine) as session:
        actor = accounts.actor_for(accounts.get_user(session, username))
    with write_session(rt.engine) as session:
        row = session.get(Measure, measure_id)
        rt.measures.workflow.fire(session, row, action, actor, {"comment": f"{action} 测试", **fields}, row.version)


def test_an_extension_is_requested_then_approved_and_the_deadline_moves(person, site):
    mid = site.ids["extension"]
    clerk = person("clerk")
    clerk.measure(mid)
    submit(clerk, "start", "签收")
    ask = clerk.form("request_extension")
    ask.get_by_label("申请延期至").fill("2022-09-30")
    ask.get_by_label("延期理由").fill("需等待市级系统对接完成。")
    submit(clerk, "request_extension", "申请延期")
    expect(clerk.page.locator(".facts-card")).to_contain_text("申请延至 2022年9月30日")
    assert clerk.form("submit").count() == 0  # no report while an extension waits for a decision

    reviewer = person("reviewer")
    reviewer.open("/")
    expect(reviewer.page.locator(".task", has_text="申请延至 2022年9月30日")).to_contain_text("需等待市级系统对接完成")
    reviewer.measure(mid)
    decide = reviewer.form("decide_extension")
    decide.get_by_label("同意", exact=True).check()
    decide.get_by_label("审批意见").fill("同意延期至 9 月底。")
    submit(reviewer, "decide_extension", "审批延期")
    facts = reviewer.page.locator(".facts-card")
    expect(facts).to_contain_text("2022年9月30日")
    expect(facts).not_to_contain_text("待审批")
    expect(reviewer.page.locator(".timeline li").last).to_contain_text("是否同意")
    expect(reviewer.page.locator(".timeline li").last).to_contain_text("同意")


def test_a_poorly_rated_measure_is_adjusted_not_replicated(person, site):
    mid = site.ids["adjust"]
    fire(site, mid, "start", "clerk")
    with read_session(site.rt.engine) as session:
        clerk = accounts.actor_for(accounts.get_user(session, "clerk"))
    item = receive_evidence(site.rt, Access(clerk), mid, "报告.pdf", io.BytesIO(pdf_bytes("x")))
    fire(site, mid, "report", "head", evidence=[item.id])  # the head reports directly (no sign-off step)
    fire(site, mid, "approve", "reviewer")
    fire(site, mid, "evaluate", "office", rating="差", satisfaction=45)

    office = person("office")
    office.measure(mid)
    assert office.form("replicate").count() == 0
    adjust = office.form("adjust")
    adjust.get_by_label("调整理由").fill("市场主体满意度低，需优化办理流程。")
    adjust.get_by_label("新的时间节点").fill("2022-10-31")
    submit(office, "adjust", "调整优化")
    facts = office.page.locator(".facts-card")
    expect(facts).to_contain_text("推进中")
    expect(facts).to_contain_text("2022年10月31日")
