"""On a phone (390 px) the report and list tables become labelled cards (CSS only) and 督查考核 keeps unit names on
one line; on a desktop they stay tables. With script, 标记完成 asks once in the browser and is done (no second
step); the timetable's node can then be undone. Refreshes the screenshots of the pages this round changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from engine.db import read_session
from tests.browser.conftest import GOV
from workflows.lights import local_day
from workflows.models import Measure, MeasureUnit, Milestone, Unit

PHONE, DESKTOP = 390, 1366


def sideways(who) -> int:
    return who.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def row_display(who, selector: str) -> str:
    return who.page.locator(selector).first.evaluate("el => getComputedStyle(el).display")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_tables_become_cards_on_a_phone_and_unit_names_stay_whole(person, site, width):
    office = person("office", width)
    suffix = "phone" if width < 600 else "desktop"
    office.open("/reports/assessment?year=2022")
    name = office.page.locator("table.scores td.unit-name").first
    expect(name).to_be_visible()
    one_line = name.locator("a").evaluate("a => a.getClientRects().length")  # one box per line it spans
    assert one_line == 1, "a unit's name is not broken over lines"
    if width < 600:
        assert row_display(office, "table.scores > tbody > tr") == "block"
        assert name.bounding_box()["width"] > 200  # the card's title, not a column one character wide
        label = office.page.locator("table.scores td[data-label='总分']").first
        assert "总分" in label.evaluate("el => getComputedStyle(el, '::before').content")
        assert sideways(office) <= 0
    else:
        assert row_display(office, "table.scores > tbody > tr") == "table-row"
    office.shot(f"assessment-{suffix}", full_page=False)
    office.open("/reports/monthly?month=2022-06")
    assert row_display(office, "table.cards > tbody > tr") == ("block" if width < 600 else "table-row")
    assert sideways(office) <= 0
    office.open("/")
    expect(office.page.locator("#next-step")).to_contain_text("下一步：")
    office.shot(f"workbench-office-{suffix}", full_page=False)
    office.open("/overview")
    assert sideways(office) <= 0
    office.shot(f"overview-{suffix}", full_page=False)
    office.open("/help")
    expect(office.page.locator("#for-clerk")).to_contain_text("倒排时间表")
    assert sideways(office) <= 0
    office.shot(f"help-{suffix}", full_page=False)


def open_gov_measure(site) -> int:
    """A 区政务办 measure with time left before its deadline and no nodes yet (the other tests leave it alone)."""
    today = local_day(site.rt.clock.now())
    with read_session(site.rt.engine) as session:
        gov = session.exec(select(Unit.id).where(Unit.name == GOV)).one()
        ids = [link.measure_id for link in session.exec(select(MeasureUnit).where(MeasureUnit.unit_id == gov,
                                                                                   MeasureUnit.position == 0))]
        planned = set(session.exec(select(Milestone.measure_id)))
        found = [m.id for m in session.exec(select(Measure).where(Measure.id.in_(ids)).order_by(Measure.id.desc()))
                 if m.due_date and m.due_date > today + timedelta(days=10) and m.id not in planned
                 and m.id != site.ids["gov"]]
    assert found, "the Wulong ledger has 区政务办 measures due later in 2022"
    return found[0]


def test_mark_done_asks_in_the_browser_once_then_can_be_undone(person, site):
    measure = open_gov_measure(site)
    clerk = person("clerk2")
    clerk.open(f"/measures/{measure}/timetable")
    day = local_day(site.rt.clock.now()) + timedelta(days=3)
    clerk.page.locator("#d").fill(day.isoformat())
    clerk.page.locator("#t").fill("召开专题推进会")
    clerk.page.get_by_role("button", name="添加").click()
    expect(clerk.page.locator("main")).to_contain_text("召开专题推进会")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    clerk.page.once("dialog", answer)
    clerk.page.get_by_role("button", name="标记完成").click()
    expect(clerk.page.locator(".alert-ok")).to_contain_text("已标记完成")
    assert asked == ["确认将该节点标记为已完成？"]  # asked once, by the browser; no second page
    clerk.shot("timetable-done-desktop", full_page=False)
    phone = person("clerk2", PHONE)
    phone.open(f"/measures/{measure}/timetable")
    assert row_display(phone, "table.cards > tbody > tr") == "block" and sideways(phone) <= 0
    phone.shot("timetable-phone", full_page=False)
    clerk.page.get_by_role("button", name="撤销（恢复为待完成）").click()
    expect(clerk.page.locator(".alert-ok")).to_contain_text("已撤销完成")
    with read_session(site.rt.engine) as session:
        (node,) = session.exec(select(Milestone).where(Milestone.measure_id == measure)).all()
        assert node.done_at is None
