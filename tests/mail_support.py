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


def one_rung_told(rt, staff):
    """A mail runtime where `staff` ((username, role, unit), ...) have each been queued one digest: one measure of
    theirs is overdue and the sweep fired its first rung (L1)."""
    from datetime import date

    from tests.world import bj
    from tests.world import esc_measure as measure
    from tests.world import esc_people as people

    rt = mail_runtime(rt)
    people(rt, *staff)
    measure(rt, date(2022, 6, 10), text="推行经营场所备案制")
    assert dict(rt.sweep(bj("2022-06-13 09:00")).fired) == {"L1": 1}
    return rt


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


class Scripted:
    """An aiosmtpd handler that keeps every message it took, and misbehaves as told.

    - `drop_after_data`: the next n messages are taken (kept) and the connection is dropped before the 250
      answer, as a server that crashes after DATA, or a network that cuts the answer;
    - `refuse`: RCPT for these addresses is answered with this permanent (5xx) reply.
    """

    def __init__(self) -> None:
        self.kept: list[bytes] = []
        self.drop_after_data = 0
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.kept.append(envelope.original_content)
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.abort()  # the message is stored; the sender never hears so
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.kept]


@contextmanager
def scripted_server(rt) -> Iterator[Scripted]:
    """A Scripted handler on the runtime's SMTP port."""
    from aiosmtpd.controller import Controller

    handler = Scripted()
    controller = Controller(handler, hostname="127.0.0.1", port=rt.settings.smtp_port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()
