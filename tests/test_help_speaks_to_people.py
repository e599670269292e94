"""帮助 is written for clerks, heads, reviewers, offices and leaders: what to do, by when, what happens next, with
the reminder ladder from the configuration and the flow drawn in Chinese; no file paths or code names."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.web_support import as_user
from tests.world import build
from web.app import create_app
from workflows.milestones.table import MILESTONE
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def help_text(rt, who: str = "clerk") -> tuple[str, str]:
    world = build(rt)
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, world.users[who])
        resp = c.get("/help")
    assert resp.status_code == 200
    main = resp.text.split("<main", 1)[1]  # the header names the person signed in (here by a login-like name)
    return main, visible(main)


def test_each_kind_of_person_finds_what_to_do_and_by_when(rt):
    html, text = help_text(rt)
    for anchor, who in (("clerk", "单位经办人"), ("head", "单位负责人"), ("reviewer", "督查办"), ("office", "营商办"),
                        ("leader", "区领导")):
        assert f'id="for-{anchor}"' in html and f'href="#for-{anchor}">{who}</a>' in html
    ladder = rt.config.ladder
    assert f"请在报送后 {ladder.review_within} 个工作日内核验" in text
    assert f"离时间节点不到 {ladder.due_soon_within} 个工作日" in text
    for level in ladder.levels:  # every rung of the configured ladder, in words
        assert (level.title or level.label) in text
    first = ladder.levels[0]
    assert f"时间节点前 {-first.offset} 个工作日 {first.title or first.label}" in text
    for act in REFORM_MEASURE.actions:  # every action by its Chinese label
        assert act.title in text


def test_no_developer_internals_on_the_help_page(rt):
    html, text = help_text(rt, "office")
    assert "workflows/" not in html and ".py" not in text and "stateDiagram" not in text and "Mermaid" not in text
    codes = {*REFORM_MEASURE.state_names, *(a.name for a in REFORM_MEASURE.actions), *ORG.names,
             *MILESTONE.state_names}
    shown = {w for w in re.findall(r"[A-Za-z_]{3,}", text)} & codes
    assert shown == set()
    diagram = visible(html.split('<figure class="diagram">')[1].split("</figure>")[0])
    for state in REFORM_MEASURE.states:
        assert state.label in diagram
    assert not re.search(r"[a-z]{3,}", diagram), diagram
