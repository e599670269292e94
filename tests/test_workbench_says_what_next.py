"""The workbench opens with one line: what this person must do next, on which measure, and by when; the most
urgent task comes first (returned work, then the most overdue), for a clerk, a reviewer and the office."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.web_support import as_user
from tests.world import bj, build, june_scenario
from web.app import create_app
from web.sessions import CSRF_COOKIE
from workflows.problems.table import PROBLEM


@pytest.fixture
def site(rt):
    w = june_scenario(rt)
    w.act(w.measures[3], "report", "zw", "2022-06-16 10:00")  # waits for 督查办 from Thursday 16 June
    rt.clock.set(bj("2022-06-20 09:00"))
    with TestClient(create_app(rt)) as c:
        yield c, w


def next_step(c, rt, user) -> str:
    as_user(c, rt, user)
    html = c.get("/").text
    found = re.search(r'<p class="next-step" id="next-step">(.*?)</p>', html, re.S)
    assert found, "the line is at the top of the workbench"
    assert html.index('id="next-step"') < html.index('class="summary"')
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_a_clerk_is_told_the_returned_measure_comes_first(site, rt):
    c, w = site
    line = next_step(c, rt, w.users["zw"])  # m4 was returned on 2 June and is past its 15 June deadline
    assert line.startswith("下一步：已退回，请补充后重新报送：“4. CA 推广应用”")
    assert "时间节点 2022年6月15日 已过（逾期 3 个工作日）" in line and "见下方列表" not in line


def test_an_overdue_unstarted_measure_says_how_late_it_is(site, rt):
    c, w = site
    line = next_step(c, rt, w.users["scjg"])  # m1, due 31 May, never signed for
    assert line.startswith("下一步：待签收：“2. 连锁门店变更”") and "2022年5月31日 已过" in line


def test_a_reviewer_is_told_how_long_the_report_has_waited_and_the_limit(site, rt):
    c, w = site
    line = next_step(c, rt, w.users["reviewer"])
    within = rt.config.ladder.review_within
    assert "待核验：“3. 招投标专项整治”" in line
    assert f"报送已等待 2 个工作日，应在报送后 {within} 个工作日内核验" in line


def test_the_office_is_told_what_waits_for_evaluation(site, rt):
    c, w = site
    line = next_step(c, rt, w.users["office"])
    assert line.startswith("下一步：待评估：") and "核验通过" in line and re.search(r"另有 \d+ 项待办", line)


def test_without_measure_work_the_line_names_the_problem_to_act_on(rt):
    w = build(rt)  # the office has nothing to evaluate here; a clerk's problem waits for it
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, w.users["clerk"])
        c.get("/")
        mid = w.measures[0]
        raised = c.post(f"/measures/{mid}/problems/raise", follow_redirects=False,
                        data={"text": "市政接入需区财政局共享数据", "level": "区级", "needs": "区财政局",
                              "_csrf_token": c.cookies.get(CSRF_COOKIE)})
        assert raised.status_code == 303, raised.text[:300]
        office_line = next_step(c, rt, w.users["office"])
    todo = "、".join(PROBLEM.action_label(a.name) for a in PROBLEM.actions if PROBLEM.initial[0] in a.source)
    assert office_line.startswith(f"下一步：{todo}：“") and "见下方列表" not in office_line


def test_a_leader_with_nothing_to_answer_is_pointed_at_the_cockpit_not_at_administration(rt):
    w = build(rt)
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, w.users["leader"])
        leader = c.get("/").text
        as_user(c, rt, w.users["admin"])
        admin = c.get("/").text
    assert "系统管理" not in leader and 'href="/admin"' not in leader
    assert '<a href="/cockpit">' in leader and '<a href="/ledger?light=red">' in leader
    assert "<h2>系统管理</h2>" in admin and '<a href="/admin">' in admin
