"""The 月调度 puts open problems (by unit and age) and unanswered 批示 before the leaders: in its JSON, its
workbook, its Word 通报 and its page, each as it stood at the month's cut-off, a unit's report only its own."""

from __future__ import annotations

import io

import chinese_calendar
from litestar.testing import TestClient
from openpyxl import load_workbook

from tests.docx_support import open_docx, squash, texts
from tests.test_supervision_tools import PROBLEM_BODY, act, raise_problem
from tests.web_support import as_user
from tests.world import bj, build, client
from web.app import create_app
from workflows.documents.text import cn_date


def workdays_after(first, last) -> int:
    """Working days in (first, last], as the report counts a problem's age."""
    return sum(1 for d in chinese_calendar.get_workdays(first, last) if d != first)


def month(c, world, who: str, fmt: str | None = None, **params):
    query = {"month": "2022-06", **params, **({"format": fmt} if fmt else {})}
    return c.get("/api/reports/monthly", params=query, headers=world.auth(who))


def test_open_problems_and_unanswered_instructions_are_listed_as_at_the_cutoff(rt):
    world = build(rt)
    mid, other = world.measures[0], world.measures[2]  # 区市场监管局's; 区财政局's
    with client(rt) as c:
        rt.clock.set(bj("2022-06-06 10:00"))
        stuck = raise_problem(c, world, mid)
        accepted = act(c, world, stuck["id"], "accept", "office", units="区财政局", due_date="2022-07-15")
        assert accepted.status_code == 200
        done = raise_problem(c, world, mid)
        act(c, world, done["id"], "refer", "office", to="推进会议")
        act(c, world, done["id"], "resolve", "office", comment="已研究解决")
        assert act(c, world, done["id"], "confirm", "clerk", comment="确认").json()["state"] == "closed"
        theirs = c.post("/api/problems", json=PROBLEM_BODY | {"measure_id": other, "text": "财政局自己的问题"},
                        headers=world.auth("cz")).json()
        waiting = c.post(f"/api/measures/{mid}/instructions", json={"text": "请于月底前拿出方案"},
                         headers=world.auth("leader")).json()
        answered = c.post(f"/api/measures/{mid}/instructions", json={"text": "请抓紧"},
                          headers=world.auth("leader")).json()
        assert c.post(f"/api/instructions/{answered['id']}/reply", json={"text": "已部署"},
                      headers=world.auth("clerk")).status_code == 200
        rt.clock.set(bj("2022-07-04 09:00"))  # after the month: the problem raised after it is not in June's
        late = raise_problem(c, world, mid)
        body = month(c, world, "office").json()
        mine = month(c, world, "clerk").json()
        xlsx = month(c, world, "office", "xlsx").content
        docx = month(c, world, "office", "docx").content

    waiting_day = bj("2022-06-06 10:00").date()
    age = workdays_after(bj("2022-06-06 10:00").date(), bj("2022-06-30 23:59").date())
    rows = {p["problem_id"]: p for p in body["open_problems"]}
    assert set(rows) == {stuck["id"], theirs["id"]}  # closed, and raised after the cut-off: left out
    assert late["id"] not in rows and done["id"] not in rows
    assert (rows[stuck["id"]]["unit"], rows[stuck["id"]]["state"], rows[stuck["id"]]["coordinating"],
            rows[stuck["id"]]["age_workdays"], rows[stuck["id"]]["origin"]) == ("区市场监管局", "协调中", "区财政局",
                                                                                age, "信息报送")
    assert [i["instruction_id"] for i in body["open_instructions"]] == [waiting["id"]]
    assert body["open_instructions"][0]["text"] == "请于月底前拿出方案"
    assert body["open_instructions"][0]["age_workdays"] == age
    # a unit's own report: its problems and its 批示, not 区财政局's
    assert [p["problem_id"] for p in mine["open_problems"]] == [stuck["id"]]
    assert [i["instruction_id"] for i in mine["open_instructions"]] == [waiting["id"]]

    wb = load_workbook(io.BytesIO(xlsx))
    sheet = wb["待协调问题"]
    listed = [r for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [r[5] for r in listed] == [PROBLEM_BODY["text"], "财政局自己的问题"]
    assert listed[0][7] == age
    assert [r[5] for r in wb["待落实批示"].iter_rows(values_only=True) if r and isinstance(r[0], int)] == \
        ["请于月底前拿出方案"]

    text = squash("".join(texts(open_docx(docx))))
    assert "尚未解决的有2个" in text and squash(PROBLEM_BODY["text"]) in text
    assert "区领导批示1件尚未反馈落实情况" in text and "请抓紧" not in text
    assert f"{squash(cn_date(waiting_day))}就“一照多址改革”批示：“请于月底前拿出方案”" in text


def test_the_monthly_page_shows_both_lists(rt):
    world = build(rt)
    mid = world.measures[0]
    with client(rt) as c:
        rt.clock.set(bj("2022-06-06 10:00"))
        raise_problem(c, world, mid)
        c.post(f"/api/measures/{mid}/instructions", json={"text": "请于月底前拿出方案"}, headers=world.auth("leader"))
    rt.clock.set(bj("2022-07-01 09:00"))
    with TestClient(create_app(rt)) as browser:
        html = as_user(browser, rt, world.users["office"]).get("/reports/monthly", params={"month": "2022-06"}).text
    assert "尚未办结的问题（1）" in html and PROBLEM_BODY["text"] in html
    assert "区领导批示待落实（1）" in html and "请于月底前拿出方案" in html


def test_the_open_lists_bind_no_parameter_per_measure(rt):
    """A city's 月调度 reads 10⁵ measures: an IN over their ids was more parameters than PostgreSQL takes (65,535),
    and the report failed. The open problems and 批示 are read as open at the cut-off, then matched in Python."""
    from sqlalchemy import event

    from workflows.reports import facts, open_items

    world = build(rt)
    with client(rt) as c:
        rt.clock.set(bj("2022-06-06 10:00"))
        stuck = raise_problem(c, world, world.measures[0])
        waiting = c.post(f"/api/measures/{world.measures[0]}/instructions", json={"text": "请于月底前拿出方案"},
                         headers=world.auth("leader")).json()
    bound: list[int] = []

    def count(_conn, _cursor, _statement, parameters, _context, _many) -> None:
        bound.append(len(parameters or ()))

    with rt.read() as session:
        measures = facts.measures(session)
        assert len(measures) >= 5, "enough measures that one parameter each would show"
        event.listen(rt.engine, "before_cursor_execute", count)
        try:
            problems = open_items.open_problems(session, measures, bj("2022-06-30 23:59"), rt.calendar)
            instructions = open_items.open_instructions(session, measures, bj("2022-06-30 23:59"), rt.calendar)
        finally:
            event.remove(rt.engine, "before_cursor_execute", count)
    assert [p.problem_id for p in problems] == [stuck["id"]]
    assert [i.instruction_id for i in instructions] == [waiting["id"]]
    assert bound and max(bound) < len(measures), bound  # the cut-off's two, not one per measure
