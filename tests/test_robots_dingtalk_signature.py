"""The DingTalk 加签 signature is accepted by a receiver with the same secret and refused, permanently, otherwise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

from notifications.robots import FAILED, SENT, RobotSender, RobotTarget, bodies_for, sign_dingtalk, signed_url
from tests.robot_support import FIRED_AT, SECRET, item, run, running_robot_sink


def send_one(target: RobotTarget, **sender_options):
    async def go():
        async with RobotSender(**sender_options) as sender:
            return await sender.send(target, bodies_for(target, "区市场监管局工作群", [item()], FIRED_AT)[0], "d-1")
    return run(go())


def test_sign_is_the_url_encoded_base64_hmac_of_timestamp_and_secret():
    expected = base64.b64encode(hmac.new(b"s", b"1577262236757\ns", hashlib.sha256).digest()).decode()
    assert sign_dingtalk("s", 1577262236757) == expected.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    url = signed_url(RobotTarget("https://robot.example/send?access_token=t", "dingtalk", secret="s"), 1577262236757)
    query = parse_qs(urlsplit(url).query)
    assert query == {"access_token": ["t"], "timestamp": ["1577262236757"], "sign": [expected]}


def test_unsigned_kinds_keep_their_url():
    for kind in ("wecom", "webhook"):
        assert signed_url(RobotTarget("https://robot.example/x?key=k", kind, secret="s"), 1) == \
            "https://robot.example/x?key=k"


def test_the_receiver_accepts_the_right_secret(tmp_path):
    with running_robot_sink(tmp_path, secret=SECRET) as sink:
        outcome = send_one(RobotTarget(sink.url("dingtalk"), "dingtalk", secret=SECRET, name="区市场监管局工作群"))
        assert outcome.status == SENT and outcome.errcode == 0
        [stored] = sink.messages()
        assert stored["kind"] == "dingtalk" and stored["body"]["msgtype"] == "markdown"
        assert stored["body"]["markdown"]["title"] == "区市场监管局工作群"


def test_a_different_secret_is_refused_and_not_retried(tmp_path):
    with running_robot_sink(tmp_path, secret=SECRET) as sink:
        outcome = send_one(RobotTarget(sink.url("dingtalk"), "dingtalk", secret="SECsomethingelse"))
        assert (outcome.status, outcome.errcode) == (FAILED, 310000)
        assert "sign not match" in outcome.answer
        missing = send_one(RobotTarget(sink.url("dingtalk"), "dingtalk", secret=None))
        assert (missing.status, missing.errcode) == (FAILED, 310000)
        assert sink.messages() == []


def test_a_clock_more_than_an_hour_off_is_refused(tmp_path):
    two_hours_ago = time.time_ns() // 1_000_000 - 2 * 3_600_000
    with running_robot_sink(tmp_path, secret=SECRET) as sink:
        target = RobotTarget(sink.url("dingtalk"), "dingtalk", secret=SECRET)
        outcome = send_one(target, clock_ms=lambda: two_hours_ago)
        assert (outcome.status, outcome.errcode) == (FAILED, 310000) and "invalid timestamp" in outcome.answer
        assert send_one(target, clock_ms=lambda: two_hours_ago + 3_600_000 + 60_000).status == SENT
