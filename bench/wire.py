"""A small keep-alive HTTP/1.1 client for the load runs: the bytes of a request, sent on one socket per client.

httpx costs the load generator about a millisecond of CPU per request, under one GIL shared by 16 client threads
on a machine whose two cores also run the server and the database: the client's own queueing then shows up in
the server's percentiles. This client does only what the figures need (GET and POST, a few headers, cookies,
Content-Length or chunked bodies) and answers with an object shaped like httpx's response where drive() looks.
Sign-in still goes through httpx (bench.clients); its token or cookies are carried over.
"""

from __future__ import annotations

import json as jsonlib
import socket
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import httpx


class WireResponse:
    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.content)


class WireClient:
    """One connection, reopened when the server closes it; not thread-safe (one per client thread)."""

    def __init__(self, base_url: str, timeout: float, headers: dict[str, str] | None = None,
                 cookies: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout, self.headers, self.cookies = timeout, dict(headers or {}), dict(cookies or {})
        self._sock: socket.socket | None = None
        self._buf = b""

    @classmethod
    def like(cls, client: httpx.Client, timeout: float) -> WireClient:
        """The same server, default headers and cookies as a signed-in httpx client (which is closed)."""
        headers = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
        wire = cls(str(client.base_url), timeout, headers, dict(client.cookies.items()))
        client.close()
        return wire

    def get(self, path: str, params: dict | None = None, headers: dict[str, str] | None = None) -> WireResponse:
        return self.request("GET", path + (f"?{urlencode(params)}" if params else ""), None, headers)

    def post(self, path: str, json=None, headers: dict[str, str] | None = None) -> WireResponse:
        body = jsonlib.dumps(json).encode()
        return self.request("POST", path, body, {"content-type": "application/json", **(headers or {})})

    def request(self, method: str, target: str, body: bytes | None, headers: dict[str, str] | None
                ) -> WireResponse:
        lines = [f"{method} {target} HTTP/1.1", f"host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in {**self.headers, **(headers or {})}.items()]
        if self.cookies:
            lines.append("cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines.append(f"content-length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        for attempt in (1, 2):  # a kept-alive socket the server closed meanwhile: once more on a new one
            fresh = self._sock is None
            try:
                sock = self._connect()
                sock.sendall(data)
                return self._read()
            except TimeoutError as exc:
                self.close()
                raise httpx.ReadTimeout(f"no answer in {self.timeout:.0f} s") from exc
            except (OSError, ConnectionError) as exc:
                self.close()
                if fresh or attempt == 2:
                    raise httpx.TransportError(f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def _connect(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buf = b""
        return self._sock

    def _fill(self) -> None:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self._buf += chunk

    def _until(self, marker: bytes) -> bytes:
        while (at := self._buf.find(marker)) < 0:
            self._fill()
        head, self._buf = self._buf[:at], self._buf[at + len(marker):]
        return head

    def _exactly(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _read(self) -> WireResponse:
        status_line, *header_lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for h in header_lines:
            name, _, value = h.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                parts.append(self._exactly(size))
                self._until(b"\r\n")
            self._until(b"\r\n")
            content = b"".join(parts)
        else:
            content = self._exactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return WireResponse(status, headers, content)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock, self._buf = None, b""
