"""Two people on the same measure: whoever submits second is told plainly that someone acted first,
and nothing they typed is lost (the form comes back filled, at the new version, or the text is shown)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STALE = "此举措已被他人更新"


def submit(who, action: str, button: str):
    with who.page.expect_navigation() as nav:
        who.form(action).get_by_role("button", name=button).click()
    return nav.value


def test_a_return_after_someone_approved_is_refused_and_the_reasons_are_shown_back(person, site):
    mid = site.ids["stale_review"]  # declared done in the plan: waiting for 督查办
    first, second = person("reviewer"), person("reviewer2")
    first.measure(mid)
    second.measure(mid)
    reasons = "请补充该举措在方案印发前已完成的证明文件。"
    first.form("return").get_by_label("退回理由").fill(reasons)

    submit(second, "approve", "核验通过")
    expect(second.page.locator(".facts-card")).to_contain_text("已核验")

    response = submit(first, "return", "退回")
    assert response.status == 409
    expect(first.page.get_by_role("alert")).to_contain_text(STALE)
    expect(first.page.get_by_role("alert")).to_contain_text("督查办核验员二")
    lost = first.page.locator(".lost")
    expect(lost).to_contain_text("退回理由")
    expect(lost).to_contain_text(reasons)
    expect(first.page.locator(".facts-card")).to_contain_text("已核验")
    assert site.measure(mid).state == "verified"


def test_a_stale_progress_report_comes_back_filled_and_goes_through_when_sent_again(person, site):
    mid = site.ids["stale_progress"]
    clerk, head = person("clerk"), person("head")
    clerk.measure(mid)
    submit(clerk, "start", "签收")
    head.measure(mid)
    mine = "已完成 3 个乡镇的摸底调查，正在起草实施细则。"
    head.form("update_progress").get_by_label("进展情况").fill(mine)
    head.form("update_progress").get_by_label("完成百分比").fill("40")

    clerk.form("update_progress").get_by_label("进展情况").fill("已召开专题会议部署。")
    submit(clerk, "update_progress", "进展报送")
    version_now = site.measure(mid).version

    response = submit(head, "update_progress", "进展报送")
    assert response.status == 409
    expect(head.page.get_by_role("alert")).to_contain_text(STALE)
    form = head.form("update_progress")
    expect(form.get_by_label("进展情况")).to_have_value(mine)
    expect(form.get_by_label("完成百分比")).to_have_value("40")
    expect(form.locator("input[name=version]")).to_have_value(str(version_now))

    submit(head, "update_progress", "进展报送")
    expect(head.page.get_by_role("status")).to_contain_text("已完成“进展报送”")
    expect(head.page.locator(".facts-card")).to_contain_text(mine)
    timeline = head.page.locator(".timeline")
    expect(timeline).to_contain_text("已召开专题会议部署。")
    expect(timeline).to_contain_text(mine)
