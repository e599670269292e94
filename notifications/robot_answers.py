"""How a group robot's answer maps to an outcome: the errcode table (with its sources) and a pure classifier."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal

SENT, RETRY, FAILED = "sent", "retry", "failed"

# Sources as found in the stored search corpus: mostly copies of the vendors' pages, checked against several copies.
DT_ACCESS = "open.dingtalk.com/document/group/custom-robot-access (自定义机器人接入; copies: juejin.cn, cnblogs.com)"
DT_GLOBAL = "DingTalk global errcodes (copy: blog.csdn.net/weixin_38171468/article/details/106051120)"
DT_TABLE = ("DingTalk 自定义机器人 error table (open.dingtalk.com/document/orgapp/custom-bot-send-message-type), "
            "as mirrored in github.com/sqkkyzx/dagster-dingtalk")
WC_ROBOT = "developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明; copies on cnblogs.com, csdn.net)"
WC_GLOBAL = "developer.work.weixin.qq.com/document/path/90313 (全局错误码; WxJava's WxCpErrorMsgEnum)"


@dataclass(frozen=True)
class Errcode:
    kind: str
    code: int
    outcome: str
    meaning: str
    source: str
    pause: float | None = None  # seconds the robot refuses further messages (throttling)


ERRCODES: tuple[Errcode, ...] = (
    Errcode("dingtalk", 0, SENT, "ok", DT_ACCESS),
    Errcode("dingtalk", 130101, RETRY, "send too fast, exceed 20 times per minute (then 限流10分钟)",
            DT_ACCESS + "; answer text in blog.csdn.net/jialiuyang/article/details/118615052", 600.0),
    Errcode("dingtalk", 410100, RETRY, "发送速度太快而限流", DT_TABLE, 600.0),
    Errcode("dingtalk", -1, RETRY, "系统繁忙，建议稍后再重试", DT_GLOBAL),
    Errcode("dingtalk", 310000, FAILED,
            "security check: sign not match / invalid timestamp / keywords not in content / ip … not in whitelist",
            DT_ACCESS + " (安全设置); the four errmsg texts are quoted in many SDKs' comments"),
    Errcode("dingtalk", 40035, FAILED, "缺少参数 json (the body is not the expected JSON)", DT_TABLE),
    Errcode("dingtalk", 43004, FAILED, "无效的HTTP HEADER Content-Type", DT_TABLE),
    Errcode("dingtalk", 400013, FAILED, "群已被解散", DT_TABLE),
    Errcode("dingtalk", 400101, FAILED, "access_token不存在", DT_TABLE),
    Errcode("dingtalk", 400102, FAILED, "机器人已停用", DT_TABLE),
    Errcode("dingtalk", 400105, FAILED, "不支持的消息类型", DT_TABLE),
    Errcode("dingtalk", 400106, FAILED, "机器人不存在", DT_TABLE),
    *(Errcode("dingtalk", code, FAILED, f"{what} (content check; the same text would be refused again)", DT_TABLE)
      for code, what in ((430101, "含有不安全的外链"), (430102, "含有不合适的文本"), (430103, "含有不合适的图片"),
                         (430104, "含有不合适的内容"))),
    Errcode("wecom", 0, SENT, "ok", WC_ROBOT),
    Errcode("wecom", 45009, RETRY, "api freq out of limit (20 messages a minute per robot)", WC_ROBOT, 60.0),
    Errcode("wecom", -1, RETRY, "系统繁忙，建议稍候重试", WC_GLOBAL),
    Errcode("wecom", 93000, FAILED, "invalid webhook url (the key is wrong or the robot was removed)",
            "github.com/qd-today/qd/issues/586, github.com/wes-lin/Cloud189Checkin/issues/175"),
    Errcode("wecom", 40058, FAILED, "markdown.content exceed max length 4096",
            "github.com/RayWangQvQ/BiliBiliToolPro/issues/702; " + WC_ROBOT),
    Errcode("wecom", 40008, FAILED, "不合法的消息类型", WC_GLOBAL),
    Errcode("wecom", 40035, FAILED, "不合法的参数", WC_GLOBAL),
)
BY_CODE = {(e.kind, e.code): e for e in ERRCODES}
# Beyond the table (HTTP semantics, RFC 9110 §15 and RFC 6585 §4):
# - no answer (connect error, timeout, dropped connection): retry; the message may or may not have arrived;
# - HTTP 429 and 5xx: retry, honouring Retry-After; any other non-2xx (3xx included: redirects are not followed,
#   a moved webhook is a configuration error): failed;
# - a generic webhook's 2xx: sent, whatever the body;
# - a DingTalk/WeCom errcode not in the table, or a 2xx that is not JSON: retry. An unknown code is retried within
#   the outbox's max_attempts, so a new transient code never loses a notice; a new permanent one costs a few tries.


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "retry", "failed"]
    reason: str = ""  # short, for logs and outbox.last_error: "errcode 130101", "http 500", "ReadTimeout", "paced"
    answer: str = ""  # the server's answer text, cut to 500 characters
    retry_after: float | None = None  # seconds; None lets the outbox use its own backoff
    http_status: int | None = None
    errcode: int | None = None

    @property
    def sent(self) -> bool:
        return self.status == SENT


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def errcode_of(text: str) -> int | None:
    try:
        return int(json.loads(text)["errcode"])
    except (ValueError, TypeError, KeyError):
        return None


def classify(kind: str, status: int, text: str, retry_after: float | None = None) -> Outcome:
    """Map one HTTP answer to sent / retry / failed (ERRCODES and the rules below it)."""
    answer = text[:500]
    if status == 429 or status >= 500:
        return Outcome(RETRY, f"http {status}", answer, retry_after, status)
    if not 200 <= status < 300:
        return Outcome(FAILED, f"http {status}", answer, None, status)
    if kind == "webhook":
        return Outcome(SENT, "", answer, None, status)
    code = errcode_of(text)
    if code is None:
        return Outcome(RETRY, "answer has no errcode", answer, retry_after, status)
    known = BY_CODE.get((kind, code))
    outcome = known.outcome if known else RETRY
    wait = None if outcome != RETRY else retry_after or (known.pause if known else None)
    return Outcome(outcome, "" if outcome == SENT else f"errcode {code}", answer, wait, status, code)


def throttle_pause(kind: str, outcome: Outcome) -> float | None:
    """Seconds a throttled robot will refuse everything, when this outcome says it is throttled."""
    known = BY_CODE.get((kind, outcome.errcode)) if outcome.errcode is not None else None
    return (outcome.retry_after or known.pause) if known and known.pause else None


def errcode_table() -> str:
    """The table as Markdown, for the README or the lead's channel docs."""
    rows = ["| robot | errcode | outcome | meaning | source |", "|---|---|---|---|---|"]
    rows += [f"| {e.kind} | {e.code} | {e.outcome}{f' after {e.pause:g} s' if e.pause else ''} | {e.meaning} | "
             f"{e.source} |" for e in ERRCODES]
    return "\n".join(rows)
