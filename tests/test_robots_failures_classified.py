"""Each way a robot can fail comes back as retry or failed, with the server's answer kept and nothing raised."""

from __future__ import annotations

import pytest

from notifications.robot_answers import classify
from notifications.robots import FAILED, RETRY, SENT, RobotSender, RobotTarget, body_for
from tests.robot_support import run, running_robot_sink

FAST = {"total_timeout": 0.5, "connect_timeout": 0.5}  # the receiver's "slow" answer takes 1.5 s


def send(target: RobotTarget, n: int = 1, key: str = "row-1") -> list:
    async def go():
        async with RobotSender(**FAST) as sender:
            body = body_for(target, "群", "### 【改革事项督办】测试")
            return [await sender.send(target, body, key) for _ in range(n)]
    return run(go())


@pytest.mark.parametrize(("kind", "mode", "reason", "answer", "retry_after"), [
    ("dingtalk", "errcode", "errcode 130101", "send too fast", 600.0),
    ("wecom", "errcode", "errcode 45009", "api freq out of limit", 60.0),
    ("wecom", "http429", "http 429", "too many requests", 7.0),
    ("webhook", "http429", "http 429", "too many requests", 7.0),
    ("dingtalk", "http500", "http 500", "internal error", None),
    ("webhook", "http500", "http 500", "internal error", None),
])
def test_throttling_and_server_errors_are_retried_with_the_answer_kept(tmp_path, kind, mode, reason, answer,
                                                                      retry_after):
    with running_robot_sink(tmp_path, slow_seconds=1.5) as sink:
        sink.fail_next(1, mode)
        [outcome] = send(RobotTarget(sink.url(kind), kind))
        assert (outcome.status, outcome.reason, outcome.retry_after) == (RETRY, reason, retry_after)
        assert answer in outcome.answer
        assert sink.messages() == []


def test_a_connection_dropped_after_the_body_was_read_is_retried(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        sink.fail_next(1, "drop")
        [dropped, again] = send(RobotTarget(sink.url("wecom"), "wecom"), n=2)
        assert sink.bodies_read == 2  # the receiver had the first body: it may or may not have been posted
        assert dropped.status == RETRY and "RemoteProtocolError" in dropped.reason and dropped.http_status is None
        assert again.status == SENT and len(sink.messages()) == 1


def test_an_answer_slower_than_the_client_timeout_is_retried(tmp_path):
    with running_robot_sink(tmp_path, slow_seconds=1.5) as sink:
        sink.fail_next(1, "slow")
        [outcome] = send(RobotTarget(sink.url("webhook"), "webhook"))
        assert outcome.status == RETRY and "Timeout" in outcome.reason


def test_a_refused_server_is_retried(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        url = sink.url("webhook")
    [outcome] = send(RobotTarget(url, "webhook"))  # the port is closed now
    assert outcome.status == RETRY and "ConnectError" in outcome.reason


def test_configuration_errors_are_permanent(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        [no_key] = send(RobotTarget(sink.url("wecom").replace("key=demo-key", "key="), "wecom"))
        assert (no_key.status, no_key.errcode) == (FAILED, 93000) and "invalid webhook url" in no_key.answer
        [wrong_path] = send(RobotTarget(sink.base + "/robot/nowhere", "webhook"))
        assert (wrong_path.status, wrong_path.http_status) == (FAILED, 404) and "no robot" in wrong_path.answer
        bad_body = {"msgtype": "markdown", "markdown": {"title": "群"}}

        async def go():
            async with RobotSender(**FAST) as sender:
                return await sender.send(RobotTarget(sink.url("dingtalk"), "dingtalk"), bad_body, "row-9")

        bad = run(go())
        assert (bad.status, bad.errcode) == (FAILED, 40035) and "markdown.text" in bad.answer
    [scheme] = send(RobotTarget("ftp://robot.example/send", "webhook"))
    assert scheme.status == FAILED and "UnsupportedProtocol" in scheme.reason


def test_after_a_scripted_failure_the_next_message_goes_through(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        sink.fail_next(2, "http500")
        outcomes = send(RobotTarget(sink.url("dingtalk"), "dingtalk"), n=3)
        assert [o.status for o in outcomes] == [RETRY, RETRY, SENT]


@pytest.mark.parametrize(("kind", "status", "text", "expected"), [
    ("dingtalk", 200, '{"errcode":0,"errmsg":"ok"}', (SENT, None)),
    ("dingtalk", 200, '{"errcode":-1,"errmsg":"系统繁忙"}', (RETRY, None)),
    ("dingtalk", 200, '{"errcode":400102,"errmsg":"机器人已停用"}', (FAILED, None)),
    ("dingtalk", 200, '{"errcode":123456,"errmsg":"new"}', (RETRY, None)),
    ("wecom", 200, "<html>gateway</html>", (RETRY, None)),
    ("wecom", 503, "", (RETRY, 30.0)),
    ("webhook", 204, "", (SENT, None)),
    ("webhook", 301, "", (FAILED, None)),
    ("webhook", 403, "forbidden", (FAILED, None)),
])
def test_the_classifier_table(kind, status, text, expected):
    outcome = classify(kind, status, text, 30.0 if status == 503 else None)
    assert (outcome.status, outcome.retry_after) == expected
    assert outcome.answer == text[:500]


def test_the_answer_is_cut_to_500_characters():
    assert len(classify("webhook", 500, "x" * 2000).answer) == 500
