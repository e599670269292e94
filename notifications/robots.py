"""Group-robot digests (钉钉/渝快政, 企业微信, generic JSON webhooks): pure Markdown rendering and an async sender."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, quote_plus
from zoneinfo import ZoneInfo

# Which answers are retried and which are permanent, with the sources: notifications/robot_answers.py (ERRCODES).
from notifications.robot_answers import (
    ERRCODES,
    FAILED,
    RETRY,
    SENT,
    Outcome,
    classify,
    errcode_table,
    retry_after_seconds,
    throttle_pause,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["DELIVERY_HEADER", "ERRCODES", "FAILED", "RETRY", "SENT", "KINDS", "SIZE_LIMITS", "Outcome", "Pacing",
           "RobotItem", "RobotMessage", "RobotSender", "RobotTarget", "body_for", "bodies_for", "classify",
           "errcode_table", "first_words", "render_markdown", "render_parts", "sign_dingtalk", "signed_url"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
RobotKind = Literal["dingtalk", "wecom", "webhook"]
KINDS: tuple[str, ...] = ("dingtalk", "wecom", "webhook")
DELIVERY_HEADER = "X-Reform-Delivery"
# (unit, limit) per robot kind: WeCom counts UTF-8 bytes (91770); DingTalk's 5000 characters (its errcode 34016,
# blog.csdn.net/weixin_40514790/article/details/104249446) is kept with a margin; a generic receiver has no
# documented limit, so one message holds a whole digest.
SIZE_LIMITS: dict[str, tuple[str, int]] = {"wecom": ("bytes", 4096), "dingtalk": ("chars", 4800),
                                           "webhook": ("chars", 60000)}


@dataclass(frozen=True)
class RobotTarget:
    url: str
    kind: RobotKind
    secret: str | None = None  # DingTalk 加签 secret (SEC…); unused by the other kinds
    name: str = ""  # the group, e.g. 区市场监管局工作群

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"robot {self.name!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class RobotItem:
    """What one line of a robot digest says."""

    level: str  # L0…L3, or "" for a notice that is not an escalation
    level_label: str  # 提醒, 催办, 督办, 通报
    kind_label: str  # 预警督办, 已被退回, …
    item_no: str
    item_title: str
    measure_first_words: str
    unit: str
    due_date: date | None
    overdue_workdays: int | None
    link: str
    copy: bool = False  # 抄送
    ref: str = ""  # the caller's id for this line (e.g. the outbox row), never rendered: maps a part back to rows

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^\s]+$", self.link):
            raise ValueError(f"item {self.item_no!r}: link {self.link!r} is not an absolute http(s) URL")

    def to_json(self) -> dict:
        data = asdict(self)
        data["due_date"] = self.due_date.isoformat() if self.due_date else None
        return data


@dataclass(frozen=True)
class RobotMessage:
    """One rendered message and the items it lists (a generic webhook also receives them as JSON)."""

    markdown: str
    items: tuple[RobotItem, ...]


# --- rendering (pure) -------------------------------------------------------------------------------------------

# Neither robot documents backslash escapes in its Markdown subset, so a backslash may show literally; full-width
# look-alikes read the same to a Chinese reader and can never form a link, emphasis, HTML or an @mention.
_NEUTRAL = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿", "`": "｀", "~": "～",
                          "<": "＜", ">": "＞", "|": "｜", "@": "＠", "!": "！", "#": "＃", "\\": "＼"})
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def plain(text: str, limit: int = 80) -> str:
    """User text (from spreadsheets) made one harmless line: no CR/LF, no controls, no Markdown, no autolink."""
    text = _INVISIBLE.sub("", str(text or ""))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split()).translate(_NEUTRAL).replace("://", "：//")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_words(text: str, limit: int = 30) -> str:
    """A measure's text cut to about `limit` characters for one digest line."""
    return plain(text, limit)


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_time(at: datetime) -> str:
    local = at.astimezone(SHANGHAI) if at.tzinfo else at  # a naive time is taken as Beijing time already
    return f"{cn_date(local.date())} {local:%H:%M}"


def timing(days: int | None) -> str:
    if days is None:
        return ""
    if days > 0:
        return f"**逾期 {days} 个工作日**"
    return "今日到期" if days == 0 else f"距到期还有 {-days} 个工作日"


def safe_link(url: str) -> str:
    # Parentheses and spaces would end a Markdown link early; percent-encoding keeps the URL the same resource.
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def item_line(item: RobotItem) -> str:
    level = f"{plain(item.level_label, 8)}（{plain(item.level, 4)}）" if item.level else plain(item.kind_label, 16)
    parts = [f"- **{level}{'·抄送' if item.copy else ''}** 事项{plain(item.item_no, 12)}《{plain(item.item_title)}》",
             f"举措：{plain(item.measure_first_words, 32)}", f"牵头单位：{plain(item.unit, 40)}",
             f"时间节点：{cn_date(item.due_date) if item.due_date else '未设定'}", timing(item.overdue_workdays),
             f"[查看详情]({safe_link(item.link)})"]
    return "｜".join(p for p in parts if p)


def _level_rank(level: str) -> int:
    return int(level[1:]) if re.fullmatch(r"L\d", level or "") else -1


def grouped(items: Sequence[RobotItem]) -> list[tuple[str, list[RobotItem]]]:
    """Sections by kind and level, the most severe level first, then in the order the items came."""
    sections: dict[tuple[str, str, str], list[RobotItem]] = {}
    for item in items:
        sections.setdefault((item.kind_label, item.level, item.level_label), []).append(item)
    order = sorted(sections, key=lambda k: -_level_rank(k[1]))
    return [(_heading(k), sections[k]) for k in order]


def _heading(key: tuple[str, str, str]) -> str:
    kind_label, level, level_label = key
    tail = f" · {plain(level_label, 8)}（{plain(level, 4)}）" if level else ""
    return f"#### {plain(kind_label, 16)}{tail}"


def measure(text: str, kind: str) -> int:
    unit, _ = SIZE_LIMITS[kind]
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def _header(title: str, generated_at: datetime, count: int, part: str) -> str:
    # Every part repeats 改革事项督办, so a DingTalk robot secured by the keyword 督办 accepts each one.
    return f"### 【改革事项督办】{plain(title, 40)}{part}\n> 触发时间：{cn_time(generated_at)}，共 {count} 项\n"


def render_parts(title: str, items: Sequence[RobotItem], generated_at: datetime, kind: str) -> list[RobotMessage]:
    """Split the digest into messages that each fit the robot's limit; no item is lost or repeated."""
    # The header is measured with the widest part number, and every line with its newline.
    room = SIZE_LIMITS[kind][1] - measure(_header(title, generated_at, len(items), "（999/999）"), kind)
    parts: list[tuple[list[str], list[RobotItem]]] = []
    used = room + 1  # forces a first part
    for heading, section in grouped(items):
        for index, item in enumerate(section):
            need = ([] if index else ["", heading]) + [item_line(item)]
            size = sum(measure(line, kind) + 1 for line in need)
            if used + size > room:
                parts.append(([], []))
                need = ["", heading + ("（续）" if index else ""), item_line(item)]
                size = sum(measure(line, kind) + 1 for line in need)
                used = 0
            parts[-1][0].extend(need)
            parts[-1][1].append(item)
            used += size
    return _numbered(title, generated_at, len(items), parts or [([], [])])


def _numbered(title: str, generated_at: datetime, count: int,
              parts: list[tuple[list[str], list[RobotItem]]]) -> list[RobotMessage]:
    total = len(parts)
    return [RobotMessage(_header(title, generated_at, count, f"（{n}/{total}）" if total > 1 else "")
                         + "\n".join(lines) + "\n", tuple(members))
            for n, (lines, members) in enumerate(parts, start=1)]


def render_markdown(title: str, items: list[RobotItem], generated_at: datetime, kind: str) -> list[str]:
    """One or more Markdown messages for a robot of `kind`; generated_at is the time that fired the items."""
    return [part.markdown for part in render_parts(title, items, generated_at, kind)]


def body_for(target: RobotTarget, title: str, markdown: str, items: Sequence[RobotItem] = ()) -> dict:
    """The JSON body each robot kind expects for one Markdown message."""
    if target.kind == "dingtalk":  # the title is what the chat list and the notification show
        return {"msgtype": "markdown", "markdown": {"title": plain(title, 60), "text": markdown}}
    if target.kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    return {"title": title, "text": markdown, "items": [item.to_json() for item in items]}


def bodies_for(target: RobotTarget, title: str, items: Sequence[RobotItem], generated_at: datetime) -> list[dict]:
    return [body_for(target, title, part.markdown, part.items)
            for part in render_parts(title, items, generated_at, target.kind)]


# --- signing ----------------------------------------------------------------------------------------------------

def sign_dingtalk(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}")), URL-encoded, as DingTalk's sample does."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(target: RobotTarget, timestamp_ms: int) -> str:
    if target.kind != "dingtalk" or not target.secret:
        return target.url
    joiner = "&" if "?" in target.url else "?"
    return f"{target.url}{joiner}timestamp={timestamp_ms}&sign={sign_dingtalk(target.secret, timestamp_ms)}"


# --- pacing and sending -----------------------------------------------------------------------------------------

class Pacing:
    """At most `limit` messages per `window` seconds per webhook URL (sliding), and a pause after a throttle answer."""

    def __init__(self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._sent: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}

    def acquire(self, key: str) -> float | None:
        """Record a send and return None, or return the seconds to wait without recording anything."""
        now = self.clock()
        blocked = self._blocked_until.get(key, 0.0) - now
        if blocked > 0:
            return blocked
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        if len(sent) >= self.limit:
            return sent[0] + self.window - now
        sent.append(now)
        return None

    def block(self, key: str, seconds: float) -> None:
        self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), self.clock() + seconds)


class RobotSender:
    """POSTs robot messages over one httpx.AsyncClient; every send returns an Outcome, none raises."""

    def __init__(self, *, pacing: Pacing | None = None, connect_timeout: float = 5.0, total_timeout: float = 10.0,
                 clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
                 client: httpx.AsyncClient | None = None) -> None:
        import httpx  # here, not at the top: the configuration and every command import this module

        self.pacing = pacing or Pacing()
        self.total_timeout, self.clock_ms = total_timeout, clock_ms
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
                                                  follow_redirects=False)

    async def __aenter__(self) -> RobotSender:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, target: RobotTarget, body: dict, idempotency_key: str) -> Outcome:
        wait = self.pacing.acquire(target.url)
        if wait is not None:  # not sent: the outbox reschedules it after `wait`
            return Outcome(RETRY, "paced", "", round(wait, 3))
        outcome = await self._post(target, body, idempotency_key)
        pause = throttle_pause(target.kind, outcome)
        if pause:  # the robot stops listening for a while; do not spend the rest of the flush against it
            self.pacing.block(target.url, pause)
        return outcome

    async def _post(self, target: RobotTarget, body: dict, idempotency_key: str) -> Outcome:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: idempotency_key}
        import httpx

        try:
            # httpx's timeouts are per phase; asyncio.timeout bounds the whole exchange.
            async with asyncio.timeout(self.total_timeout):
                response = await self.client.post(signed_url(target, self.clock_ms()), content=content,
                                                  headers=headers)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return Outcome(FAILED, f"{type(exc).__name__}: {exc}"[:200])
        except (httpx.TransportError, TimeoutError) as exc:
            return Outcome(RETRY, f"{type(exc).__name__}: {exc}"[:200] if str(exc) else type(exc).__name__)
        wait = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        return classify(target.kind, response.status_code, response.text, wait)
