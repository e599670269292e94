"""A flush takes its digests in waves while the first ones go: rows another sender takes meanwhile are its own."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import update

import notifications.delivery as delivery
from engine.outbox import SENDING, OutboxMessage
from notifications.delivery import FlushResult, claim, deliver
from tests.mail_support import mail_runtime, scripted_server
from tests.notify_support import rows
from tests.world import bj
from tests.world import esc_measure as measure
from tests.world import esc_people as people

STAFF = [("clerk", "unit_staff", "区市场监管局"), ("clerk2", "unit_staff", "区市场监管局"),
         ("clerk3", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局")]


@pytest.fixture
def mail_rt(rt, monkeypatch):
    monkeypatch.setattr(delivery, "FIRST_WAVE", 1)  # one digest a wave: every later digest is taken while one goes
    monkeypatch.setattr(delivery, "WAVE_GROWTH", 1)
    rt = mail_runtime(rt)
    people(rt, *STAFF)
    measure(rt, date(2022, 6, 10), text="推行经营场所备案制")
    measure(rt, date(2022, 6, 10), text="推行一照多址改革")
    assert dict(rt.sweep(bj("2022-06-13 09:00")).fired) == {"L1": 2}
    return rt


def before_later_waves(monkeypatch, act) -> None:
    """Run act(d, wave) once, just before the first later wave is taken (as another sender would, meanwhile)."""
    take_wave, done = delivery._take_wave, []

    def racing(d, wave, now, until):
        if not done:
            done.append(act(d, wave))
        return take_wave(d, wave, now, until)

    monkeypatch.setattr(delivery, "_take_wave", racing)


def test_each_digest_goes_once_when_taken_in_waves(mail_rt, monkeypatch):
    steps = []
    step = delivery.Renderer.step
    monkeypatch.setattr(delivery.Renderer, "step", lambda self: (steps.append(1), step(self))[1])
    with scripted_server(mail_rt) as server:
        result = mail_rt.flush()
        got = server.messages()
    assert (result.sent, result.emails, result.failed) == (8, 4, 0), result
    assert sorted(m["To"].addresses[0].username for m in got) == sorted(u for u, _, _ in STAFF)
    assert {r.status for r in rows(mail_rt)} == {"sent"}
    assert {r.message_id for r in rows(mail_rt)} == {m["Message-ID"] for m in got}
    for message in got:  # each digest whole: both measures, in its HTML and its text
        for part in ("plain", "html"):
            body = message.get_body((part,)).get_content()
            assert "推行经营场所备案制" in body and "推行一照多址改革" in body
    assert steps  # the digests after the first were rendered between the writes to the server


def test_rows_another_sender_took_meanwhile_are_left_to_it(mail_rt, monkeypatch):
    other: list = []
    before_later_waves(monkeypatch, lambda d, wave: other.extend(claim(d, mail_rt.clock.now())))
    with scripted_server(mail_rt) as server:
        mine = mail_rt.flush()
        assert (mine.sent, mine.emails) == (2, 1), mine  # the first wave; the others were taken by then
        assert len(other) == 3
        theirs = FlushResult()
        asyncio.run(deliver(mail_rt.delivery, other, theirs))
        assert (theirs.sent, theirs.emails) == (6, 3)
        got = server.messages()
    assert sorted(Counter(m["To"].addresses[0].username for m in got).values()) == [1, 1, 1, 1]
    assert {r.status for r in rows(mail_rt)} == {"sent"}
    assert {r.message_id for r in rows(mail_rt)} == {m["Message-ID"] for m in got}
    mail_rt.clock.advance(timedelta(days=1))
    assert mail_rt.flush().emails == 0


def test_a_digest_that_lost_a_row_meanwhile_goes_without_it(mail_rt, monkeypatch):
    lost: list = []

    def take_one(d, wave):
        row_id, _, payload = wave[0].rows[0]
        with mail_rt.write() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status=SENDING, message_id="<other-sender@wulong.example>",
                next_attempt_at=mail_rt.clock.now() + timedelta(minutes=15)))
        lost.append((row_id, payload["measure_text"], wave[0].address.value))

    before_later_waves(monkeypatch, take_one)
    with scripted_server(mail_rt) as server:
        result = mail_rt.flush()
        got = server.messages()
    assert (result.sent, result.emails) == (7, 4), result
    (row_id, text, address), = lost
    kept = [t for t in ("推行经营场所备案制", "推行一照多址改革") if t != text]
    (digest,) = [m for m in got if m["To"].addresses[0].addr_spec == address]
    for part in ("plain", "html"):  # rendered again with the one row it still has
        body = digest.get_body((part,)).get_content()
        assert text not in body and kept[0] in body
    others = [m for m in got if m is not digest]
    assert all(text in m.get_body(("plain",)).get_content() for m in others)
    (taken,) = [r for r in rows(mail_rt) if r.id == row_id]
    assert (taken.status, taken.message_id) == ("sending", "<other-sender@wulong.example>")  # still the other's
