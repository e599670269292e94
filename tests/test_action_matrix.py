"""Generated from REFORM_MEASURE: each action, for each role and state the table forbids, is refused; no change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from engine.history import HistoryRecord
from engine.outbox import OutboxMessage
from tests.world import add_evidence, build, client, set_state
from workflows.models import Evidence, Measure
from workflows.reform.table import REFORM_MEASURE

# one person per role, all of the measure's primary unit where a unit applies
PERSON = {"unit_staff": "clerk", "unit_head": "head", "supervisor": "reviewer", "office": "office", "leader": "leader",
          "admin": "admin"}
# a body that would be accepted if the action were allowed: refusals must come from the table, not the input
BODY = {
    "start": {},
    "update_progress": {"comment": "进展", "percent": 50},
    "request_extension": {"proposed_due_date": "2022-08-31", "comment": "理由"},
    "decide_extension": {"approve": True, "comment": "同意"},
    "report": {"comment": "完成"},
    "submit": {"comment": "完成，请审签"},
    "sign_off": {"comment": "同意报送"},
    "send_back": {"comment": "佐证材料不全"},
    "urge": {"comment": "请加快推进"},
    "approve": {"comment": "通过"},
    "return": {"comment": "退回理由"},
    "evaluate": {"rating": "好", "satisfaction": 90, "typical_case": False},
    "replicate": {"scope": "全区", "description": "推广"},
    "adjust": {"comment": "调整", "new_due_date": "2022-09-30"},
}


def refused_cases(action_name: str) -> list[tuple[str, str, int]]:
    """(role, state, expected status) for every combination the table does not allow."""
    act = REFORM_MEASURE.action(action_name)
    cases = []
    for role in PERSON:
        for state in REFORM_MEASURE.state_names:
            if role in act.roles and state in act.source:
                continue
            cases.append((role, state, 403 if role not in act.roles else 409))
    return cases


def snapshot(rt, measure_id: int) -> tuple:
    with Session(rt.engine) as session:
        m = session.get(Measure, measure_id)
        row = (m.state, m.version, m.due_date, m.deadline_version, m.extension_date, m.rating, m.percent)
        count = session.exec(select(func.count()).select_from(HistoryRecord)).one()
        mails = session.exec(select(func.count()).select_from(OutboxMessage)).one()
        attached = session.exec(select(func.count()).select_from(Evidence)
                                .where(Evidence.report_version.is_not(None))).one()
    return row, count, mails, attached


def clear_urges(rt) -> None:
    """A 催办 is once a day: forget today's so the next case is only about role and state."""
    from sqlalchemy import delete

    from workflows.models import Escalation

    with rt.write() as session:
        session.execute(delete(Escalation))


# With a unit head on the account list, a clerk hands the report to the head (提交审签) rather than reporting:
CONDITIONAL = {("report", "unit_staff")}


def condition_values(action_name: str) -> dict:
    """Row values that satisfy the action's conditions, so only role and state can refuse it."""
    if action_name == "decide_extension":
        return {"extension_date": date(2022, 8, 31), "extension_reason": "理由"}
    return {"extension_date": None, "rating": "好", "satisfaction": 90}


@pytest.mark.parametrize("action", [a.name for a in REFORM_MEASURE.actions])
def test_action_is_refused_wherever_the_table_does_not_allow_it(rt, action):
    world = build(rt)
    mid = world.measures[0]
    add_evidence(rt, mid, world.users["clerk"])
    auth = {role: world.auth(person) for role, person in PERSON.items()}
    cases = refused_cases(action)
    assert cases, f"{action}: the matrix is empty"
    with client(rt) as c:
        for role, state, expected in cases:
            set_state(rt, mid, state, **condition_values(action))
            before = snapshot(rt, mid)
            version = before[0][1]
            res = c.post(f"/api/measures/{mid}/actions/{action}", json={"version": version, **BODY[action]},
                         headers=auth[role])
            assert res.status_code == expected, (action, role, state, res.json())
            assert res.json()["error"] in ("forbidden", "transition_not_allowed")
            assert snapshot(rt, mid) == before, (action, role, state)


def test_every_allowed_combination_succeeds_with_the_same_bodies(rt):
    """The other half of the matrix: the bodies above are good, so the refusals were the table's doing."""
    world = build(rt)
    mid = world.measures[0]
    with client(rt) as c:
        for act in REFORM_MEASURE.actions:
            for role in sorted(act.roles):
                for state in act.source:
                    set_state(rt, mid, state, **condition_values(act.name))
                    clear_urges(rt)
                    if any(f.kind == "files" for f in act.fields):
                        add_evidence(rt, mid, world.users["clerk"])
                    version = snapshot(rt, mid)[0][1]
                    res = c.post(f"/api/measures/{mid}/actions/{act.name}",
                                 json={"version": version, **BODY[act.name]}, headers=world.auth(PERSON[role]))
                    if (act.name, role) in CONDITIONAL:
                        assert res.status_code == 409 and "审签" in res.json()["message"], res.json()
                        continue
                    assert res.status_code == 200, (act.name, role, state, res.json())
                    assert res.json()["state"] == act.target_from(state)


def test_another_units_measure_is_forbidden_for_reading_and_every_action(rt):
    world = build(rt)
    mid = world.measures[0]  # 区市场监管局 only
    outsider = world.auth("cz")  # 区财政局
    with client(rt) as c:
        assert c.get(f"/api/measures/{mid}", headers=outsider).status_code == 403
        for act in REFORM_MEASURE.actions:
            set_state(rt, mid, act.source[0], **condition_values(act.name))
            before = snapshot(rt, mid)
            res = c.post(f"/api/measures/{mid}/actions/{act.name}",
                         json={"version": before[0][1], **BODY[act.name]}, headers=outsider)
            assert res.status_code == 403, (act.name, res.json())
            assert snapshot(rt, mid) == before
        assert c.get("/api/measures/99999", headers=outsider).status_code == 404


def test_a_co_lead_unit_reports_progress_but_does_not_act_for_the_primary(rt):
    world = build(rt)
    mid = world.measures[3]  # 区政务办 primary, 区市场监管局 co-lead
    clerk = world.auth("clerk")
    with client(rt) as c:
        assert c.get(f"/api/measures/{mid}", headers=clerk).json()["allowed_actions"] == []
        refused = c.post(f"/api/measures/{mid}/actions/start", json={"version": 1}, headers=clerk)
        assert refused.status_code == 403
        set_state(rt, mid, "in_progress")
        assert c.get(f"/api/measures/{mid}", headers=clerk).json()["allowed_actions"] == ["update_progress"]
        for action in ("request_extension", "report"):
            res = c.post(f"/api/measures/{mid}/actions/{action}", json={"version": 1, **BODY[action]},
                         headers=clerk)
            assert res.status_code == 403, action
        ok = c.post(f"/api/measures/{mid}/actions/update_progress",
                    json={"version": 1, **BODY["update_progress"]}, headers=clerk)
    assert ok.status_code == 200 and ok.json()["percent"] == 50
