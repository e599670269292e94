"""管理 on a phone (390 px): the units' and users' tables become labelled cards whose forms fit the screen, a unit's
head is changed there, and 操作记录 shows that change, newest first, without scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_phone_cards_and_timetable import DESKTOP, PHONE, sideways
from tests.browser.test_phone_cards_and_timetable import row_display as display


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_admin_changes_a_head_on_a_phone_and_reads_it_in_the_trail(person, site, width):
    admin = person("admin", width)
    suffix = "phone" if width < 600 else "desktop"
    admin.open("/admin/users")
    assert display(admin, "table.admin-cards > tbody > tr") == ("block" if width < 600 else "table-row")
    assert sideways(admin) <= 0
    admin.open("/admin/units")
    assert display(admin, "table.admin-cards > tbody > tr") == ("block" if width < 600 else "table-row")
    assert sideways(admin) <= 0
    row = admin.page.locator("table.admin-cards > tbody > tr", has_text="区市场监管局").first
    if width < 600:
        label = row.locator("td[data-label='主要负责人与邮箱']")
        assert "主要负责人与邮箱" in label.evaluate("el => getComputedStyle(el, '::before').content")
        box = row.locator("input[name=head_email]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the field is on the screen, whole
    row.locator("input[name=head_name]").fill(f"张局长{suffix}")
    row.locator("td[data-label='主要负责人与邮箱'] button", has_text="保存").click()
    expect(admin.page.locator(".alert-ok")).to_contain_text("单位信息已保存")
    admin.open("/admin/audit")
    first = admin.page.locator("ol.trail > li").first
    expect(first).to_contain_text("修改主要负责人")
    expect(first).to_contain_text(f"→ 张局长{suffix}")
    expect(first).to_contain_text("系统管理员（admin）")
    assert sideways(admin) <= 0
    admin.shot(f"admin-audit-{suffix}", full_page=False)
