"""Accountability as the plan writes it: joint lead and cooperating units, the head's sign-off, district leaders'
批示 and their answers, the 驾驶舱, and the rungs that chase each of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from engine.outbox import OutboxMessage
from runtime import audit
from tests.world import Row, bj, client, fire, headers, ledger, people, sweep_at, upload
from workflows.accounts_models import LeaderUnit
from workflows.models import COOPERATING, Measure, MeasureUnit, Unit
from workflows.roles import HEAD, LEADER, OFFICE, STAFF, SUPERVISOR

JOINT = ("区城市管理局", "区住房城乡建委", "区规划自然资源局")


@pytest.fixture
def world(rt):
    ids = ledger(rt, (Row(1, "18", "优化市政设施建设类审批", "推进市政接入一件事", JOINT, date(2022, 6, 30)),
                      Row(1, "19", "单项", "单一牵头举措", ("区市场监管局",), date(2022, 6, 10))))
    with rt.write() as session:  # 区财政局 cooperates (配合单位) on the joint measure
        unit = session.execute(select(Unit).where(Unit.name == "区市场监管局")).scalars().one()
        session.add(MeasureUnit(measure_id=ids[0], unit_id=unit.id, position=9, part=COOPERATING))
    users = people(rt, {"cg": (STAFF, JOINT[0]), "cghead": (HEAD, JOINT[0]), "zj": (STAFF, JOINT[1]),
                        "gz": (STAFF, JOINT[2]), "sj": (STAFF, "区市场监管局"), "rev": (SUPERVISOR, None),
                        "yb": (OFFICE, None), "leader": (LEADER, None), "leader2": (LEADER, None)})
    with rt.write() as session:
        unit = session.execute(select(Unit).where(Unit.name == JOINT[0])).scalars().one()
        session.add(LeaderUnit(user_id=users["leader"].id, unit_id=unit.id))
    return ids, users


def auth(rt, users, name):
    return headers(rt, users[name])


def test_joint_lead_units_are_equals_and_cooperating_units_see_and_report_progress(rt, world):
    (joint, single), users = world
    with client(rt) as c:
        m = c.get(f"/api/measures/{joint}", headers=auth(rt, users, "zj")).json()
        assert m["primary_unit"] == JOINT[0] and m["units"] == list(JOINT)
        assert m["cooperating_units"] == ["区市场监管局"]
        fire(c, auth(rt, users, "cg"), joint, "start")
        for name in ("zj", "gz", "sj"):  # co-leads and the cooperating unit report progress
            assert fire(c, auth(rt, users, name), joint, "update_progress", comment=f"{name} 进展").status_code == 200
        assert upload(c, auth(rt, users, "zj"), joint).status_code == 201  # a co-lead uploads evidence
        assert upload(c, auth(rt, users, "sj"), joint).status_code == 403  # a cooperating unit does not
        assert fire(c, auth(rt, users, "zj"), joint, "submit", comment="完成").status_code == 403  # primary only
        assert c.get(f"/api/measures/{single}", headers=auth(rt, users, "zj")).status_code == 403
        listed = c.get("/api/measures", headers=auth(rt, users, "sj")).json()
    assert {x["id"] for x in listed["items"]} == {joint, single}


def test_the_head_signs_off_or_sends_back_with_a_reason(rt, world):
    (joint, _), users = world
    with client(rt) as c:
        fire(c, auth(rt, users, "cg"), joint, "start")
        upload(c, auth(rt, users, "cg"), joint)
        assert fire(c, auth(rt, users, "cg"), joint, "submit", comment="完成").json()["state"] == "awaiting_signoff"
        bare = fire(c, auth(rt, users, "cghead"), joint, "send_back")
        assert bare.status_code == 422 and "退回理由" in bare.json()["fields"]["comment"]
        back = fire(c, auth(rt, users, "cghead"), joint, "send_back", comment="数据不全").json()
        assert back["state"] == "in_progress"
        again = fire(c, auth(rt, users, "cg"), joint, "submit", comment="已补充").json()
        files = {e["sha256"] for e in again["evidence"] if e["report_version"] == again["version"]}
        assert len(files) == 1  # the first round's file came along, once
        signed = fire(c, auth(rt, users, "cghead"), joint, "sign_off", comment="同意").json()
    assert signed["state"] == "reported"
    with Session(rt.engine) as s:
        kinds = [r.kind for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds.count("measure_submitted") == 2 and "measure_sent_back" in kinds and "measure_reported" in kinds


def test_a_unit_without_an_active_head_reports_directly(rt, world):
    (_, single), users = world  # 区市场监管局 has a clerk only
    with client(rt) as c:
        fire(c, auth(rt, users, "sj"), single, "start")
        upload(c, auth(rt, users, "sj"), single)
        detail = c.get(f"/api/measures/{single}", headers=auth(rt, users, "sj")).json()
        assert "report" in detail["allowed_actions"] and "submit" not in detail["allowed_actions"]
        assert fire(c, auth(rt, users, "sj"), single, "report", comment="完成").json()["state"] == "reported"


def test_a_deployment_may_switch_the_sign_off_off(rt, world):
    (joint, _), users = world
    settings = rt.settings.model_copy(update={"signoff": False})
    off = replace(rt, config=replace(rt.config, settings=settings))
    with client(off) as c:
        fire(c, auth(off, users, "cg"), joint, "start")
        upload(c, auth(off, users, "cg"), joint)
        detail = c.get(f"/api/measures/{joint}", headers=auth(off, users, "cg")).json()
        assert "submit" not in detail["allowed_actions"] and "report" in detail["allowed_actions"]
        assert fire(c, auth(off, users, "cg"), joint, "report", comment="完成").json()["state"] == "reported"


def test_a_leaders_instruction_reaches_the_lead_units_and_is_answered(rt, world):
    (joint, _), users = world
    with client(rt) as c:
        refused = c.post(f"/api/measures/{joint}/instructions", json={"text": "请加快"},
                         headers=auth(rt, users, "cg"))
        assert refused.status_code == 403
        made = c.post(f"/api/measures/{joint}/instructions", json={"text": "请务必6月底前完成"},
                      headers=auth(rt, users, "leader"))
        assert made.status_code == 201 and {"id", "text", "by", "at", "state"} <= set(made.json())
        assert made.json()["state"] == "issued" and made.json()["by"] == "leader"
        unnamed = c.post(f"/api/measures/{joint}/instructions", json={"text": "代录"}, headers=auth(rt, users, "yb"))
        assert unnamed.status_code == 409 and "区领导" in unnamed.json()["message"]
        behalf = c.post(f"/api/measures/{joint}/instructions",
                        json={"text": "代录批示", "on_behalf_of": users["leader2"].id},
                        headers=auth(rt, users, "yb")).json()
        assert behalf["by"] == "leader2" and behalf["entered_by"] == "yb"
        answered = c.post(f"/api/instructions/{made.json()['id']}/reply", json={"text": "已召开专题会部署"},
                          headers=auth(rt, users, "zj"))
        assert answered.status_code == 200 and answered.json()["state"] == "answered"
        detail = c.get(f"/api/measures/{joint}", headers=auth(rt, users, "cg")).json()
    first = next(i for i in detail["instructions"] if i["id"] == made.json()["id"])
    assert [(r["text"], r["unit"]) for r in first["replies"]] == [("已召开专题会部署", JOINT[1])]
    with Session(rt.engine) as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "instruction_issued")).all()
    assert {row.user_id for row in told} >= {users["cg"].id, users["zj"].id, users["gz"].id}
    assert audit.verify(rt).ok


def test_pending_sign_off_and_unanswered_instructions_have_their_rungs(rt, world):
    (joint, _), users = world
    rt.clock.set(bj("2022-06-20 09:00"))
    with client(rt) as c:
        fire(c, auth(rt, users, "cg"), joint, "start")
        upload(c, auth(rt, users, "cg"), joint)
        fire(c, auth(rt, users, "cg"), joint, "submit", comment="完成")
        c.post(f"/api/measures/{joint}/instructions", json={"text": "请落实"}, headers=auth(rt, users, "leader"))
    early = sweep_at(rt, "2022-06-21 09:00")
    assert not early.fired["signoff"] and not early.fired["instruction"]
    late = sweep_at(rt, "2022-06-23 09:00")  # two working days after the submission; three after the 批示
    assert late.fired["signoff"] == 1 and late.fired["instruction"] == 1
    with Session(rt.engine) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "escalation")).all()
    assert {(r.data["level"], r.user_id) for r in rows} >= {("signoff", users["cghead"].id),
                                                            ("instruction", users["cghead"].id)}


def test_the_l3_notice_copies_the_overseeing_leader(rt, world):
    (joint, _), users = world
    sweep_at(rt, "2022-07-20 09:00")  # long past 6-30: L3 通报
    with Session(rt.engine) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "escalation",
                                                  OutboxMessage.subject_id == joint)).all()
    leader = [r for r in rows if r.user_id == users["leader"].id]
    assert leader and leader[0].data["level"] == "L3" and leader[0].data["copy"] is True
    assert not [r for r in rows if r.user_id == users["leader2"].id]  # not theirs to oversee


def test_the_cockpit_counts_match_the_database_and_is_closed_to_units(rt, world):
    (joint, single), users = world
    rt.clock.set(bj("2022-06-20 09:00"))
    with client(rt) as c:
        c.post(f"/api/measures/{joint}/instructions", json={"text": "请落实"}, headers=auth(rt, users, "leader"))
        assert c.get("/api/cockpit", headers=auth(rt, users, "cg")).status_code == 403
        body = c.get("/api/cockpit", headers=auth(rt, users, "leader")).json()
    with Session(rt.engine) as s:
        total = s.scalar(select(func.count()).select_from(Measure))
        overdue = s.scalar(select(func.count()).select_from(Measure).where(
            Measure.due_date < date(2022, 6, 20), Measure.state.in_(["assigned", "in_progress"])))
    assert body["total"] == total and body["overdue"] == overdue == 1
    assert [m["id"] for m in body["overdue_list"]] == [single]
    assert body["due_soon"] == 0 and body["overseen"] == [JOINT[0]]
    assert [i["text"] for i in body["instructions"]] == ["请落实"]
    assert sum(body["by_state"].values()) == total
