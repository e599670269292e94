"""A unit with a group robot hears of each change once, as a signed Markdown digest; its people by their choice.

Email through aiosmtpd, the robot through the local receiver (which checks the body and the DingTalk signature).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from tests.mail_support import mail_runtime, parsed, running_sink
from tests.notify_support import add_robot, rows, set_reach
from tests.robot_support import SECRET, running_robot_sink
from tests.world import bj, esc_act
from tests.world import esc_measure as measure
from tests.world import esc_people as people

UNIT = "区市场监管局"


@pytest.fixture
def both(rt, tmp_path):
    """A runtime with both local receivers running, and 区市场监管局's robot pointing at one."""
    mail_rt = mail_runtime(rt)
    with running_sink(mail_rt), running_robot_sink(tmp_path / "robots", secret=SECRET) as robots:
        people(mail_rt, ("rev", "supervisor", "区政府督查办"), ("clerk", "unit_staff", UNIT),
               ("boss", "unit_head", UNIT))
        add_robot(mail_rt, UNIT, robots.url("dingtalk"))
        yield mail_rt, robots


def channels(rt) -> Counter:
    """(channel, who) of every row: a username, the unit's own address (its head's mail), or the robot."""
    from sqlmodel import Session

    from workflows.accounts_models import User

    with Session(rt.engine) as session:
        return Counter((r.channel, session.get(User, r.user_id).username if r.user_id else
                        "robot" if r.channel == "robot" else "unit") for r in rows(rt))


def test_a_unit_with_both_channels_gets_a_mail_per_person_and_one_robot_digest(both):
    rt, robots = both
    for n in range(3):
        measure(rt, date(2022, 6, 10), text=f"市场监管举措{n}")
    assert rt.sweep(bj("2022-06-20 09:00")).fired["L2"] == 3  # L2: the head, a copy to 督查办
    assert channels(rt) == {("email", "boss"): 3, ("email", "rev"): 3, ("robot", "robot"): 3}
    result = rt.flush()
    assert (result.sent, result.failed, result.deferred, result.emails) == (9, 0, 0, 3)
    assert sorted(m["To"].addresses[0].addr_spec for m in parsed(rt)) == ["boss@wulong.example", "rev@wulong.example"]
    [digest] = robots.messages()  # one message, three items, signed with the robot's secret (the receiver checked)
    text = digest["body"]["markdown"]["text"]
    assert digest["body"]["markdown"]["title"] == "【督办】区市场监管局 3 项举措逾期超过6个工作日"
    assert all(f"市场监管举措{n}" in text for n in range(3)) and text.count("事项7《一照多址改革》") == 3
    assert "时间节点：2022年6月10日" in text and "**逾期 6 个工作日**" in text
    assert "触发时间：2022年6月20日 09:00" in text
    assert "(https://duban.wulong.example/measures/1)" in text
    assert rt.flush().emails == 0 and len(robots.messages()) == 1 and len(parsed(rt)) == 2


def test_each_person_chooses_email_the_robot_or_both(both):
    rt, robots = both
    set_reach(rt, user="clerk", reach="email")
    set_reach(rt, user="boss", reach="robot")
    measure(rt, date(2022, 6, 10))
    assert rt.sweep(bj("2022-06-13 09:00")).fired["L1"] == 1  # L1: staff and head
    assert channels(rt) == {("email", "clerk"): 1, ("robot", "robot"): 1}  # the robot hears it once, for both
    set_reach(rt, user="clerk", reach="")  # back to the unit's setting, which 管理 sets to the robot only
    set_reach(rt, unit=UNIT, reach="robot")
    measure(rt, date(2022, 6, 10))
    rt.sweep(bj("2022-06-13 09:00"))
    assert channels(rt) == {("email", "clerk"): 1, ("robot", "robot"): 2}
    rt.flush()
    assert len(robots.messages()) == 1 and len(robots.messages()[0]["body"]["markdown"]["text"].split("- **")) == 3


def test_nobody_is_left_without_a_channel(both):
    rt, _ = both
    people(rt, ("cz", "unit_staff", "区财政局"), ("nomail", "unit_staff", UNIT))
    set_reach(rt, user="cz", reach="robot")  # 区财政局 has no robot: mail it is
    from tests.notify_support import rows as all_rows
    from workflows.accounts_models import User

    with rt.write() as session:
        from sqlalchemy import select

        session.execute(select(User).where(User.username == "nomail")).scalars().one().email = ""
    measure(rt, date(2022, 6, 10), unit="区财政局")
    measure(rt, date(2022, 6, 10))
    rt.sweep(bj("2022-06-13 09:00"))
    assert channels(rt) == {("email", "cz"): 1, ("email", "unit"): 1,  # 区财政局: its clerk and its head's address
                            ("email", "clerk"): 1, ("email", "boss"): 1, ("robot", "robot"): 1}
    rt.flush()
    assert {r.status for r in all_rows(rt)} == {"sent"}  # nomail was told through the unit's robot


def test_an_action_tells_the_units_robot_once_with_who_did_it(both):
    rt, robots = both
    from workflows.models import Measure

    m = measure(rt, date(2022, 6, 30), state="reported", reported_at=bj("2022-06-16 10:00"))
    with rt.write() as session:
        from sqlalchemy import select

        from workflows.accounts_models import User

        session.execute(select(User).where(User.username == "rev")).scalars().one().display_name = "督查办核验员"
        assert session.get(Measure, m) is not None
    esc_act(rt, m, "rev", "return", "2022-06-20 10:00", comment="佐证材料不全")
    assert channels(rt) == {("email", "clerk"): 1, ("email", "boss"): 1, ("robot", "robot"): 1}
    rt.flush()
    [digest] = robots.messages()
    assert digest["body"]["markdown"]["title"] == "【退回】第7项 一照多址改革 报送被退回"
    boss = next(p for p in parsed(rt) if p["To"].addresses[0].addr_spec == "boss@wulong.example")
    assert boss["Subject"] == "【退回】第7项 一照多址改革 报送被退回"
    text = boss.get_body(("plain",)).get_content()
    assert "操作人：督查办核验员" in text and "操作人：rev" not in text and "说明：佐证材料不全" in text


def test_a_sender_without_the_robots_key_sends_the_mail_and_leaves_the_robots_queued(both):
    """`reform outbox flush` from a shell where REFORM_SECRET_KEY is not set: the robots' sealed URLs cannot be
    opened, so their rows wait for a process that has the key; the mail goes all the same."""
    from engine.outbox import QUEUED, SENT
    from engine.sealing import Sealer, seal_with, sealer_of

    rt, robots = both
    measure(rt, date(2022, 6, 10))
    assert rt.sweep(bj("2022-06-20 09:00")).fired["L2"] == 1
    kept = sealer_of(rt.engine)

    def unset() -> bytes:
        from config.settings import Settings

        return Settings(secret_key=None, demo=False).sealing_key()

    seal_with(rt.engine, Sealer(unset))
    try:
        result = rt.flush()
    finally:
        seal_with(rt.engine, kept)
    assert (result.sent, result.emails) == (2, 2) and len(parsed(rt)) == 2 and robots.messages() == []
    assert any("仍在队列中" in e and "REFORM_SECRET_KEY" in e for e in result.errors)
    assert {r.status for r in rows(rt) if r.channel == "robot"} == {QUEUED}
    assert {r.status for r in rows(rt) if r.channel == "email"} == {SENT}
    assert rt.flush().sent == 1 and len(robots.messages()) == 1  # a process with the key sends it


def test_robot_rows_a_sender_cannot_open_never_crowd_the_mail_out_of_its_batches(both):
    """The robots' rows at the head of the queue, and a keyless sender whose batch holds one row: each flush still
    sends a mail (before, the robot row filled every batch and the mail behind it never went from that shell)."""
    from dataclasses import replace

    from engine.outbox import QUEUED, SENT
    from engine.sealing import Sealer, seal_with, sealer_of
    from notifications.delivery import flush

    rt, robots = both
    measure(rt, date(2022, 6, 10))
    assert rt.sweep(bj("2022-06-20 09:00")).fired["L2"] == 1
    with rt.write() as session:  # the robot's row first in line, as when the robots' notices were written first
        robot_row = session.get(type(rows(rt)[0]), rows(rt, channel="robot")[0].id)
        robot_row.id = 0 if rt.engine.dialect.name == "sqlite" else -1
        session.add(robot_row)
    assert rows(rt)[0].channel == "robot"
    kept = sealer_of(rt.engine)

    def unset() -> bytes:
        from config.settings import Settings

        return Settings(secret_key=None, demo=False).sealing_key()

    one_at_a_time = replace(rt.delivery, policy=replace(rt.delivery.policy, batch=1))
    seal_with(rt.engine, Sealer(unset))
    try:
        results = [flush(one_at_a_time) for _ in range(2)]
    finally:
        seal_with(rt.engine, kept)
    assert [r.sent for r in results] == [1, 1] and len(parsed(rt)) == 2 and robots.messages() == []
    assert all("1 条robot通知本次未发送，仍在队列中" in r.errors[0] for r in results)
    assert {r.status for r in rows(rt, channel="email")} == {SENT}
    assert {r.status for r in rows(rt, channel="robot")} == {QUEUED}
    assert rt.flush().sent == 1 and len(robots.messages()) == 1
