"""Many items are split into several robot messages, each within the robot's limit, none lost, none repeated."""

from __future__ import annotations

import re
from dataclasses import replace

from notifications.robots import SENT, RobotSender, RobotTarget, bodies_for, render_markdown, render_parts
from tests.robot_support import FIRED_AT, item, run, running_robot_sink

LONG_TITLE = "持续优化营商环境·市场主体满意度提升改革事项第{n}项" * 2
MANY = [replace(item(n, level=("L3", "L2", "L1")[n % 3], title=LONG_TITLE.format(n=n)), ref=str(n))
        for n in range(1, 121)]


def item_numbers(markdown: str) -> list[str]:
    return re.findall(r"\*\* 事项(\d+)《", markdown)


def test_wecom_messages_fit_4096_bytes_and_list_every_item_once():
    messages = render_markdown("区市场监管局工作群", MANY, FIRED_AT, "wecom")
    assert len(messages) > 3
    assert all(len(m.encode("utf-8")) <= 4096 for m in messages)
    listed = [n for m in messages for n in item_numbers(m)]
    assert sorted(listed, key=int) == [str(n) for n in range(1, 121)]
    total = len(messages)
    for index, message in enumerate(messages, start=1):  # every part says which part it is and what fired it
        assert message.startswith(f"### 【改革事项督办】区市场监管局工作群（{index}/{total}）\n")
        assert "> 触发时间：2022年6月20日 09:00，共 120 项" in message


def test_sections_go_most_severe_first_and_continue_across_parts():
    messages = render_markdown("群", MANY, FIRED_AT, "wecom")
    headings = [h for m in messages for h in re.findall(r"^#### (.+)$", m, re.M)]
    assert headings[0] == "预警督办 · 通报（L3）"
    assert [h.removesuffix("（续）") for h in headings] == sorted(
        (h.removesuffix("（续）") for h in headings), key=lambda h: "L3 L2 L1".index(h[-3:-1]))
    assert any(h.endswith("（续）") for h in headings)


def test_dingtalk_messages_fit_5000_characters():
    parts = render_parts("群", MANY, FIRED_AT, "dingtalk")
    assert len(parts) > 1 and all(len(p.markdown) <= 5000 for p in parts)
    assert sum(len(p.items) for p in parts) == 120
    assert all(item_numbers(p.markdown) == [i.item_no for i in p.items] for p in parts)
    refs = [i.ref for p in parts for i in p.items]  # each part says which outbox rows it carries
    assert sorted(refs, key=int) == [str(n) for n in range(1, 121)]


def test_one_small_digest_is_one_message_without_a_part_number():
    [message] = render_markdown("区财政局工作群", [item(7)], FIRED_AT, "wecom")
    assert message.startswith("### 【改革事项督办】区财政局工作群\n")


def test_the_wecom_receiver_accepts_every_part(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("wecom"), "wecom", name="区市场监管局工作群")
        bodies = bodies_for(target, target.name, MANY, FIRED_AT)

        async def go():
            async with RobotSender() as sender:
                return [await sender.send(target, body, f"digest-7:{n}") for n, body in enumerate(bodies)]

        assert {o.status for o in run(go())} == {SENT}
        stored = [m["body"]["markdown"]["content"] for m in sink.messages()]
        assert len(stored) == len(bodies)
        assert sorted((n for m in stored for n in item_numbers(m)), key=int) == [str(n) for n in range(1, 121)]


def test_the_wecom_receiver_refuses_an_oversized_message(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("wecom"), "wecom")
        body = {"msgtype": "markdown", "markdown": {"content": "督办" * 1400}}  # 4200 bytes

        async def go():
            async with RobotSender() as sender:
                return await sender.send(target, body, "too-big")

        outcome = run(go())
        assert (outcome.status, outcome.errcode) == ("failed", 40058)
