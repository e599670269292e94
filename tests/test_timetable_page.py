"""倒排时间表 as the lead unit's clerk uses it in a browser without script: a past date refused in Chinese with the
text kept, a node edited and deleted through the workflow (the history records both), 标记完成 asked first, then
undone."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from engine.history import HistoryRecord
from tests.web_support import as_user
from tests.world import bj
from tests.world import report_build as build
from web.app import create_app
from web.sessions import CSRF_COOKIE
from workflows.accounts_models import User
from workflows.milestones.table import MILESTONE
from workflows.models import Milestone

PLANNED, DONE = MILESTONE.initial[0], next(iter(MILESTONE.tagged("done")))


@pytest.fixture
def desk(rt):
    world = build(rt)
    rt.clock.set(bj("2022-06-01 09:00"))
    with TestClient(create_app(rt)) as c:
        as_user(c, rt, world.users["zw"])
        c.get("/")
        yield c, world.measures[3]  # 区政务办 leads, due 2022-12-31


def send(c: TestClient, path: str, **form) -> object:
    return c.post(path, data={**form, "_csrf_token": c.cookies.get(CSRF_COOKIE)}, follow_redirects=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def add(c, rt, m, due="2022-07-15", what="出台实施方案") -> Milestone:
    resp = send(c, f"/measures/{m}/timetable", due_date=due, description=what)
    assert resp.status_code == 303, text_of(resp.text)[:300]
    return nodes(rt, m)[-1]


def nodes(rt, m) -> list[Milestone]:
    with Session(rt.engine) as s:
        return list(s.exec(select(Milestone).where(Milestone.measure_id == m).order_by(Milestone.id)))


def trail(rt, ms_id: int) -> list[str]:
    with Session(rt.engine) as s:
        rows = s.exec(select(HistoryRecord).where(HistoryRecord.workflow == "milestone",
                                                  HistoryRecord.subject_id == ms_id).order_by(HistoryRecord.seq))
        return [r.action for r in rows]


def test_a_past_date_is_refused_in_chinese_with_the_text_kept(desk, rt):
    c, m = desk
    resp = send(c, f"/measures/{m}/timetable", due_date="2021-01-01", description="完成前期调研")
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")
    page = text_of(resp.text)
    assert "节点日期不能早于今天（2022年6月1日）" in page
    assert 'value="完成前期调研"' in resp.text and 'value="2021-01-01"' in resp.text  # nothing typed is lost
    assert 'min="2022-06-01"' in resp.text  # the browser's own date picker starts at today as well
    assert nodes(rt, m) == []


def test_a_node_is_edited_and_a_bad_edit_keeps_what_was_typed(desk, rt):
    c, m = desk
    ms = add(c, rt, m)
    bad = send(c, f"/measures/{m}/timetable/{ms.id}/edit", due_date="2023-03-01", description="改期后的方案",
               version=str(ms.version))
    assert bad.status_code == 422 and "节点日期不能晚于举措时间节点（2022年12月31日）" in text_of(bad.text)
    assert re.search(r"<details class=\"inline edit\" open>", bad.text) and 'value="改期后的方案"' in bad.text
    good = send(c, f"/measures/{m}/timetable/{ms.id}/edit", due_date="2022-08-01", description="出台实施方案（修订）",
                version=str(ms.version))
    assert good.status_code == 303
    (after,) = nodes(rt, m)
    assert (after.due_date.isoformat(), after.description) == ("2022-08-01", "出台实施方案（修订）")
    assert "2022年8月1日" in text_of(c.get(good.headers["location"]).text)
    assert trail(rt, ms.id) == ["add", "edit"]


def test_delete_asks_first_then_removes_through_the_workflow(desk, rt):
    c, m = desk
    ms = add(c, rt, m)
    asked = send(c, f"/measures/{m}/timetable/{ms.id}/remove", version=str(ms.version))
    assert asked.status_code == 200 and "确认删除该节点？" in text_of(asked.text)
    assert nodes(rt, m)[0].state == PLANNED  # asking changed nothing
    assert 'name="confirmed" value="1"' in asked.text and f'href="/measures/{m}/timetable">取消' in asked.text
    gone = send(c, f"/measures/{m}/timetable/{ms.id}/remove", version=str(ms.version), confirmed="1")
    assert gone.status_code == 303
    page = text_of(c.get(gone.headers["location"]).text)
    assert "已删除" in page and "尚未设置节点" in page
    assert trail(rt, ms.id) == ["add", "remove"]


def test_mark_done_asks_for_confirmation_and_can_be_undone(desk, rt):
    c, m = desk
    ms = add(c, rt, m)
    asked = send(c, f"/measures/{m}/timetable/{ms.id}/complete", version=str(ms.version))
    assert "确认将该节点标记为已完成？" in text_of(asked.text) and nodes(rt, m)[0].done_at is None
    done = send(c, f"/measures/{m}/timetable/{ms.id}/complete", version=str(ms.version), confirmed="1")
    assert done.status_code == 303 and nodes(rt, m)[0].state == DONE
    shown = c.get(done.headers["location"])
    assert "已标记完成" in text_of(shown.text) and "撤销（恢复为待完成）" in shown.text
    undo = re.search(rf'action="(/measures/{m}/timetable/{ms.id}/reopen)"', shown.text)
    assert undo, "the way back is offered where the change is reported"
    back = send(c, undo.group(1), version=str(nodes(rt, m)[0].version))
    assert back.status_code == 303
    again = nodes(rt, m)[0]
    assert again.state == PLANNED and again.done_at is None
    assert trail(rt, ms.id) == ["add", "complete", "reopen"]


def test_another_unit_cannot_act_on_the_timetable(desk, rt):
    c, m = desk
    ms = add(c, rt, m)
    with Session(rt.engine) as s:
        other = s.exec(select(User).where(User.username == "scjg")).one()
    as_user(c, rt, other)
    c.get("/")
    refused = send(c, f"/measures/{m}/timetable/{ms.id}/remove", version=str(ms.version), confirmed="1")
    assert refused.status_code == 403 and nodes(rt, m)[0].state == PLANNED
