"""A local group-robot receiver (DingTalk, WeCom, generic webhook) that keeps each accepted message as a JSON file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MODES = ("errcode", "http429", "http500", "drop", "slow")
PATHS = {"/dingtalk/send": "dingtalk", "/wecom/send": "wecom", "/webhook": "webhook"}
KEPT_HEADERS = ("X-Reform-Delivery", "Content-Type", "User-Agent")
OK = {"errcode": 0, "errmsg": "ok"}
THROTTLED = {"dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
             "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"}}
MAX_SKEW_MS = 3_600_000  # DingTalk refuses a timestamp more than an hour from its clock


class RobotRefused(Exception):
    """A request the imitated robot answers with an errcode (HTTP 200) or, for the generic webhook, HTTP 400."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_signature(query: dict[str, list[str]], secret: str, now_ms: int) -> None:
    timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > MAX_SKEW_MS:
        raise RobotRefused(310000, "invalid timestamp")
    # parse_qs has already URL-decoded the sign, so it compares with the plain base64
    if not hmac.compare_digest(sign, expected_sign(secret, timestamp)):
        raise RobotRefused(310000, "sign not match")


def check_address(kind: str, query: dict[str, list[str]]) -> None:
    if kind == "dingtalk" and not query.get("access_token", [""])[0]:
        raise RobotRefused(400101, "access_token不存在")
    if kind == "wecom" and not query.get("key", [""])[0]:
        raise RobotRefused(93000, "invalid webhook url")


def check_body(kind: str, body: object) -> None:
    """The shapes the sender must produce, with the robots' size limits."""
    if not isinstance(body, dict):
        raise RobotRefused(40035, "invalid parameter: body is not a JSON object")
    if kind == "webhook":
        if not (isinstance(body.get("title"), str) and isinstance(body.get("text"), str)
                and isinstance(body.get("items"), list)):
            raise RobotRefused(40035, "invalid parameter: title, text and items are required")
        return
    markdown = body.get("markdown")
    key = "text" if kind == "dingtalk" else "content"
    if body.get("msgtype") != "markdown" or not isinstance(markdown, dict) or not isinstance(markdown.get(key), str) \
            or not markdown[key]:
        raise RobotRefused(40035, f"invalid parameter: markdown.{key} is required")
    if kind == "dingtalk" and (not markdown.get("title") or len(markdown[key]) > 5000):
        raise RobotRefused(40035, "invalid parameter: markdown.title is required, markdown.text at most 5000")
    if kind == "wecom" and len(markdown[key].encode("utf-8")) > 4096:
        raise RobotRefused(40058, "markdown.content exceed max length 4096")


class SinkServer(ThreadingHTTPServer):
    daemon_threads = True  # a "slow" answer must not hold stop() back

    def __init__(self, address, directory: Path, secret: str | None, slow_seconds: float) -> None:
        super().__init__(address, SinkHandler)
        self.directory, self.secret, self.slow_seconds = directory, secret, slow_seconds
        self.script: deque[str] = deque()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.sequence = itertools.count(1)
        self.bodies_read = 0

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away is no server fault
            super().handle_error(request, client_address)

    def body_read(self) -> None:
        with self.lock:
            self.bodies_read += 1

    def next_mode(self) -> str | None:
        with self.lock:
            return self.script.popleft() if self.script else None

    def store(self, kind: str, headers, body: dict) -> None:
        received = datetime.now(UTC)
        with self.lock:
            name = f"{received:%Y%m%dT%H%M%S%f}-{next(self.sequence):06d}-{uuid.uuid4().hex[:6]}.json"
        record = {"received_at": received.isoformat(), "kind": kind,
                  "headers": {h: headers[h] for h in KEPT_HEADERS if h in headers}, "body": body}
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.directory / name)


class SinkHandler(BaseHTTPRequestHandler):
    server: SinkServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the real robots; a dropped connection is then a real surprise

    def log_message(self, format, *args) -> None:  # tests and the demo stay quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.body_read()
        kind = PATHS.get(url.path)
        if kind is None:
            return self.answer(404, {"error": f"no robot at {url.path}"})
        mode = self.server.next_mode()
        if mode and self.fail(kind, mode):
            return None
        try:
            body = self.accept(kind, parse_qs(url.query), raw)
        except RobotRefused as refused:
            status = 400 if kind == "webhook" else 200
            return self.answer(status, {"errcode": refused.errcode, "errmsg": refused.errmsg})
        self.server.store(kind, self.headers, body)
        return self.answer(200, OK)

    def accept(self, kind: str, query: dict[str, list[str]], raw: bytes) -> dict:
        check_address(kind, query)
        if kind == "dingtalk" and self.server.secret:
            check_signature(query, self.server.secret, time.time_ns() // 1_000_000)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise RobotRefused(40035, "invalid parameter: body is not UTF-8 JSON") from None
        check_body(kind, body)
        return body

    def fail(self, kind: str, mode: str) -> bool:
        """Play one scripted failure; False for "slow", which answers normally after the delay."""
        if mode == "drop":  # the body was read: the sender cannot know whether it was taken
            self.close_connection = True
            return True
        if mode == "slow":
            self.server.stopping.wait(self.server.slow_seconds)
            return False
        if mode == "http500":
            self.answer(500, {"error": "internal error"})
        elif mode == "http429" or kind not in THROTTLED:  # a generic webhook throttles in HTTP
            self.answer(429, {"error": "too many requests"}, {"Retry-After": "7"})
        else:
            self.answer(200, THROTTLED[kind])
        return True

    def answer(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        try:
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # a "slow" answer's client has given up: as in life
            self.close_connection = True


@dataclass
class RobotSink:
    server: SinkServer
    thread: threading.Thread
    directory: Path
    tokens: dict[str, str] = field(default_factory=lambda: {"dingtalk": "demo-token", "wecom": "demo-key"})

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, kind: str) -> str:
        """A webhook URL shaped like the robot's own (the sender adds DingTalk's timestamp and sign)."""
        if kind == "dingtalk":
            return f"{self.base}/dingtalk/send?access_token={self.tokens['dingtalk']}"
        if kind == "wecom":
            return f"{self.base}/wecom/send?key={self.tokens['wecom']}"
        if kind == "webhook":
            return f"{self.base}/webhook"
        raise ValueError(f"no robot kind {kind!r}; expected one of {tuple(PATHS.values())}")

    def fail_next(self, n: int, mode: str) -> None:
        """The next n requests (any kind) fail in `mode`: errcode, http429, http500, drop or slow."""
        if mode not in MODES:
            raise ValueError(f"failure mode {mode!r} is not one of {MODES}")
        with self.server.lock:
            self.server.script.extend([mode] * n)

    @property
    def bodies_read(self) -> int:
        """Requests whose body was read to the end, including refused, dropped and failed ones."""
        return self.server.bodies_read

    def messages(self) -> list[dict]:
        """Every accepted message, oldest first."""
        return read_messages(self.directory)

    def stop(self) -> None:
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RobotSink:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def read_messages(directory: Path) -> list[dict]:
    """Every message a receiver kept in `directory`, oldest first (none when it has kept nothing yet)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def shown(record: dict) -> dict:
    """One kept message as the 邮件 page shows it: which robot, when, its title and its Markdown."""
    body, kind = record.get("body") or {}, record.get("kind", "")
    markdown = body.get("markdown") if isinstance(body.get("markdown"), dict) else {}
    text = markdown.get("text") or markdown.get("content") or body.get("text") or ""
    title = markdown.get("title") or body.get("title") or (text.splitlines() or [""])[0].lstrip("# ")
    return {"kind": kind, "received_at": record.get("received_at", ""), "title": title, "text": text,
            "key": (record.get("headers") or {}).get("X-Reform-Delivery", "")}


def start_robot_sink(directory: Path, host: str = "127.0.0.1", port: int = 0, secret: str | None = None,
                     slow_seconds: float = 12.0) -> RobotSink:
    """Serve the three robot kinds on host:port (0 picks a free port); slow_seconds outlasts the 10 s client."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    server = SinkServer((host, port), directory, secret, slow_seconds)
    # a short poll so stop() returns at once (the default waits up to half a second)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="robot-sink", daemon=True)
    thread.start()
    return RobotSink(server, thread, directory)


def main() -> None:  # pragma: no cover - for the demo: python -m notifications.robot_sink DIR [PORT] [SECRET]
    import sys

    args = sys.argv[1:] or ["runtime-robots"]
    sink = start_robot_sink(Path(args[0]), port=int(args[1]) if len(args) > 1 else 8099,
                            secret=args[2] if len(args) > 2 else None)
    print("\n".join(f"{kind}: {sink.url(kind)}" for kind in ("dingtalk", "wecom", "webhook")), flush=True)
    try:
        sink.thread.join()
    except KeyboardInterrupt:
        sink.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
