"""Group-robot digests go through the outbox like mail: signed, exactly once, and each robot answer handled.

Against the local receiver (notifications/robot_sink.py), which checks bodies and DingTalk signatures, answers
errcodes, HTTP 429/500, drops and slow answers. The robots' pacing runs on a clock the tests advance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from notifications.delivery import DeliveryPolicy, flush
from notifications.robot_channel import RobotChannel, delivery_key
from notifications.robots import DELIVERY_HEADER, Pacing
from tests.mail_support import mail_runtime
from tests.notify_support import add_robot, rows, set_reach, signed_in
from tests.robot_support import SECRET, StepClock, running_robot_sink
from tests.world import bj, client
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows import webhooks
from workflows.directory import robot_webhooks

UNIT = "区市场监管局"


@pytest.fixture
def sink(tmp_path):
    with running_robot_sink(tmp_path / "robots", secret=SECRET, slow_seconds=1.0) as receiver:
        yield receiver


@pytest.fixture
def pace() -> StepClock:
    return StepClock()


@pytest.fixture
def robot_rt(rt):
    return mail_runtime(rt)


def delivery(rt, pace: StepClock, policy: DeliveryPolicy | None = None, timeout: float = 2.0):
    """The runtime's delivery with a robot channel paced on the test's clock."""
    from notifications.robot_channel import RobotChannel as Channel

    robot = Channel(rt.settings.base_url, robot_webhooks, pacing=Pacing(limit=20, clock=pace), timeout=timeout)
    return replace(rt.delivery, channels={**rt.channels, "robot": robot}, policy=policy or rt.delivery.policy)


def overdue_for_the_robot(rt, count: int = 3, unit: str = UNIT) -> None:
    """`count` overdue measures of a unit told only through its robot, swept at L2 on 2022-06-20."""
    for n in range(count):
        measure(rt, date(2022, 6, 10), unit=unit, text=f"市场监管举措{n}")
    set_reach(rt, unit=unit, reach="robot")
    assert rt.sweep(bj("2022-06-20 09:00")).fired["L2"] == count


def robot_rows(rt):
    return rows(rt, channel="robot")


def robot_statuses(rt) -> dict[str, int]:
    """The robot rows by status (the copies mailed to 督查办 wait for an SMTP server these tests do not run)."""
    return dict(Counter(r.status for r in robot_rows(rt)))


def test_a_signed_digest_is_accepted_and_a_wrong_secret_fails_at_once(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("dingtalk"))
    add_robot(robot_rt, "区财政局", sink.url("dingtalk") + "&group=cz", secret="SECwrong")
    overdue_for_the_robot(robot_rt, 2)
    overdue_for_the_robot(robot_rt, 1, unit="区财政局")
    flush(delivery(robot_rt, pace))
    assert robot_statuses(robot_rt) == {"sent": 2, "failed": 1}
    [kept] = sink.messages()
    assert kept["kind"] == "dingtalk" and "市场监管举措1" in kept["body"]["markdown"]["text"]
    refused = [r for r in robot_rows(robot_rt) if r.status == "failed"]
    assert [(r.failure, r.attempts) for r in refused] == [("refused", 1)]
    assert "errcode 310000" in refused[0].last_error and "sign not match" in refused[0].last_error
    robot_rt.clock.advance(timedelta(days=1))
    assert flush(delivery(robot_rt, pace)).emails == 0 and len(sink.messages()) == 1


def test_a_throttled_robot_waits_its_pause_without_spending_attempts_on_it(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("dingtalk"))
    overdue_for_the_robot(robot_rt, 2)
    sink.fail_next(1, "errcode")  # 130101: send too fast; DingTalk stops listening for ten minutes
    d = delivery(robot_rt, pace)
    flush(d)
    first = robot_rows(robot_rt)
    assert {(r.status, r.attempts) for r in first} == {("queued", 1)} and "130101" in first[0].last_error
    assert first[0].next_attempt_at - robot_rt.clock.now() >= timedelta(minutes=10)
    read = sink.bodies_read
    robot_rt.clock.advance(timedelta(minutes=10))
    flush(d)  # our pacing still holds the robot back: nothing sent, no attempt spent
    assert sink.bodies_read == read and {(r.status, r.attempts) for r in robot_rows(robot_rt)} == {("queued", 1)}
    pace.advance(600)
    robot_rt.clock.advance(timedelta(minutes=10))
    flush(d)
    assert robot_statuses(robot_rt) == {"sent": 2} and len(sink.messages()) == 1


def test_http_429_waits_for_retry_after_or_the_backoff(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("webhook"), kind="webhook")
    overdue_for_the_robot(robot_rt, 1)
    sink.fail_next(1, "http429")  # Retry-After: 7, shorter than the first backoff (60 s)
    flush(delivery(robot_rt, pace))
    [row] = robot_rows(robot_rt)
    assert (row.status, row.attempts) == ("queued", 1) and "http 429" in row.last_error
    assert row.next_attempt_at - robot_rt.clock.now() == timedelta(seconds=60)


def test_a_slow_answer_is_sent_again_under_the_same_delivery_key(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("webhook"), kind="webhook")
    overdue_for_the_robot(robot_rt, 2)
    sink.fail_next(1, "slow")  # taken, answered after the sender gave up
    d = delivery(robot_rt, pace, timeout=0.3)
    flush(d)
    assert robot_statuses(robot_rt) == {"queued": 2}
    sink.server.stopping.wait(1.2)  # the slow answer finishes storing
    robot_rt.clock.advance(timedelta(minutes=1))
    flush(d)
    assert robot_statuses(robot_rt) == {"sent": 2}
    keys = [m["headers"][DELIVERY_HEADER] for m in sink.messages()]
    [mid] = {r.message_id for r in robot_rows(robot_rt)}
    assert keys == [delivery_key(mid, [r.id for r in robot_rows(robot_rt)])] * 2  # a duplicate the receiver folds
    assert [len(m["body"]["items"]) for m in sink.messages()] == [2, 2]


def test_each_part_of_a_long_digest_fares_its_own_way(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("wecom"), kind="wecom")
    overdue_for_the_robot(robot_rt, 30)  # more than one 企业微信 message (4096 bytes) holds
    sink.fail_next(1, "http500")  # the first part fails, the others are taken
    d = delivery(robot_rt, pace)
    flush(d)
    taken, first = sink.messages(), robot_statuses(robot_rt)
    assert len(taken) >= 1 and first["sent"] + first["queued"] == 30 and first["queued"] > 0
    waiting = [r for r in robot_rows(robot_rt) if r.status == "queued"]
    assert all(r.attempts == 1 for r in waiting)
    robot_rt.clock.advance(timedelta(minutes=1))
    flush(d)
    assert robot_statuses(robot_rt) == {"sent": 30}
    again = sink.messages()[len(taken):]
    assert len(again) == 1 and again[0]["headers"][DELIVERY_HEADER] == delivery_key(
        waiting[0].message_id, [r.id for r in waiting])
    listed = "".join(m["body"]["markdown"]["content"] for m in sink.messages())
    assert all(f"市场监管举措{n}｜" in listed for n in range(30))  # every item once, none lost
    assert sum(listed.count(f"市场监管举措{n}｜") for n in range(30)) == 30


def test_out_of_attempts_is_failed_and_shown_on_the_mail_page(robot_rt, sink, pace):
    add_robot(robot_rt, UNIT, sink.url("dingtalk"))
    overdue_for_the_robot(robot_rt, 1)
    people(robot_rt, ("rev", "supervisor", "区政府督查办"))
    d = delivery(robot_rt, pace, DeliveryPolicy(max_attempts=2))
    for _ in range(2):
        sink.fail_next(1, "http500")
        flush(d)
        robot_rt.clock.advance(timedelta(hours=1))
    [row] = robot_rows(robot_rt)
    assert (row.status, row.failure, row.attempts) == ("failed", "exhausted", 2) and "http 500" in row.last_error
    assert "access_token=demo-token" not in row.recipient  # the webhook's token is never listed
    with client(robot_rt) as c:
        signed_in(c, "rev")
        page = c.get("/mail").text
        assert "工作群机器人" in page and "重试次数用尽" in page and "http 500" in page
        assert "demo-token" not in page


def test_a_removed_robot_fails_what_was_queued_for_it_visibly(robot_rt, sink, pace):
    hook = add_robot(robot_rt, UNIT, sink.url("dingtalk"))
    overdue_for_the_robot(robot_rt, 1)
    with robot_rt.write() as session:
        webhooks.remove(session, robot_rows(robot_rt)[0].unit_id, hook)
    flush(delivery(robot_rt, pace))
    assert robot_statuses(robot_rt) == {"failed": 1} and sink.messages() == []
    assert robot_rows(robot_rt)[0].failure == "no_address"


def test_the_runtime_registers_the_robot_channel(robot_rt):
    assert isinstance(robot_rt.channels["robot"], RobotChannel) and set(robot_rt.channels) == {"email", "robot"}
