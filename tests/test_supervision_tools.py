"""督查办's and 营商办's tools: problems of both origins through the engine, 催办 once a working day, numbered
督办文书 drafted by the sweep (also by four processes at once), edited, issued and frozen, and 推进会议."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import Session

from engine import history
from engine.outbox import OutboxMessage
from runtime import audit
from tests.docx_support import open_docx, squash
from tests.world import bj, build, client, esc_measure, esc_people, pdf_bytes, sweep_at
from workflows.documents.text import cn_date
from workflows.models import Escalation, Measure
from workflows.problems.table import PROBLEM
from workflows.supervision_models import Document, Problem, ProblemUnit

PROBLEM_BODY = {"measure_id": None, "origin": "unit", "text": "市政接入涉及多部门数据共享，需协调", "level": "区级",
                "needs": "区财政局", "suggestion": "建议营商办牵头协调"}


def raise_problem(c, world, measure_id: int, who: str = "clerk") -> dict:
    res = c.post("/api/problems", json=PROBLEM_BODY | {"measure_id": measure_id}, headers=world.auth(who))
    assert res.status_code == 201, res.json()
    return res.json()


def act(c, world, pid: int, action: str, who: str, **fields):
    version = c.get(f"/api/problems/{pid}", headers=world.auth("office")).json()["version"]
    return c.post(f"/api/problems/{pid}/actions/{action}", json={"version": version, **fields},
                  headers=world.auth(who))


def kinds_to(rt, username_email: str) -> list[str]:
    from tests.world import address

    with Session(rt.engine) as s:
        return [m.kind for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if
                address(rt, m) == username_email]


# -- problems: a unit's problem, coordinated


def test_a_units_problem_is_accepted_coordinated_resolved_reopened_and_confirmed(rt):
    world = build(rt)
    mid = world.measures[0]  # 区市场监管局
    with client(rt) as c:
        p = raise_problem(c, world, mid)
        assert (p["state"], p["origin"], p["raised_by_unit"]) == ("raised", "unit", "区市场监管局")
        bad = act(c, world, p["id"], "accept", "office", units="区财政局、不存在的局", due_date="2022-07-15")
        assert bad.status_code == 422 and "不存在的局" in bad.json()["fields"]["units"]
        assert act(c, world, p["id"], "accept", "office", units="区财政局",
                   due_date="2022-07-15").json()["state"] == "coordinating"
        assert act(c, world, p["id"], "record_action", "clerk", comment="x").status_code == 403  # not coordinating
        done = act(c, world, p["id"], "record_action", "cz", comment="已完成数据接口对接")
        assert done.status_code == 200 and done.json()["coordinating_units"] == ["区财政局"]
        assert act(c, world, p["id"], "resolve", "office", comment="已协调解决").json()["state"] == "resolved"
        bare = act(c, world, p["id"], "reopen", "clerk")
        assert bare.status_code == 422 and "理由" in bare.json()["fields"]["comment"]
        assert act(c, world, p["id"], "reopen", "clerk", comment="仍有一项数据未共享").json()["state"] == "coordinating"
        act(c, world, p["id"], "resolve", "office", comment="已全部共享")
        closed = act(c, world, p["id"], "confirm", "clerk", comment="确认").json()
        assert closed["state"] == "closed"
        assert [h["action"] for h in closed["history"]] == ["raise", "accept", "record_action", "resolve", "reopen",
                                                          "resolve", "confirm"]
        listed = c.get("/api/problems", params={"unit": "区财政局"}, headers=world.auth("office")).json()
        assert [i["id"] for i in listed["items"]] == [p["id"]]
        on_measure = c.get(f"/api/measures/{mid}", headers=world.auth("clerk")).json()["problems"]
        assert [(x["id"], x["open"]) for x in on_measure] == [(p["id"], False)]
        # 区财政局 takes part in the problem, so it sees it, but not the measure's other problems' details
        assert c.get(f"/api/problems/{p['id']}", headers=world.auth("cz")).status_code == 200
    assert "problem_raised" in kinds_to(rt, "office@wulong.example")
    assert "problem_assigned" in kinds_to(rt, "cz@wulong.example")
    assert kinds_to(rt, "clerk@wulong.example").count("problem_resolved") == 2
    assert audit.verify(rt).ok


def test_a_problem_referred_to_a_meeting_is_assigned_by_the_meetings_decision(rt):
    world = build(rt)
    mid = world.measures[0]
    with client(rt) as c:
        p = raise_problem(c, world, mid)
        assert act(c, world, p["id"], "refer", "office", to="推进会议").json()["referred_to"] == "推进会议"
        meeting = {"held_on": "2022-06-22", "title": "第一次推进会议", "units": "区市场监管局、区财政局",
                   "measures": str(mid), "problems": str(p["id"]), "decisions": "由区财政局牵头打通数据"}
        no_date = c.post("/api/meetings", json=meeting | {"assign_units": "区财政局"}, headers=world.auth("office"))
        assert no_date.status_code == 422 and "办理时限" in no_date.json()["fields"]["assign_due_date"]
        by_unit = c.post("/api/meetings", json=meeting | {"assign_units": "区财政局", "assign_due_date": "2022-07-01"},
                         headers=world.auth("clerk"))
        assert by_unit.status_code == 403  # only 营商办 hands problems out
        rec = c.post("/api/meetings", json=meeting | {"assign_units": "区财政局", "assign_due_date": "2022-07-01"},
                     headers=world.auth("office"))
        assert rec.status_code == 201 and rec.json()["assigned"] == [p["id"]]
        after = c.get(f"/api/problems/{p['id']}", headers=world.auth("office")).json()
        assert (after["state"], after["coordinating_units"], after["due_date"]) == ("coordinating", ["区财政局"],
                                                                                  "2022-07-01")
        assert "第一次推进会议" in after["history"][-1]["comment"]
        shown = c.get(f"/api/measures/{mid}", headers=world.auth("clerk")).json()["meetings"]
        assert [m["title"] for m in shown] == ["第一次推进会议"]
        about = c.get("/api/meetings", params={"problem": p["id"]}, headers=world.auth("cz")).json()
        assert [m["id"] for m in about] == [rec.json()["id"]]
    with Session(rt.engine) as s:  # the refused attempts left no meeting behind
        from workflows.supervision_models import Meeting

        assert s.scalar(select(func.count()).select_from(Meeting)) == 1


# -- problems: 督查办's finding, rectified


def test_an_inspection_finding_is_rectified_with_evidence_returned_and_closed(rt):
    world = build(rt)
    mid = world.measures[0]
    finding = {"measure_id": mid, "origin": "inspection", "text": "专项督查发现：备案系统未上线", "level": "专项督查",
               "due_date": "2022-06-30"}
    with client(rt) as c:
        assert c.post("/api/problems", json=finding, headers=world.auth("office")).status_code == 403
        assert c.post("/api/problems", json=PROBLEM_BODY | {"measure_id": mid},
                      headers=world.auth("reviewer")).status_code == 403
        p = c.post("/api/problems", json=finding, headers=world.auth("reviewer")).json()
        assert (p["state"], p["origin"], p["due_date"]) == ("rectifying", "inspection", "2022-06-30")
        files = {"file": ("整改报告.pdf", io.BytesIO(pdf_bytes()), "application/pdf")}
        assert c.post(f"/api/problems/{p['id']}/evidence", files=files,
                      headers=world.auth("cz")).status_code == 403  # not its measure
        ev = c.post(f"/api/problems/{p['id']}/evidence", files=files, headers=world.auth("clerk"))
        assert ev.status_code == 201
        other = c.post(f"/api/measures/{mid}/evidence", files={"file": ("x.pdf", io.BytesIO(pdf_bytes(b"2")),
                                                                      "application/pdf")},
                       headers=world.auth("clerk")).json()
        wrong = act(c, world, p["id"], "report_rectification", "clerk", comment="已整改", evidence=[other["id"]])
        assert wrong.status_code == 422 and "不是本问题" in wrong.json()["fields"]["evidence"]
        done = act(c, world, p["id"], "report_rectification", "clerk", comment="已上线", evidence=[ev.json()["id"]])
        assert done.json()["state"] == "rectified" and [e["id"] for e in done.json()["evidence"]] == [ev.json()["id"]]
        back = act(c, world, p["id"], "return_rectification", "reviewer", comment="未见上线截图")
        assert back.json()["state"] == "rectifying"
        act(c, world, p["id"], "report_rectification", "clerk", comment="补充截图")
        assert act(c, world, p["id"], "close", "reviewer").json()["state"] == "closed"
        measure_evidence = c.get(f"/api/measures/{mid}", headers=world.auth("clerk")).json()["evidence"]
        assert ev.json()["id"] not in [e["id"] for e in measure_evidence]  # a problem's file is not the measure's
    assert "problem_found" in kinds_to(rt, "clerk@wulong.example")
    assert kinds_to(rt, "reviewer@wulong.example").count("problem_rectified") == 2


def test_a_problem_past_its_due_date_has_its_rung(rt):
    world = build(rt)
    with client(rt) as c:
        p = c.post("/api/problems", json={"measure_id": world.measures[0], "origin": "inspection", "text": "问题",
                                          "level": "日常督查", "due_date": "2022-06-21"},
                   headers=world.auth("reviewer")).json()
    sweep_at(rt, "2022-06-21 17:00")
    assert not _problem_rungs(rt, p["id"])  # the due day itself is not late
    sweep_at(rt, "2022-06-22 09:00")  # the first working day after it is
    sweep_at(rt, "2022-06-23 17:00")
    assert _problem_rungs(rt, p["id"]) == ["problem"]
    assert "escalation" in kinds_to(rt, "office@wulong.example")


def _problem_rungs(rt, pid: int) -> list[str]:
    with Session(rt.engine) as s:
        return list(s.scalars(select(Escalation.level).where(Escalation.subject_type == "problem",
                                                             Escalation.subject_id == pid)))


# -- the refusal matrix, generated from the problem's table

PERSON = {"unit_staff": "clerk", "unit_head": "head", "supervisor": "reviewer", "office": "office",
          "leader": "leader", "admin": "admin"}
HELPER = {"unit_staff": "cz", "unit_head": "czhead"}  # the coordinating unit's people, for participant actions
BODY = {"accept": {"units": "区财政局", "due_date": "2022-07-15"}, "refer": {"to": "区领导"},
        "assign": {"units": "区财政局", "due_date": "2022-07-15"}, "record_action": {"comment": "已办理"},
        "resolve": {"comment": "已解决"}, "confirm": {"comment": "确认"}, "reopen": {"comment": "未解决"},
        "report_rectification": {"comment": "已整改"}, "close": {}, "return_rectification": {"comment": "不到位"}}


def person(action, role: str) -> str:
    return HELPER.get(role, PERSON[role]) if action.scope == "participant" else PERSON[role]


def put(rt, pid: int, state: str) -> tuple:
    with rt.write() as s:
        row = s.get(Problem, pid)
        row.state = state
        s.add(row)
    return snapshot(rt, pid)


def snapshot(rt, pid: int) -> tuple:
    with Session(rt.engine) as s:
        row = s.get(Problem, pid)
        return ((row.state, row.version, row.due_date, row.referred_to),
                len(history.for_subject(s, PROBLEM.name, pid)),
                s.scalar(select(func.count()).select_from(OutboxMessage)),
                s.scalar(select(func.count()).select_from(ProblemUnit)))


def test_every_problem_action_is_refused_wherever_its_table_does_not_allow_it(rt):
    from tests.world import people

    world = build(rt)
    world.users |= people(rt, {"czhead": ("unit_head", "区财政局")})
    with client(rt) as c:
        pid = raise_problem(c, world, world.measures[0])["id"]
        with rt.write() as s:
            s.add(ProblemUnit(problem_id=pid, unit_id=world.users["cz"].unit_id))
        refused = 0
        for action in PROBLEM.actions:
            assert set(BODY) >= {action.name}, f"{action.name}: add a body that would be accepted"
            for role in PERSON:
                for state in PROBLEM.state_names:
                    if role in action.roles and state in action.source:
                        continue
                    before = put(rt, pid, state)
                    res = c.post(f"/api/problems/{pid}/actions/{action.name}",
                                 json={"version": before[0][1], **BODY[action.name]},
                                 headers=world.auth(person(action, role)))
                    expected = 403 if role not in action.roles else 409
                    assert res.status_code == expected, (action.name, role, state, res.json())
                    assert res.json()["message"] and snapshot(rt, pid) == before, (action.name, role, state)
                    refused += 1
        # and the other half: each allowed combination goes through with the same bodies
        for action in PROBLEM.actions:
            for role in sorted(action.roles):
                for state in action.source:
                    version = put(rt, pid, state)[0][1]
                    res = c.post(f"/api/problems/{pid}/actions/{action.name}",
                                 json={"version": version, **BODY[action.name]},
                                 headers=world.auth(person(action, role)))
                    assert res.status_code == 200, (action.name, role, state, res.json())
                    assert res.json()["state"] == action.target_from(state)
    assert refused > len(PROBLEM.actions) * len(PERSON)


def test_a_stale_version_and_another_units_problem_are_refused(rt):
    world = build(rt)
    with client(rt) as c:
        p = raise_problem(c, world, world.measures[0])
        stale = c.post(f"/api/problems/{p['id']}/actions/accept",
                       json={"version": p["version"] + 3, **BODY["accept"]}, headers=world.auth("office"))
        assert stale.status_code == 409 and "刷新" in stale.json()["message"]
        assert c.get(f"/api/problems/{p['id']}", headers=world.auth("cz")).status_code == 403
        assert c.post("/api/problems", json=PROBLEM_BODY | {"measure_id": world.measures[0]},
                      headers=world.auth("cz")).status_code == 403  # not a lead unit of that measure
        assert c.get("/api/problems", headers=world.auth("cz")).json()["total"] == 0
        assert c.get("/api/problems/999999", headers=world.auth("office")).status_code == 404


# -- 催办


def test_urge_once_a_working_day_reaches_every_lead_units_people_and_is_listed(rt):
    world = build(rt)
    mid = world.measures[3]  # 区政务办 first, 区市场监管局 co-lead
    rt.clock.set(bj("2022-06-20 10:00"))
    with client(rt) as c:
        assert c.post(f"/api/measures/{mid}/urge", json={"comment": "请加快"},
                      headers=world.auth("zw")).status_code == 403
        first = c.post(f"/api/measures/{mid}/urge", json={"comment": "请加快推进"}, headers=world.auth("reviewer"))
        assert first.status_code == 201 and first.json()["level"] == "urge"
        again = c.post(f"/api/measures/{mid}/urge", json={"comment": "再催"}, headers=world.auth("office"))
        assert again.status_code == 409 and "今天已催办" in again.json()["message"]
        listed = c.get("/api/escalations", params={"measure": mid}, headers=world.auth("reviewer")).json()
        assert [e["level"] for e in listed["items"]] == ["urge"]
        history_actions = [h["action"] for h in c.get(f"/api/measures/{mid}", headers=world.auth("zw")).json()
                           ["history"]]
        assert history_actions.count("urge") == 1
        rt.clock.set(bj("2022-06-21 09:00"))
        assert c.post(f"/api/measures/{mid}/urge", json={"comment": "再催"},
                      headers=world.auth("office")).status_code == 201
    for who in ("zw@wulong.example", "zwhead@wulong.example", "clerk@wulong.example", "head@wulong.example"):
        assert kinds_to(rt, who).count("urge") == 2, who
    assert kinds_to(rt, "cz@wulong.example") == []


# -- 督办文书


def race(url: str, instant: str, barrier) -> dict:
    from engine.db import make_engine
    from tests.conftest import CONFIG
    from workflows.sweep import sweep

    engine = make_engine(url)
    barrier.wait(timeout=60)
    result = sweep(engine, bj(instant), ladder=CONFIG.ladder, calendar=CONFIG.calendar)
    engine.dispose()
    return {"errors": result.errors + result.calendar_errors, "documents": result.documents}


def race_sweeps(rt, instant: str, processes: int = 4) -> list[dict]:
    url = rt.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(processes)
    with ctx.Pool(processes) as pool:
        results = pool.starmap(race, [(url, instant, barrier)] * processes)
    assert all(not r["errors"] for r in results), results
    return results


UNITS = ("区市场监管局", "区财政局", "区政务办")


def documents(rt, kind: str) -> list[Document]:
    with Session(rt.engine) as s:
        return list(s.scalars(select(Document).where(Document.kind == kind).order_by(Document.seq)))


def test_four_sweepers_draft_consecutive_numbers_then_one_notice_text_per_measure(rt):
    esc_people(rt, ("boss", "unit_head", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    ids = [esc_measure(rt, date(2022, 6, 10), unit=UNITS[n % 3], text=f"举措{n}号") for n in range(12)]
    race_sweeps(rt, "2022-06-20 09:00")  # L2 督办 for all twelve
    duban = documents(rt, "duban")
    assert [d.seq for d in duban] == list(range(1, 13))  # no gap, no duplicate
    assert sorted(d.measure_id for d in duban) == ids
    with Session(rt.engine) as s:
        l2 = {e.measure_id: e.document_id for e in s.scalars(select(Escalation).where(Escalation.level == "L2"))}
        for d in duban:
            assert l2[d.measure_id] == d.id
            m = s.get(Measure, d.measure_id)
            text = squash("".join(p.text for p in open_docx(rt.documents.content(s, _all(rt), d.id)[1]).paragraphs))
            assert f"武隆督办〔2022〕{d.seq}号" in text and f"“{m.text}”" in text
            assert f"{UNITS[ids.index(m.id) % 3]}：" in text and "时间节点为2022年6月10日" in text
            late = rt.config.calendar.workdays_between(date(2022, 6, 10), date(2022, 6, 20))
            assert f"截至2022年6月20日，该举措已逾期{late}个工作日" in text
    race_sweeps(rt, "2022-06-27 09:00")  # L3 通报 for all twelve: one 情况通报 per sweep that found them
    tongbao = documents(rt, "tongbao")
    assert [d.seq for d in tongbao] == list(range(1, len(tongbao) + 1)) and 1 <= len(tongbao) <= 4
    named = Counter(m["measure"] for d in tongbao for m in json.loads(d.facts)["measures"])
    assert set(named.values()) == {1} and sorted(named) == sorted(f"举措{n}号" for n in range(12))
    with Session(rt.engine) as s:
        for d in tongbao:
            text = squash("".join(p.text for p in open_docx(rt.documents.content(s, _all(rt), d.id)[1]).paragraphs)
                          + "".join(c.text for t in open_docx(rt.documents.content(s, _all(rt), d.id)[1]).tables
                                    for row in t.rows for c in row.cells))
            assert f"武隆督查通报〔2022〕{d.seq}号" in text
            for m in json.loads(d.facts)["measures"]:
                assert m["measure"] in text and m["unit"] in text


def _all(rt):
    """督查办's view of every document."""
    from workflows import accounts
    from workflows.access import Access

    with Session(rt.engine) as s:
        from workflows.accounts_models import User

        rev = s.scalars(select(User).where(User.username == "rev")).one()
        return Access(accounts.actor_for(rev))


def test_a_l3_rung_left_without_its_tongbao_is_covered_by_the_next_sweep(rt):
    """A crash between the 通报 rung and the sweep's 情况通报 loses nothing: the next sweep drafts it."""
    esc_people(rt, ("rev", "supervisor", "区政府督查办"))
    esc_measure(rt, date(2022, 6, 10), text="推行经营场所备案制")
    assert sweep_at(rt, "2022-06-27 09:00").documents == ["武隆督办〔2022〕1号", "武隆督查通报〔2022〕1号"]
    with rt.write() as s:  # as if the process died after committing the rung
        s.execute(delete(Document).where(Document.kind == "tongbao"))
        s.execute(Escalation.__table__.update().where(Escalation.level == "L3").values(document_id=None))
    assert sweep_at(rt, "2022-06-27 10:00").documents == ["武隆督查通报〔2022〕2号"]
    assert sweep_at(rt, "2022-06-27 11:00").documents == []
    (doc,) = documents(rt, "tongbao")
    assert [m["measure"] for m in json.loads(doc.facts)["measures"]] == ["推行经营场所备案制"]


def test_the_supervisor_edits_a_draft_issues_it_frozen_and_the_unit_gets_it(rt):
    world = build(rt)
    mid = world.measures[2]  # 区财政局, due 2022-06-10
    sweep_at(rt, "2022-06-20 09:00")
    rev, unit = world.auth("reviewer"), world.auth("cz")
    with client(rt) as c:
        (doc,) = c.get("/api/documents", params={"kind": "duban", "measure": mid}, headers=rev).json()["items"]
        assert (doc["state"], doc["number"], doc["unit"]) == ("draft", "武隆督办〔2022〕1号", "区财政局")
        assert c.get("/api/documents", headers=unit).json()["total"] == 0  # drafts stay with 督查办
        assert c.get(f"/api/documents/{doc['id']}", headers=unit).status_code == 404
        assert c.post(f"/api/documents/{doc['id']}/actions/edit", json={"version": doc["version"], "required": "x"},
                      headers=world.auth("office")).status_code == 403
        edited = c.post(f"/api/documents/{doc['id']}/actions/edit",
                        json={"version": doc["version"], "required": "请于3个工作日内召开专题会议研究整改。"},
                        headers=rev).json()
        rt.clock.set(bj("2022-06-22 09:00"))  # issued two working days after it was drafted
        rev, unit = world.auth("reviewer"), world.auth("cz")
        issued = c.post(f"/api/documents/{doc['id']}/actions/issue", json={"version": edited["version"]},
                        headers=rev)
        assert issued.status_code == 200 and issued.json()["state"] == "issued"
        stale = c.post(f"/api/documents/{doc['id']}/actions/edit", json={"version": edited["version"] + 1,
                                                                          "required": "改"}, headers=rev)
        assert stale.status_code == 409
        got = c.get(f"/api/documents/{doc['id']}", headers=unit)
        assert got.status_code == 200 and got.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        text = squash("".join(p.text for p in open_docx(got.content).paragraphs))
        assert "请于3个工作日内召开专题会议研究整改。" in text
        late = rt.config.calendar.workdays_between(date(2022, 6, 10), date(2022, 6, 22))
        assert late > 5 and f"截至2022年6月22日，该举措已逾期{late}个工作日" in text  # counted when issued
        assert f"请于{cn_date(date(2022, 6, 29))}前" in text
        assert c.get(f"/api/documents/{doc['id']}", headers=world.auth("clerk")).status_code == 404
    with Session(rt.engine) as s:
        row = s.get(Document, doc["id"])
        (record,) = [h for h in history.for_subject(s, "document", row.id) if h.action == "issue"]
        assert json.loads(record.data)["sha256"] == row.sha256 == hashlib.sha256(got.content).hexdigest()
        mails = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "document_issued")))
    assert {json.loads(m.payload)["attach"]["document_id"] for m in mails} == {doc["id"]}
    assert "document_issued" in kinds_to(rt, "cz@wulong.example")
    rt.clock.set(bj("2022-07-20 09:00"))  # frozen: the same bytes later, whatever the clock says
    with client(rt) as c:
        later = c.get(f"/api/documents/{doc['id']}", headers=world.auth("cz")).content
    assert hashlib.sha256(later).hexdigest() == row.sha256


@pytest.mark.parametrize("kind", ["duban", "tongbao"])
def test_documents_list_filters_by_kind(rt, kind):
    world = build(rt)
    sweep_at(rt, "2022-06-27 09:00")  # 区财政局's measure due 06-10: past L3, so L2 is superseded
    with client(rt) as c:
        listed = c.get("/api/documents", params={"kind": kind}, headers=world.auth("reviewer")).json()
        bad = c.get("/api/documents", params={"kind": "memo"}, headers=world.auth("reviewer"))
    assert {i["kind"] for i in listed["items"]} == {kind}
    assert listed["total"] == 1  # the superseded L2 still drafts its 督办通知单: a 通报 presupposes the 督办
    assert bad.status_code == 400


def test_a_sweep_that_catches_up_past_l2_drafts_the_notice_with_the_superseded_rung(rt):
    world = build(rt)
    result = sweep_at(rt, "2022-06-27 09:00")  # due 06-10: 11 working days late, L3 fires and L2 is superseded
    assert result.superseded["L2"] == 1 and result.fired["L3"] == 1
    assert result.documents == ["武隆督办〔2022〕1号", "武隆督查通报〔2022〕1号"]
    with Session(rt.engine) as s:
        (duban,) = documents(rt, "duban")
        rung = s.get(Escalation, duban.escalation_id)
        assert (rung.level, rung.status, rung.document_id, duban.measure_id) == ("L2", "superseded", duban.id,
                                                                                world.measures[2])
    assert sweep_at(rt, "2022-06-28 09:00").documents == []  # once


def test_an_issued_notice_reaches_the_unit_as_a_mail_attachment(rt):
    from tests.mail_support import mail_runtime, parsed, running_sink

    mail_rt = mail_runtime(rt)
    world = build(mail_rt)
    mid = world.measures[2]  # 区财政局, due 2022-06-10
    sweep_at(mail_rt, "2022-06-20 09:00")
    rev = world.auth("reviewer")
    with running_sink(mail_rt), client(mail_rt) as c:
        mail_rt.flush()  # the sweep's own digests go first: a draft is attached to nobody's mail
        assert not [p for m in parsed(mail_rt) for p in m.iter_attachments()]
        (doc,) = c.get("/api/documents", params={"kind": "duban", "measure": mid}, headers=rev).json()["items"]
        issued = c.post(f"/api/documents/{doc['id']}/actions/issue", json={"version": doc["version"]}, headers=rev)
        assert issued.status_code == 200
        got = c.get(f"/api/documents/{doc['id']}", headers=world.auth("cz")).content
        result = mail_rt.flush()
        assert result.failed == 0 and result.emails >= 1
        mails = [m for m in parsed(mail_rt) if m["To"].addresses[0].addr_spec == "cz@wulong.example"
                 and "督办文书" in m.get_body(("plain",)).get_content()]
    (mail,) = mails
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == "武隆督办〔2022〕1号.docx"
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    body = part.get_content()
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(got).hexdigest()
    assert "武隆督办〔2022〕1号" in squash("".join(p.text for p in open_docx(body).paragraphs))
    assert mail.get_body(("plain",)) is not None and mail.get_body(("html",)) is not None
