"""At most 20 messages a minute per webhook: the 21st comes back as retry with retry_after, without being sent."""

from __future__ import annotations

from notifications.robots import RETRY, SENT, Pacing, RobotSender, RobotTarget, body_for
from tests.robot_support import StepClock, run, running_robot_sink


async def send_many(sender: RobotSender, target: RobotTarget, n: int, clock: StepClock | None = None,
                    step: float = 0.0) -> list:
    outcomes = []
    for i in range(n):
        body = body_for(target, "群", f"### 【改革事项督办】第{i}条")
        outcomes.append(await sender.send(target, body, f"row-{i}"))
        if clock:
            clock.advance(step)
    return outcomes


def test_the_21st_message_in_a_minute_is_held_back(tmp_path):
    clock = StepClock()
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("dingtalk"), "dingtalk")

        async def go():
            async with RobotSender(pacing=Pacing(clock=clock)) as sender:
                outcomes = await send_many(sender, target, 21, clock, step=1.0)  # 21 messages over 21 seconds
                assert [o.status for o in outcomes[:20]] == [SENT] * 20
                held = outcomes[20]
                assert (held.status, held.reason) == (RETRY, "paced") and held.retry_after == 40.0  # 1st at t=0
                assert len(sink.messages()) == 20 and sink.bodies_read == 20  # the 21st never left
                clock.advance(38.0)  # t=59: the first slot is still taken
                assert (await send_many(sender, target, 1))[0].status == RETRY
                clock.advance(1.0)  # t=60: the first slot is free, the second not yet
                assert [o.status for o in await send_many(sender, target, 2)] == [SENT, RETRY]

        run(go())
        assert len(sink.messages()) == 21


def test_each_webhook_has_its_own_window_and_the_limit_is_configurable(tmp_path):
    clock = StepClock()
    with running_robot_sink(tmp_path) as sink:
        wecom, webhook = RobotTarget(sink.url("wecom"), "wecom"), RobotTarget(sink.url("webhook"), "webhook")

        async def go():
            async with RobotSender(pacing=Pacing(limit=3, window=10.0, clock=clock)) as sender:
                assert [o.status for o in await send_many(sender, wecom, 4)] == [SENT, SENT, SENT, RETRY]
                assert [o.status for o in await send_many(sender, webhook, 3)] == [SENT, SENT, SENT]
                clock.advance(10.0)
                assert (await send_many(sender, wecom, 1))[0].status == SENT

        run(go())


def test_a_throttle_answer_pauses_that_robot(tmp_path):
    clock = StepClock()
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("dingtalk"), "dingtalk")
        sink.fail_next(1, "errcode")

        async def go():
            async with RobotSender(pacing=Pacing(clock=clock)) as sender:
                throttled, after = await send_many(sender, target, 2)
                assert (throttled.errcode, throttled.retry_after) == (130101, 600.0)
                assert (after.status, after.reason, after.retry_after) == (RETRY, "paced", 600.0)
                assert sink.bodies_read == 1  # DingTalk blocks for 10 minutes: the rest of the flush waits, unsent
                clock.advance(600.0)
                assert (await send_many(sender, target, 1))[0].status == SENT

        run(go())
