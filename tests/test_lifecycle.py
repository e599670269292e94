"""A measure goes from assigned to replicated through the JSON API, every step checked and recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from engine.outbox import OutboxMessage
from tests.world import address, build, client, fire, set_state, upload
from workflows.models import Extension, Measure


@pytest.fixture
def world(rt):
    return build(rt)


def outbox(rt, kind: str) -> list[OutboxMessage]:
    with Session(rt.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def measure(rt, measure_id: int) -> Measure:
    with Session(rt.engine) as session:
        return session.get(Measure, measure_id)


def test_assigned_to_replicated_as_clerk_head_reviewer_and_office(rt, world):
    """The clerk hands the report to the head (提交审签), the head signs it off; after 督查办 returns it the head
    reports directly, and the files of the first round are carried over with the new one."""
    mid = world.measures[0]
    clerk, head = world.auth("clerk"), world.auth("head")
    reviewer, office = world.auth("reviewer"), world.auth("office")
    with client(rt) as c:
        assert c.get(f"/api/measures/{mid}", headers=clerk).json()["allowed_actions"] == ["start"]
        started = fire(c, clerk, mid, "start")
        assert started.status_code == 200
        assert (started.json()["state"], started.json()["version"]) == ("in_progress", 2)
        progress = fire(c, clerk, mid, "update_progress", comment="已起草实施方案", percent=40).json()
        assert (progress["percent"], progress["last_progress"]) == (40, "已起草实施方案")
        first = upload(c, clerk, mid).json()
        direct = fire(c, clerk, mid, "report", comment="已完成备案改革")
        assert direct.status_code == 409 and "审签" in direct.json()["message"]  # the head answers for it
        submitted = fire(c, clerk, mid, "submit", comment="已完成备案改革").json()
        assert submitted["state"] == "awaiting_signoff"
        assert c.get(f"/api/measures/{mid}", headers=head).json()["allowed_actions"] == ["sign_off", "send_back"]
        reported = fire(c, head, mid, "sign_off", comment="同意报送").json()
        assert reported["state"] == "reported"
        assert [e["report_version"] for e in reported["evidence"]] == [submitted["version"]]

        no_reason = fire(c, reviewer, mid, "return")
        assert no_reason.status_code == 422 and "comment" in no_reason.json()["fields"]
        returned = fire(c, reviewer, mid, "return", comment="请补充备案数据").json()
        assert returned["state"] == "in_progress"

        second = upload(c, clerk, mid, "补充材料.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).json()
        again = upload(c, clerk, mid).json()  # the same PDF as the first round: not listed twice
        fire(c, head, mid, "report", comment="已补充数据")
        verified = fire(c, reviewer, mid, "approve", comment="核验通过")
        assert verified.json()["state"] == "verified"
        evaluated = fire(c, office, mid, "evaluate", rating="好", satisfaction=92, typical_case=True,
                         case_text="一照多址经验").json()
        assert (evaluated["rating"], evaluated["satisfaction"], evaluated["typical_case"]) == ("好", 92, True)
        done = fire(c, office, mid, "replicate", scope="全区", description="在全区推广").json()

    assert done["state"] == "replicated" and done["version"] == 10 and done["allowed_actions"] == []
    steps = [(h["action"], h["from_state"], h["to_state"], h["actor"]) for h in done["history"]]
    assert steps == [
        ("import", None, "assigned", "导入"), ("start", "assigned", "in_progress", "clerk"),
        ("update_progress", "in_progress", "in_progress", "clerk"),
        ("submit", "in_progress", "awaiting_signoff", "clerk"), ("sign_off", "awaiting_signoff", "reported", "head"),
        ("return", "reported", "in_progress", "reviewer"), ("report", "in_progress", "reported", "head"),
        ("approve", "reported", "verified", "reviewer"), ("evaluate", "verified", "evaluated", "office"),
        ("replicate", "evaluated", "replicated", "office"),
    ]
    assert [h["version"] for h in done["history"]] == list(range(1, 11))
    assert done["history"][5]["comment"] == "请补充备案数据"
    rounds = sorted((e["report_version"], e["sha256"]) for e in done["evidence"])
    assert rounds == sorted([(4, first["sha256"]), (7, second["sha256"]), (7, first["sha256"])])
    assert again["id"] == first["id"] or again["sha256"] == first["sha256"]
    assert sorted(address(rt, m) for m in outbox(rt, "measure_submitted")) == ["head@wulong.example"]
    assert sorted(address(rt, m) for m in outbox(rt, "measure_reported")) == ["reviewer2@wulong.example",
                                                                          "reviewer2@wulong.example",
                                                                          "reviewer@wulong.example",
                                                                          "reviewer@wulong.example"]
    assert sorted(address(rt, m) for m in outbox(rt, "measure_returned")) == ["clerk@wulong.example",
                                                                          "head@wulong.example"]
    assert len(outbox(rt, "evaluation_done")) == 2


def test_approved_extension_moves_the_deadline_and_starts_a_new_one(rt, world):
    mid = world.measures[0]
    with client(rt) as c:
        fire(c, world.auth("clerk"), mid, "start")
        asked = fire(c, world.auth("clerk"), mid, "request_extension", proposed_due_date="2022-07-31",
                     comment="需要协调省级系统").json()
        assert asked["extension"] == {"proposed_due_date": "2022-07-31", "reason": "需要协调省级系统"}
        assert "report" not in asked["allowed_actions"]  # not while an extension waits
        decided = fire(c, world.auth("reviewer"), mid, "decide_extension", approve=True, comment="同意")
    assert decided.status_code == 200
    body = decided.json()
    assert (body["due_date"], body["deadline_version"], body["extension"]) == ("2022-07-31", 2, None)
    assert body["history"][-1]["data"]["approve"] is True
    with Session(rt.engine) as session:
        ext = session.exec(select(Extension).where(Extension.measure_id == mid)).one()
    assert (ext.old_due_date, ext.approved) == (date(2022, 6, 30), True)
    assert outbox(rt, "extension_decided")


def test_rejected_extension_keeps_the_deadline(rt, world):
    mid = world.measures[0]
    with client(rt) as c:
        fire(c, world.auth("clerk"), mid, "start")
        fire(c, world.auth("clerk"), mid, "request_extension", proposed_due_date="2022-07-31", comment="延期")
        body = fire(c, world.auth("reviewer"), mid, "decide_extension", approve=False, comment="不同意").json()
    assert (body["due_date"], body["deadline_version"], body["extension"]) == ("2022-06-30", 1, None)
    assert measure(rt, mid).due_date == date(2022, 6, 30)


def test_adjust_sends_it_back_with_a_new_deadline(rt, world):
    mid = world.measures[0]
    set_state(rt, mid, "evaluated", rating="一般", satisfaction=60)
    with client(rt) as c:
        missing = fire(c, world.auth("office"), mid, "adjust", comment="效果一般")
        assert missing.status_code == 422 and "new_due_date" in missing.json()["fields"]
        body = fire(c, world.auth("office"), mid, "adjust", comment="效果一般，继续优化",
                    new_due_date="2022-09-30").json()
    assert (body["state"], body["due_date"], body["deadline_version"]) == ("in_progress", "2022-09-30", 2)
    assert body["rating"] is None
    assert outbox(rt, "measure_adjusted")


def test_replicate_is_refused_when_the_rating_is_poor(rt, world):
    mid = world.measures[0]
    set_state(rt, mid, "verified")
    with client(rt) as c:
        fire(c, world.auth("office"), mid, "evaluate", rating="差", satisfaction=30)
        refused = fire(c, world.auth("office"), mid, "replicate", scope="全区", description="推广")
        assert refused.status_code == 409
        assert "差" in refused.json()["message"]
        after = c.get(f"/api/measures/{mid}", headers=world.auth("office")).json()
    assert after["state"] == "evaluated" and after["allowed_actions"] == ["adjust"]


def test_report_attaches_uploaded_evidence_and_needs_at_least_one(rt, world):
    mid = world.measures[0]
    clerk = world.auth("head")
    with client(rt) as c:
        fire(c, clerk, mid, "start")
        bare = fire(c, clerk, mid, "report", comment="完成")
        assert bare.status_code == 422 and bare.json()["codes"] == {"evidence": "required"}
        one, two = upload(c, clerk, mid, "a.pdf").json(), upload(c, clerk, mid, "b.pdf", b"%PDF-1.7 other").json()
        only_one = fire(c, clerk, mid, "report", comment="完成", evidence=[two["id"]]).json()
    attached = {e["id"]: e["report_version"] for e in only_one["evidence"]}
    assert attached == {one["id"]: None, two["id"]: only_one["version"]}


def test_version_grows_by_one_and_nothing_is_anonymous(rt, world):
    mid = world.measures[0]
    with client(rt) as c:
        anonymous = c.post(f"/api/measures/{mid}/actions/start", json={"version": 1})
        assert anonymous.status_code == 401
        no_version = c.post(f"/api/measures/{mid}/actions/start", json={}, headers=world.auth("clerk"))
        assert no_version.status_code == 422 and "version" in no_version.json()["fields"]
        assert fire(c, world.auth("clerk"), mid, "start").json()["version"] == 2
    assert measure(rt, mid).version == 2
