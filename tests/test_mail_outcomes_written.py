"""When a flush writes its outcomes: the digests so far as the last few go, the rest at the end; a second's at most."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

import notifications.delivery as delivery
from engine.outbox import SENDING
from tests.mail_support import one_rung_told, scripted_server
from tests.notify_support import rows

STAFF = [("clerk", "unit_staff", "区市场监管局"), ("clerk2", "unit_staff", "区市场监管局"),
         ("clerk3", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局")]


@pytest.fixture
def mail_rt(rt):
    return one_rung_told(rt, STAFF)


@pytest.fixture
def batches(mail_rt, monkeypatch):
    """The digests of each batch of outcomes written, in order, with the rows still `sending` when it began."""
    seen: list[tuple[list[str], int]] = []
    mark_all = delivery.mark_all

    def recording(d, batch, result):
        seen.append(([g.address.value.split("@")[0] for g, _ in batch], len(rows(mail_rt, status=SENDING))))
        return mark_all(d, batch, result)

    monkeypatch.setattr(delivery, "mark_all", recording)
    return seen


def test_the_digests_so_far_are_written_while_the_last_ones_go(mail_rt, batches, monkeypatch):
    monkeypatch.setattr(delivery.Marker, "TAIL", 1)
    monkeypatch.setattr(delivery.Marker, "WITHIN", 3600.0)
    with scripted_server(mail_rt):
        result = mail_rt.flush()
    assert (result.sent, result.emails) == (4, 4), result
    # three outcomes, and one digest left to send: the three are written as it goes; then the last one, at the end
    assert [len(names) for names, _ in batches] == [3, 1], batches
    assert batches[0][1] == 4  # nothing was written before that first batch
    assert sorted(n for names, _ in batches for n in names) == sorted(u for u, _, _ in STAFF)
    assert {r.status for r in rows(mail_rt)} == {"sent"}


def test_without_a_tail_the_outcomes_wait_for_the_end_within_the_time_bound(mail_rt, batches, monkeypatch):
    monkeypatch.setattr(delivery.Marker, "TAIL", 0)
    monkeypatch.setattr(delivery.Marker, "WITHIN", 3600.0)
    with scripted_server(mail_rt):
        result = mail_rt.flush()
    assert result.sent == 4, result
    assert [len(names) for names, _ in batches] == [4]


def test_a_second_after_an_outcome_it_is_written_whatever_is_left(mail_rt, batches, monkeypatch):
    """The time bound: what a crash can lose is about a second's outcomes, however many digests remain."""
    monkeypatch.setattr(delivery.Marker, "TAIL", 0)
    ticks = iter(range(0, 10_000, 2))  # every reading of the clock two seconds after the one before
    clock = SimpleNamespace(monotonic=lambda: float(next(ticks)), perf_counter=time.perf_counter)
    monkeypatch.setattr(delivery, "time", clock)  # the Marker's clock; the Renderer's stays true
    with scripted_server(mail_rt):
        result = mail_rt.flush()
    assert result.sent == 4, result
    assert len(batches[0][0]) == 1, batches  # the first outcome went at once: its second had passed
    assert sum(len(names) for names, _ in batches) == 4 and len(batches) >= 2
    assert {r.status for r in rows(mail_rt)} == {"sent"}
