"""The supervision tools as people use them in a browser without JavaScript: problems raised and resolved through
forms drawn from the problem table, 督查 findings rectified, 催办 (once a working day, also in bulk), 批示 and their
落实情况, 推进会议, the 文书 page and the 驾驶舱, each page for the roles that may see it."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from tests.docx_support import open_docx, squash, texts
from tests.web_support import as_user
from tests.world import bj, build, pdf_bytes, sweep_at, token
from web.app import create_app
from workflows.problems.table import PROBLEM
from workflows.supervision_models import Document, Instruction, Meeting, Problem

CSRF = "reform_csrf"


@pytest.fixture
def world(rt):
    return build(rt)


@pytest.fixture
def web(rt, world):
    """A client signed in through the session cookie; `as_(name)` switches the person, `post` sends a form."""
    with TestClient(create_app(rt)) as client:
        def as_(name: str) -> TestClient:
            as_user(client, rt, world.users[name])
            client.get("/")  # the CSRF cookie of this session
            return client

        def post(path: str, data: dict | None = None, files=None):
            body = {"_csrf_token": client.cookies.get(CSRF), **(data or {})}
            return client.post(path, data=body, files=files, follow_redirects=False)

        client.as_, client.post_form = as_, post
        yield client


def problem(rt, pid: int) -> Problem:
    with Session(rt.engine) as s:
        return s.get(Problem, pid)


def new_problem_id(resp) -> int:
    assert resp.status_code == 303, resp.text[:500]
    return int(re.match(r"/problems/(\d+)", resp.headers["location"]).group(1))


def raise_on_page(web, mid: int) -> int:
    web.as_("clerk")
    page = web.get(f"/measures/{mid}")
    assert 'id="act-raise"' in page.text and f'action="/measures/{mid}/problems/raise#act-raise"' in page.text
    return new_problem_id(web.post_form(f"/measures/{mid}/problems/raise",
                                        {"text": "市政接入需区财政局共享数据", "level": "区级", "needs": "区财政局"}))


def test_a_clerks_problem_is_assigned_acted_on_resolved_and_confirmed_through_the_pages(web, rt, world):
    mid = world.measures[0]
    pid = raise_on_page(web, mid)
    shown = web.get(f"/problems/{pid}?ok=raise")
    assert "已提出问题" in shown.text and "待受理" in shown.text and "区市场监管局" in shown.text
    assert 'id="act-accept"' not in shown.text  # the clerk may not accept it
    office = web.as_("office").get(f"/problems/{pid}")
    for name in ("accept", "refer"):  # the forms are the table's actions from this state for this role
        assert f'id="act-{name}"' in office.text
    assert "/".join(sorted(a.name for a in PROBLEM.actions if "raised" in a.source)) == "accept/refer"
    assert 'name="units"' in office.text and 'name="due_date"' in office.text
    assert "待办理的问题" in web.get("/").text and f"/problems/{pid}" in web.get("/").text
    ok = web.post_form(f"/problems/{pid}/actions/accept",
                       {"version": "1", "units": "区财政局", "due_date": "2022-07-15"})
    assert ok.status_code == 303 and problem(rt, pid).state == "coordinating"
    desk = web.as_("cz").get("/")
    assert f'href="/problems/{pid}"' in desk.text and "报告办理情况" in desk.text
    page = web.get(f"/problems/{pid}")
    assert 'id="act-record_action"' in page.text and "2022年7月15日" in page.text
    assert web.post_form(f"/problems/{pid}/actions/record_action",
                         {"version": "2", "comment": "已完成数据接口对接"}).status_code == 303
    web.as_("office")
    assert web.post_form(f"/problems/{pid}/actions/resolve", {"version": "3", "comment": "已协调"}).status_code == 303
    web.as_("clerk")
    assert "确认解决" in web.get("/").text
    assert web.post_form(f"/problems/{pid}/actions/confirm", {"version": "4", "comment": "确认"}).status_code == 303
    final = web.get(f"/problems/{pid}")
    assert problem(rt, pid).state == "closed" and "已关闭" in final.text
    assert "2022-07-15" not in final.text  # the recorded 办理时限 reads 2022年7月15日
    for label in ("提出问题", "受理并交办", "报告办理情况", "标记已解决", "确认解决", "已完成数据接口对接"):
        assert label in final.text
    assert "cz（单位经办人 · 区财政局）" in final.text  # people by display name, role and unit
    on_measure = web.get(f"/measures/{mid}").text
    assert f'href="/problems/{pid}"' in on_measure and "已关闭" in on_measure


def test_a_refused_form_says_why_in_chinese_and_keeps_what_was_typed(web, rt, world):
    pid = raise_on_page(web, world.measures[0])
    web.as_("office")
    bad = web.post_form(f"/problems/{pid}/actions/accept", {"version": "1", "units": "区财政局、不存在的局",
                                                            "due_date": "2022-07-15"})
    assert bad.status_code == 422 and "不存在的局" in bad.text and 'value="区财政局、不存在的局"' in bad.text
    web.post_form(f"/problems/{pid}/actions/refer", {"version": "1", "to": "推进会议"})
    stale = web.post_form(f"/problems/{pid}/actions/accept", {"version": "1", "units": "区财政局",
                                                              "due_date": "2022-07-15"})
    assert stale.status_code in (409, 403) and "区财政局" in stale.text  # typed text shown, nothing lost
    missing = web.as_("clerk").post_form(f"/measures/{world.measures[0]}/problems/raise", {"text": "", "level": ""})
    assert missing.status_code == 422 and "alert-error" in missing.text


def test_each_unit_sees_only_its_problems_and_a_stranger_gets_a_chinese_refusal(web, rt, world):
    pid = raise_on_page(web, world.measures[0])
    assert f"/problems/{pid}" in web.as_("office").get("/problems").text
    assert f"/problems/{pid}" in web.get("/problems", params={"origin": "unit", "state": "raised"}).text
    assert f"/problems/{pid}" not in web.get("/problems", params={"state": "closed"}).text
    assert f"/problems/{pid}" not in web.get("/problems", params={"origin": "inspection"}).text
    stranger = web.as_("zw")
    assert f"/problems/{pid}" not in stranger.get("/problems").text
    refused = stranger.get(f"/problems/{pid}")
    assert refused.status_code == 403 and "无权" in refused.text
    assert stranger.get(f"/measures/{world.measures[0]}").status_code == 403


def test_an_inspection_finding_with_a_deadline_is_rectified_with_a_file_and_closed(web, rt, world):
    mid = world.measures[0]
    web.as_("reviewer")
    page = web.get(f"/measures/{mid}")
    assert 'id="act-record_finding"' in page.text and 'name="due_date"' in page.text
    pid = new_problem_id(web.post_form(f"/measures/{mid}/problems/record_finding",
                                       {"text": "窗口未公示办理时限", "level": "日常督查", "due_date": "2022-06-30"}))
    assert problem(rt, pid).state == "rectifying"
    web.as_("clerk")
    assert f"/problems/{pid}" in web.get("/").text
    form = web.get(f"/problems/{pid}").text
    assert 'id="act-report_rectification"' in form and 'enctype="multipart/form-data"' in form
    sent = web.post_form(f"/problems/{pid}/actions/report_rectification", {"version": "1", "comment": "已公示"},
                         files={"files": ("整改照片.pdf", pdf_bytes(), "application/pdf")})
    assert sent.status_code == 303 and problem(rt, pid).state == "rectified"
    shown = web.get(f"/problems/{pid}").text
    href = re.search(r'href="(/evidence/\d+)">整改照片.pdf<', shown).group(1)
    assert web.get(href).content == pdf_bytes()
    web.as_("reviewer")
    assert web.post_form(f"/problems/{pid}/actions/close", {"version": "2"}).status_code == 303
    assert problem(rt, pid).state == "closed"


def test_urge_once_a_working_day_the_second_says_so_in_chinese(web, rt, world):
    mid = world.measures[2]  # 区财政局, red at the demo clock
    web.as_("office")
    page = web.get(f"/measures/{mid}").text
    assert 'id="act-urge"' in page
    assert web.post_form(f"/measures/{mid}/actions/urge", {"version": "1", "comment": "请抓紧"}).status_code == 303
    again = web.post_form(f"/measures/{mid}/actions/urge", {"version": "1", "comment": "再催"})
    assert again.status_code == 409 and "今天已催办过此举措" in again.text
    after = web.get(f"/measures/{mid}").text
    assert 'id="act-urge"' not in after and "今天已催办过此举措" in after
    assert web.as_("clerk").post_form(f"/measures/{world.measures[0]}/actions/urge", {"version": "1"}
                                      ).status_code == 403


def test_bulk_urge_of_red_measures_reports_each_one(web, rt, world):
    rt.clock.set(bj("2022-06-27 09:00"))  # both 区市场监管局 measures due 06-22 and 区财政局's 06-10 are red
    web.as_("reviewer")
    page = web.get("/urge")
    red = [int(v) for v in re.findall(r'name="measure" value="(\d+)"', page.text)]
    assert world.measures[2] in red and world.measures[1] in red and world.measures[0] not in red
    web.post_form(f"/measures/{world.measures[2]}/actions/urge", {"version": "1"})
    done = web.post_form("/urge", {"measure": [str(world.measures[1]), str(world.measures[2])], "comment": "统一催办"})
    assert done.status_code == 200 and "1 项已催办，1 项未催办" in done.text and "今天已催办过此举措" in done.text
    assert web.post_form("/urge", {}).status_code == 422
    assert web.as_("clerk").get("/urge").status_code == 403


def test_the_red_list_of_the_ledger_offers_bulk_urge_to_the_offices_only(web, rt, world):
    rt.clock.set(bj("2022-06-27 09:00"))
    link = '<a class="btn btn-small" href="/urge">批量催办红灯举措</a>'
    assert link in web.as_("reviewer").get("/ledger", params={"light": "red"}).text
    assert link in web.as_("office").get("/ledger", params={"light": "red"}).text
    assert link not in web.as_("reviewer").get("/ledger").text  # not on the whole ledger
    assert link not in web.as_("clerk").get("/ledger", params={"light": "red"}).text
    assert link not in web.as_("leader").get("/ledger", params={"light": "red"}).text


def test_a_leaders_instruction_is_answered_by_the_unit_and_shown_on_page_desk_and_cockpit(web, rt, world):
    mid = world.measures[0]
    web.as_("leader")
    assert web.post_form(f"/measures/{mid}/instructions", {"text": "请加快推进一照多址"}).status_code == 303
    web.as_("office")
    form = web.get(f"/measures/{mid}").text
    assert f'<option value="{world.users["leader"].id}"' in form  # 营商办 names the leader
    refused = web.post_form(f"/measures/{mid}/instructions", {"text": "代录批示"})
    assert refused.status_code in (403, 409, 422) and "区领导" in refused.text and "代录批示" in refused.text
    assert web.post_form(f"/measures/{mid}/instructions", {"text": "代录：月底前完成",
                                                           "on_behalf_of": str(world.users["leader"].id)}
                         ).status_code == 303
    with Session(rt.engine) as s:
        first, second = s.exec(select(Instruction).order_by(Instruction.id)).all()
    web.as_("clerk")
    desk = web.get("/").text
    assert "待报告落实情况的批示" in desk and f"#instruction-{first.id}" in desk
    assert web.post_form(f"/instructions/{first.id}/actions/reply", {"version": str(first.version),
                                                                     "text": "已完成系统改造"}).status_code == 303
    page = web.get(f"/measures/{mid}").text
    assert "已完成系统改造" in page and "营商办 office 代录" in page
    mine = web.as_("leader").get("/").text.split("我的批示：等待牵头单位落实")[1]
    assert "代录：月底前完成" in mine and "请加快推进一照多址" not in mine  # the answered one has left
    cockpit = web.get("/cockpit").text
    assert "代录：月底前完成" in cockpit  # still open
    data = web.get("/api/cockpit", headers=token(rt, world.users["leader"])).json()
    assert [i["id"] for i in data["instructions"]] == [second.id]


def test_a_meeting_is_recorded_and_shown_on_the_measure_and_the_problem(web, rt, world):
    mid = world.measures[0]
    pid = raise_on_page(web, mid)
    web.as_("office")
    web.post_form(f"/problems/{pid}/actions/refer", {"version": "1", "to": "推进会议"})
    page = web.get(f"/measures/{mid}").text
    assert 'id="act-record_meeting"' in page and 'name="assign_units"' in page
    clerks = web.as_("clerk").get(f"/measures/{mid}").text
    assert 'id="act-record_meeting"' in clerks and 'name="assign_units"' not in clerks  # a unit records, 营商办 assigns
    web.as_("office")
    sent = web.post_form(f"/measures/{mid}/meetings", {
        "held_on": "2022-06-22", "title": "第一次推进会议", "units": "区市场监管局、区财政局", "measures": str(mid),
        "problems": str(pid), "decisions": "由区财政局牵头打通数据", "assign_units": "区财政局",
        "assign_due_date": "2022-07-01"})
    assert sent.status_code == 303, sent.text[:400]
    assert "第一次推进会议" in web.get(f"/measures/{mid}").text
    assert "第一次推进会议" in web.get(f"/problems/{pid}").text and problem(rt, pid).state == "coordinating"
    no_date = web.post_form(f"/measures/{mid}/meetings", {"held_on": "2022-06-23", "title": "第二次", "units": "x",
                                                          "problems": str(pid), "decisions": "y",
                                                          "assign_units": "区财政局"})
    assert no_date.status_code == 422 and "办理时限" in no_date.text and "第二次" in no_date.text
    with Session(rt.engine) as s:
        assert len(s.exec(select(Meeting)).all()) == 1


def test_the_documents_page_edits_issues_and_downloads_a_duban_notice(web, rt, world):
    mid = world.measures[2]
    sweep_at(rt, "2022-06-20 09:00")
    with Session(rt.engine) as s:
        doc = s.exec(select(Document).where(Document.measure_id == mid)).one()
    web.as_("reviewer")
    listed = web.get("/documents").text
    assert doc.number in listed and "督办通知单" in listed and f"/documents/{doc.id}/file" in listed
    assert "待印发的督办文书" in web.get("/").text
    page = web.get(f"/documents/{doc.id}").text
    assert 'id="act-edit"' in page and 'id="act-issue"' in page
    assert web.post_form(f"/documents/{doc.id}/actions/edit", {"version": str(doc.version),
                                                               "required": "请于3个工作日内书面报告整改情况。"}
                         ).status_code == 303
    assert web.post_form(f"/documents/{doc.id}/actions/issue", {"version": str(doc.version + 1)}).status_code == 303
    issued = web.get(f"/documents/{doc.id}").text
    assert "已印发" in issued and "SHA-256" in issued and 'id="act-edit"' not in issued
    file = web.get(f"/documents/{doc.id}/file")
    assert file.status_code == 200 and file.content[:2] == b"PK"
    assert "请于3个工作日内书面报告整改情况" in squash("".join(texts(open_docx(file.content))))
    unit = web.as_("cz").get("/documents").text
    assert doc.number in unit
    assert web.as_("clerk").get(f"/documents/{doc.id}").status_code == 404


@pytest.mark.parametrize("who", ["leader", "office", "reviewer"])
def test_the_cockpit_shows_the_apis_figures_to_leaders_and_offices(web, rt, world, who):
    page = web.as_(who).get("/cockpit")
    data = web.get("/api/cockpit", headers=token(rt, world.users[who])).json()
    assert page.status_code == 200 and re.search(r'<script(?![^>]*\bsrc="/static/)', page.text) is None
    for name, key in (("total", "total"), ("done", "done"), ("overdue", "overdue"), ("soon", "due_soon")):
        assert re.search(rf'id="ck-{name}">{data[key]}<', page.text), name
    assert re.search(rf'id="ck-problems"><a href="/problems">{data["open_problems"]}<', page.text)
    for late in data["overdue_list"]:
        assert f'href="/measures/{late["id"]}"' in page.text
    assert 'href="/cockpit"' in page.text  # the menu entry


@pytest.mark.parametrize("who", ["clerk", "head"])
def test_units_get_a_chinese_403_for_the_cockpit_and_no_menu_entry(web, world, who):
    page = web.as_(who).get("/cockpit")
    assert page.status_code == 403 and "驾驶舱" in page.text and "<html" in page.text
    desk = web.get("/").text
    assert 'href="/cockpit"' not in desk and 'href="/problems"' in desk and 'href="/documents"' in desk


PAGE_ROLES = ("clerk", "head", "cz", "zw", "reviewer", "office", "leader", "admin")
EXPECTED = {  # page -> the people who get it (everyone else: 403, or 404 for a draft they may not know of)
    "/problems": set(PAGE_ROLES), "/documents": set(PAGE_ROLES),
    "/problems/{pid}": {"clerk", "head", "reviewer", "office", "leader", "admin"},
    "/documents/{doc}": {"reviewer", "office", "leader", "admin"},
    "/documents/{doc}/file": {"reviewer", "office", "leader", "admin"},
    "/cockpit": {"reviewer", "office", "leader"}, "/urge": {"reviewer", "office"},
}


def test_every_supervision_page_for_every_role_obeys_access_and_the_csp(web, rt, world):
    sweep_at(rt, "2022-06-20 09:00")  # drafts a 督办通知单 for 区财政局's red measure
    pid = raise_on_page(web, world.measures[0])
    with Session(rt.engine) as s:
        doc = s.exec(select(Document)).first().id
    for path, allowed in EXPECTED.items():
        url = path.format(pid=pid, doc=doc)
        for who in PAGE_ROLES:
            resp = web.as_(who).get(url)
            expected = 200 if who in allowed else (404 if "{doc}" in path else 403)
            assert resp.status_code == expected, (url, who, resp.status_code)
            if url.endswith("/file"):
                continue
            assert "<html" in resp.text and " style=" not in resp.text, (url, who)
            assert re.search(r'<script(?![^>]*\bsrc="/static/)', resp.text) is None, (url, who)  # no inline script
            if resp.status_code != 200:
                assert "alert-error" in resp.text  # a sentence in Chinese, not JSON


@pytest.mark.parametrize("who", ["clerk", "office", "cz", "reviewer"])
def test_a_problems_forms_are_the_actions_the_table_allows_this_person_in_each_state(web, rt, world, who):
    pid = raise_on_page(web, world.measures[0])
    steps = [("office", "accept", {"units": "区财政局", "due_date": "2022-07-15"}),
             ("cz", "record_action", {"comment": "已办理"}), ("office", "resolve", {"comment": "已解决"}),
             ("clerk", "reopen", {"comment": "仍未解决"}), ("office", "resolve", {"comment": "已解决"}),
             ("clerk", "confirm", {})]
    for actor, action, fields in [(None, None, None), *steps]:
        if action:
            version = problem(rt, pid).version
            web.as_(actor)
            assert web.post_form(f"/problems/{pid}/actions/{action}", {"version": str(version), **fields}
                                 ).status_code == 303, (actor, action)
        api_resp = web.get(f"/api/problems/{pid}", headers=token(rt, world.users[who]))
        page = web.as_(who).get(f"/problems/{pid}")
        assert page.status_code == api_resp.status_code, (who, action)
        if api_resp.status_code != 200:  # 区财政局 before it is assigned: not its problem
            continue
        api, html = api_resp.json(), page.text
        shown = sorted(re.findall(r'<form method="post" action="/problems/\d+/actions/(\w+)[#"]', html))
        assert shown == sorted(api["allowed_actions"]), (who, api["state"])
        for name in shown:  # each form has the table's fields, by name
            for spec in PROBLEM.action(name).fields:
                assert f'name="{spec.name}"' in html or spec.kind == "files", (name, spec.name)


def test_a_problems_page_opens_with_the_next_step_for_this_person(web, rt, world):
    pid = raise_on_page(web, world.measures[0])
    line = re.compile(r'<p class="next-step" id="next-step">(.*?)</p>', re.S)

    def next_step(who: str) -> str:
        html = web.as_(who).get(f"/problems/{pid}").text
        return re.sub(r"<[^>]+>", "", line.search(html).group(1))

    assert next_step("office").startswith("下一步：请“受理并交办”")  # 营商办 must act
    assert next_step("clerk") == "下一步：等待营商办受理"  # the raising unit waits, told for whom
