"""A detail's allowed actions follow the rules' facts it reads with its row (urged today, the unit has an active
head): a 催办 is offered again only on the next day, 提交审签 only while the unit has a head to sign."""

from __future__ import annotations

from sqlalchemy import update

from tests.world import bj, build, client, set_state
from workflows.accounts_models import User


def _allowed(c, world, mid: int, who: str) -> list[str]:
    resp = c.get(f"/api/measures/{mid}", headers=world.auth(who))
    assert resp.status_code == 200, resp.text
    return resp.json()["allowed_actions"]


def test_urge_is_offered_until_the_measure_is_urged_that_day(rt):
    world = build(rt)
    mid = world.measures[3]  # 区政务办 first
    set_state(rt, mid, "in_progress")
    rt.clock.set(bj("2022-06-20 10:00"))
    with client(rt) as c:
        assert "urge" in _allowed(c, world, mid, "reviewer")
        assert c.post(f"/api/measures/{mid}/urge", json={"comment": "请加快推进"},
                      headers=world.auth("reviewer")).status_code == 201
        assert "urge" not in _allowed(c, world, mid, "reviewer")
        assert "urge" not in _allowed(c, world, mid, "office")
        rt.clock.set(bj("2022-06-21 09:00"))
        assert "urge" in _allowed(c, world, mid, "reviewer")


def test_submit_for_sign_off_is_offered_while_the_unit_has_an_active_head(rt):
    world = build(rt)
    mid = world.measures[3]  # 区政务办 first: its clerk zw, its head zwhead
    set_state(rt, mid, "in_progress")
    with client(rt) as c:
        before = _allowed(c, world, mid, "zw")
        assert "submit" in before and "report" not in before
        with rt.write() as session:
            session.execute(update(User).where(User.username == "zwhead").values(active=False))
        after = _allowed(c, world, mid, "zw")
        assert "submit" not in after and "report" in after  # no head to sign: the clerk reports directly
