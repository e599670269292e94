"""Digests are rendered in the server's time, running ahead of the sending when each write leaves time to spare."""

from __future__ import annotations

import pytest

from notifications.delivery import Renderer, claim
from tests.mail_support import one_rung_told

STAFF = [("clerk", "unit_staff", "区市场监管局"), ("clerk2", "unit_staff", "区市场监管局"),
         ("boss", "unit_head", "区市场监管局")]


@pytest.fixture
def groups(rt):
    rt = one_rung_told(rt, STAFF)
    taken = claim(rt.delivery, rt.clock.now())
    for group in taken:
        group.prepared = None  # as the later waves come: nothing rendered yet
    return rt, taken


def test_a_step_with_time_to_spare_renders_the_next_digests_too(groups, monkeypatch):
    rt, taken = groups
    monkeypatch.setattr(Renderer, "BUDGET", 60.0)
    renderer = Renderer(rt.channels["email"], taken, rt.clock.now())
    renderer.step()
    assert sorted(renderer.made) == list(range(len(taken)))  # all of them, in one call
    assert [renderer.message(i).recipient for i in range(len(taken))] == [g.address.value for g in taken]
    assert renderer.made == {}


def test_a_step_without_time_does_one_step_and_the_sending_finishes_the_rest(groups, monkeypatch):
    rt, taken = groups
    monkeypatch.setattr(Renderer, "BUDGET", 0.0)
    renderer = Renderer(rt.channels["email"], taken, rt.clock.now())
    renderer.step()
    assert renderer.made == {} and renderer.doing == 0  # the first digest begun, not finished
    messages = [renderer.message(i) for i in range(len(taken))]
    assert [m.recipient for m in messages] == [g.address.value for g in taken]
    assert len({m.message_id for m in messages}) == len(taken)


def test_a_digest_that_cannot_be_rendered_is_its_own_error(groups, monkeypatch):
    rt, taken = groups
    monkeypatch.setattr(Renderer, "BUDGET", 60.0)
    channel = rt.channels["email"]
    broken = taken[1].address.value

    def render_steps(group, at):
        if group.address.value == broken:
            raise RuntimeError("template bug")
        return original(group, at)

    original = channel.render_steps
    monkeypatch.setattr(channel, "render_steps", render_steps)
    renderer = Renderer(channel, taken, rt.clock.now())
    renderer.step()
    assert isinstance(renderer.made[1], RuntimeError)
    assert [renderer.message(i).recipient for i in (0, 2)] == [taken[0].address.value, taken[2].address.value]
