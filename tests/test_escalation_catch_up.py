"""After downtime only the highest due rung is sent; who gets each rung; which states get which ladder."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, select

from engine.outbox import OutboxMessage
from tests.world import address, bj, escalations, sweep_at
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.models import Escalation


def notices(rt, measure_id: int) -> list[tuple[str, str, bool]]:
    """(recipient, level, copy) of the escalation notices of a measure."""
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.subject_id == measure_id,
                                                        OutboxMessage.kind == "escalation")
                            .order_by(OutboxMessage.id)).all()
    return sorted((address(rt, r), json.loads(r.payload)["level"], json.loads(r.payload).get("copy", False))
                  for r in rows)


def test_after_downtime_only_the_highest_rung_is_sent(rt):
    m = measure(rt, date(2022, 6, 1))  # no users: the unit head's address stands in
    result = sweep_at(rt, "2022-06-30 10:00")
    assert dict(result.fired) == {"L3": 1} and dict(result.superseded) == {"L0": 1, "L1": 1, "L2": 1}
    assert escalations(rt, m) == [("L0", 1, "superseded"), ("L1", 1, "superseded"), ("L2", 1, "superseded"),
                                  ("L3", 1, "fired")]
    assert notices(rt, m) == [("scjg-head@wulong.example", "L3", False), ("yingshangban@wulong.example", "L3", False)]
    with Session(rt.engine) as session:
        superseded = session.exec(select(Escalation).where(Escalation.status == "superseded")).all()
    assert all(e.recipients == "" for e in superseded)


def test_catching_up_from_a_lower_rung_already_sent(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    m = measure(rt, date(2022, 6, 1))
    assert dict(sweep_at(rt, "2022-05-25 09:00").fired) == {"L0": 1}
    result = sweep_at(rt, "2022-06-13 09:00")  # down from 5-25 until after L2 (6-9)
    assert dict(result.fired) == {"L2": 1} and dict(result.superseded) == {"L1": 1}
    # L2 goes to the unit head (no head user: the head's address) and in copy to 督查办's reviewer
    assert notices(rt, m) == [("clerk@wulong.example", "L0", False), ("rev@wulong.example", "L2", True),
                              ("scjg-head@wulong.example", "L2", False)]


def test_recipients_follow_roles_of_the_primary_unit(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"),
           ("cz", "unit_staff", "区财政局"), ("office1", "office", "区营商办"))
    m = measure(rt, date(2022, 6, 10), co_units=("区财政局",))  # 财政局 co-leads: not escalated to
    sweep_at(rt, "2022-06-02 09:00")
    sweep_at(rt, "2022-06-13 09:00")
    sweep_at(rt, "2022-06-24 09:00")
    assert notices(rt, m) == [("boss@wulong.example", "L1", False), ("boss@wulong.example", "L3", False),
                              ("clerk@wulong.example", "L0", False), ("clerk@wulong.example", "L1", False),
                              ("office1@wulong.example", "L3", False)]


def test_states_decide_the_ladder(rt):
    reported = measure(rt, date(2022, 5, 31), state="reported", reported_at=bj("2022-06-01 10:00"))
    verified = measure(rt, date(2022, 5, 31), state="verified", reported_at=bj("2022-06-01 10:00"))
    assigned = measure(rt, date(2022, 5, 31), state="assigned")
    result = sweep_at(rt, "2022-06-30 09:00")
    assert escalations(rt, reported) == [("review", date(2022, 6, 1).toordinal(), "fired")]
    assert escalations(rt, verified) == []
    assert escalations(rt, assigned)[-1] == ("L3", 1, "fired")
    assert notices(rt, reported) == [("duchaban@wulong.example", "review", False)]  # 督查办's head address
    assert dict(result.fired) == {"review": 1, "L3": 1}


def test_a_measure_without_a_deadline_never_escalates(rt):
    m = measure(rt, None)
    assert not sweep_at(rt, "2026-06-30 09:00").fired and escalations(rt, m) == []


def test_the_api_lists_escalations_to_those_who_may_see_them(rt):
    from tests.world import client, headers
    from workflows.accounts_models import User

    people(rt, ("clerk", "unit_staff", "区市场监管局"), ("cz", "unit_staff", "区财政局"),
           ("rev", "supervisor", "区政府督查办"))
    mine = measure(rt, date(2022, 6, 1))
    other = measure(rt, date(2022, 6, 1), unit="区财政局")
    sweep_at(rt, "2022-06-13 09:00")
    with Session(rt.engine) as session:
        users = {u.username: u for u in session.exec(select(User))}
    with client(rt) as c:
        clerk = c.get("/api/escalations", headers=headers(rt, users["clerk"])).json()
        assert clerk["total"] == 3 and {e["measure_id"] for e in clerk["items"]} == {mine}
        fired = c.get(f"/api/escalations?measure={other}&level=L2", headers=headers(rt, users["rev"])).json()
        assert fired == {"total": 1, "items": [fired["items"][0]]}
        item = fired["items"][0]
        assert (item["level"], item["due_date"], item["status"]) == ("L2", "2022-06-01", "fired")
        assert item["recipients"] == ["cz-head@wulong.example", "rev@wulong.example"]
        assert item["fired_at"].startswith("2022-06-13T09:00:00+08:00")
        assert c.get("/api/escalations?level=L9", headers=headers(rt, users["rev"])).status_code == 400
        assert c.get("/api/escalations").status_code == 401
