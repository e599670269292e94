"""总览's unit chart draws the lead units with the most measures and says how many more there are, so a city's
ledger of hundreds of units stays a page a phone can show; the counts behind it stay whole."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.web_support import as_user
from tests.world import bj, people
from web.app import create_app
from web.ui import overview_data
from web.ui.overview_data import overview
from workflows.access import access_for
from workflows.accounts import actor_for
from workflows.roles import OFFICE

BAR_LABEL = re.compile(r'<text x="\d+" y="\d+" text-anchor="end" font-size="12"><title>([^<]+)</title>')


def test_the_unit_chart_shows_the_biggest_units_and_counts_the_rest(rt, ledger, monkeypatch):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    with rt.read() as session:
        every = overview(rt, session, access_for(actor_for(office)), rt.clock.now()).by_unit
    shown = 5
    assert len(every) > shown + 1, "the Wulong ledger has more lead units than the chart will show"
    monkeypatch.setattr(overview_data, "UNITS_CHARTED", shown)
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, office)
        html = c.get("/overview").text
    chart = html[html.index("<h2>按主办单位</h2>"):html.index("<h2>逾期举措")]
    assert BAR_LABEL.findall(chart) == [unit for unit, _ in every[:shown]], "the units with most measures, in order"
    left = every[shown:]
    note = f"另有 {len(left)} 个单位（共 {sum(sum(n.values()) for _, n in left)} 项举措）未列出"
    assert note in chart
    assert 'href="/ledger"' in chart


def test_a_ledger_within_the_chart_has_no_note(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    office = people(rt, {"boss": (OFFICE, None)})["boss"]
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, office)
        html = c.get("/overview").text
    chart = html[html.index("<h2>按主办单位</h2>"):html.index("<h2>逾期举措")]
    with rt.read() as session:
        every = overview(rt, session, access_for(actor_for(office)), rt.clock.now()).by_unit
    assert len(every) <= overview_data.UNITS_CHARTED
    assert len(BAR_LABEL.findall(chart)) == len(every) and "未列出" not in chart
