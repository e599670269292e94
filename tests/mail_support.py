"""A real SMTP sink on a free loopback port, and a runtime whose mail settings point at it."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from notifications.sink import list_messages, start_sink


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mail_runtime(rt, **overrides):
    settings = rt.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(), "mail_sink": True,
                                              "smtp_timeout": 5.0, "base_url": "https://duban.wulong.example",
                                              **overrides})
    return replace(rt, config=replace(rt.config, settings=settings))


@contextmanager
def running_sink(rt) -> Iterator:
    server = start_sink(rt.settings)
    try:
        yield server
    finally:
        server.stop()


def received(rt) -> list:
    return list_messages(rt.settings.sink_dir)


def parsed(rt) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(rt.settings.sink_dir.glob("*.eml"))]


def recipients(rt) -> list[str]:
    """The To address of every message the sink holds, sorted."""
    return sorted(m["To"].addresses[0].addr_spec for m in parsed(rt))
