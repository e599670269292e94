"""A measure's whole life in a real browser, on a phone-sized window (390×844): the clerk starts it, uploads
evidence and submits it; the unit head signs it off (待审签 → 已报送); the reviewer returns it with reasons, the
clerk sees them where they act and reports again with the earlier files offered; the head signs again, the
reviewer approves; the office evaluates (a bad score first: the form comes back with everything kept) and
replicates."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REASONS = "佐证材料缺少现场照片的说明，请补充经营场所备案的办理数量。"
PHONE = 390


def submit(who, action: str, button: str):
    """Click the form's button and return the HTTP response of the page that comes back."""
    with who.page.expect_navigation() as nav:
        who.form(action).get_by_role("button", name=button).click()
    return nav.value


def test_clerk_reviewer_office_take_a_measure_from_assigned_to_replicated(person, site, evidence_files):
    mid = site.ids["lifecycle"]
    measure_text = site.measure(mid).text

    clerk = person("clerk", PHONE)
    clerk.measure(mid)
    expect(clerk.page.locator(".facts-card")).to_contain_text("已交办")
    expect(clerk.page.locator(".next-step")).to_contain_text("先“签收”")
    submit(clerk, "start", "签收")
    expect(clerk.page.get_by_role("status").filter(has_text="已完成")).to_contain_text("已完成“签收”")
    expect(clerk.page.locator(".facts-card")).to_contain_text("推进中")
    expect(clerk.page.locator(".next-step")).to_contain_text("“提交审签”（提交单位负责人审签）")
    assert clerk.page.locator("#act > form.action-form").get_attribute("id") == "act-submit"  # the one primary
    assert clerk.form("report").count() == 0  # the clerk's report goes through the head

    report = clerk.form("submit")
    report.get_by_label("完成情况").fill("已建立经营场所备案制度，累计办理备案 12 户。")
    report.locator("input[type=file]").set_input_files([evidence_files["pdf"], evidence_files["png"]])
    submit(clerk, "submit", "提交审签")
    expect(clerk.page.locator(".facts-card")).to_contain_text("待审签")
    expect(clerk.page.locator(".next-step")).to_contain_text("等待单位负责人审签")
    assert clerk.page.locator("#act .action-form").count() == 0  # nothing left for the clerk now

    head = person("head", PHONE)
    head.measure(mid)
    expect(head.page.locator(".next-step")).to_contain_text("请您审签")
    expect(head.page.locator("#evidence .round").first).to_contain_text("完成情况报告.pdf")
    submit(head, "sign_off", "审签报送")
    expect(head.page.locator(".facts-card")).to_contain_text("已报送（待核验）")

    reviewer = person("reviewer", PHONE)
    reviewer.open("/")
    waiting = reviewer.page.locator(".task", has_text=measure_text[:20])
    expect(waiting).to_contain_text("待核验")
    expect(waiting).to_contain_text("已等待 0 个工作日")
    waiting.get_by_role("link", name="去办理").click()
    expect(reviewer.page.locator(".next-step")).to_contain_text("请核验")
    expect(reviewer.form("approve")).to_be_visible()
    reviewer.form("return").get_by_label("退回理由").fill(REASONS)
    submit(reviewer, "return", "退回")
    expect(reviewer.page.locator(".facts-card")).to_contain_text("推进中")
    expect(reviewer.page.locator(".timeline")).to_contain_text(REASONS)

    clerk.open("/")
    returned = clerk.page.locator(".task").first  # returned work comes first
    expect(returned.locator(".badge-returned")).to_have_text("已退回")
    expect(returned).to_contain_text(REASONS)
    expect(returned).to_contain_text(measure_text[:20])
    clerk.shot("workbench", full_page=False)

    clerk.measure(mid)  # the reasons where the clerk acts, the old 报送时间 gone, earlier files offered
    expect(clerk.page.locator("#returned")).to_contain_text(REASONS)
    expect(clerk.page.locator("#returned")).to_contain_text("督查办核验员")
    expect(clerk.page.locator(".next-step")).to_contain_text("已被退回")
    expect(clerk.page.locator(".facts-card")).not_to_contain_text("报送时间")
    clerk.shot("item4-returned-phone-after", full_page=False)
    again = clerk.form("submit")
    offered = again.locator("label.choice", has_text="完成情况报告.pdf")
    expect(offered).to_contain_text("上一批已报送")
    expect(offered.locator("input")).to_be_checked()
    again.get_by_role("textbox", name="完成情况").fill("已补充现场照片说明：累计办理备案 12 户，涉及 3 个乡镇。")
    again.locator("input[type=file]").set_input_files(evidence_files["pdf2"])
    submit(clerk, "submit", "提交审签")
    expect(clerk.page.locator(".facts-card")).to_contain_text("待审签")
    expect(clerk.page.locator("#returned")).to_have_count(0)

    head.measure(mid)
    submit(head, "sign_off", "审签报送")
    rounds = head.page.locator("#evidence .round")
    expect(rounds).to_have_count(2)  # newest first: 第 2 批 carries the old files and the new one
    expect(rounds.nth(0)).to_contain_text("第 2 批")
    for name in ("完成情况报告.pdf", "现场照片.png", "补充说明.pdf"):
        expect(rounds.nth(0)).to_contain_text(name)
    expect(rounds.nth(0).locator("li", has_text="完成情况报告.pdf")).to_have_count(1)  # never listed twice
    expect(rounds.nth(1)).to_contain_text("第 1 批")
    expect(rounds.nth(1).locator(".reasons")).to_contain_text(REASONS)

    reviewer.measure(mid)
    reviewer.form("approve").get_by_label("意见").fill("材料齐全，同意。")
    submit(reviewer, "approve", "核验通过")
    expect(reviewer.page.locator(".facts-card")).to_contain_text("已核验")
    overflow = reviewer.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the measure page is {overflow}px wider than the phone"

    office = person("office")
    office.open("/")
    expect(office.page.locator(".task", has_text=measure_text[:20])).to_contain_text("待评估")
    office.measure(mid)
    evaluate = office.form("evaluate")
    evaluate.get_by_label("评估等级").select_option("好")
    satisfaction = evaluate.get_by_label("市场主体满意度")
    satisfaction.evaluate("el => el.removeAttribute('max')")  # let the server refuse it
    satisfaction.fill("150")
    evaluate.get_by_label("典型案例", exact=True).check()
    evaluate.get_by_label("典型案例说明").fill("“一照多址”改革入选全市优化营商环境典型案例。")
    response = submit(office, "evaluate", "评估")
    assert response.status == 422
    evaluate = office.form("evaluate")
    expect(evaluate).to_contain_text("应在 0 到 100 之间")
    expect(evaluate.get_by_label("评估等级")).to_have_value("好")  # what was typed is all still there
    expect(evaluate.get_by_label("典型案例", exact=True)).to_be_checked()
    expect(evaluate.get_by_label("典型案例说明")).to_have_value(re.compile("入选全市"))
    evaluate.get_by_label("市场主体满意度").fill("92")
    submit(office, "evaluate", "评估")
    expect(office.page.locator(".facts-card")).to_contain_text("已评估")

    replicate = office.form("replicate")
    replicate.get_by_label("推广范围").fill("全区")
    replicate.get_by_label("推广说明").fill("在全区市场主体登记中推行经营场所备案。")
    submit(office, "replicate", "复制推广")
    expect(office.page.locator(".facts-card")).to_contain_text("已复制推广")
    expect(office.page.locator("#act")).to_contain_text("没有需要对此举措办理的操作")

    timeline = office.page.locator(".timeline > li")
    expect(timeline).to_have_count(10)  # import, start, submit, sign_off, return, submit, sign_off, approve,
    # evaluate, replicate
    expect(office.page.locator(".timeline .tl-return")).to_contain_text(REASONS)
    expect(office.page.locator(".timeline")).to_contain_text("市场监管局经办人")
    office.shot("measure")

    link = office.page.locator("#evidence a", has_text="完成情况报告.pdf").first  # the latest round
    download = office.page.request.get(site.url + link.get_attribute("href"))
    assert download.status == 200
    assert download.body() == evidence_files["pdf"].read_bytes()

    office.page.emulate_media(media="print")  # the printed record: no navigation, no forms
    expect(office.page.locator("header.top")).to_be_hidden()
    expect(office.page.locator(".timeline")).to_be_visible()
