"""Forms without the CSRF token are refused (403); a unit cannot see, act on, or download another unit's measure."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_form_post_without_the_csrf_token_is_refused(person, site):
    mid = site.ids["csrf"]
    clerk = person("clerk")
    clerk.measure(mid)
    version = clerk.form("start").locator("input[name=version]").input_value()
    url = f"{site.url}/measures/{mid}/actions/start"

    missing = clerk.page.request.post(url, form={"version": version})
    assert missing.status == 403
    assert "页面已过期" in missing.text()
    forged = clerk.page.request.post(url, form={"version": version, "_csrf_token": "forged-token"})
    assert forged.status == 403
    assert site.measure(mid).state == "assigned"

    cookies = {c["name"]: c for c in clerk.context.cookies()}
    assert cookies["reform_session"]["httpOnly"] and cookies["reform_session"]["sameSite"] == "Lax"

    token = clerk.form("start").locator("input[name=_csrf_token]").input_value()
    allowed = clerk.page.request.post(url, form={"version": version, "_csrf_token": token}, max_redirects=0)
    assert allowed.status == 303  # the same post with the token goes through
    assert site.measure(mid).state == "in_progress"


def test_another_units_measure_cannot_be_opened_acted_on_or_downloaded(person, site, evidence_files):
    mid = site.ids["other_unit"]
    clerk = person("clerk")
    clerk.measure(mid)
    clerk.page.locator("#upload-files").set_input_files(evidence_files["png"])
    with clerk.page.expect_navigation():
        clerk.page.get_by_role("button", name="上传", exact=True).click()
    expect(clerk.page.get_by_role("status")).to_contain_text("佐证材料已上传")
    href = clerk.page.locator("#evidence a", has_text="现场照片.png").get_attribute("href")

    other = person("clerk2")
    response = other.measure(mid)
    assert response.status == 403
    expect(other.page.get_by_role("alert")).to_contain_text("不是您所在单位承担的举措")  # said plainly

    other.measure(site.ids["gov"])  # a page of their own, for a valid CSRF token
    token = other.page.locator("input[name=_csrf_token]").first.input_value()
    acted = other.page.request.post(f"{site.url}/measures/{mid}/actions/start",
                                    form={"version": str(site.measure(mid).version), "_csrf_token": token})
    assert acted.status == 403
    assert site.measure(mid).state == "assigned"
    assert other.page.request.get(site.url + href).status == 403

    text = site.measure(mid).text[:12]
    other.open(f"/ledger?q={text}")
    expect(other.page.locator("main")).to_contain_text("没有符合条件的举措")
