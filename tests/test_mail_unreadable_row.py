"""A row whose payload cannot be read (edited by hand, cut short) fails at once with why; every other digest goes."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.outbox import FAILED, REFUSED, OutboxMessage
from tests.mail_support import one_rung_told, scripted_server
from tests.notify_support import rows

STAFF = [("clerk", "unit_staff", "区市场监管局"), ("clerk2", "unit_staff", "区市场监管局"),
         ("boss", "unit_head", "区市场监管局")]
BROKEN = {
    "cut short": '{"measure_id": 1, "measure_text": "推行经营场所',
    "naming a file, cut short": '{"attach": {"kind": "document", "id": 1',  # read at claim, to load the file
    "not an object": '["attach"]',
}


@pytest.fixture
def mail_rt(rt):
    return one_rung_told(rt, STAFF)


@pytest.mark.parametrize("payload", list(BROKEN.values()), ids=list(BROKEN))
def test_an_unreadable_row_fails_alone_and_the_next_flush_is_clean(mail_rt, payload):
    bad = rows(mail_rt)[1]
    with mail_rt.write() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == bad.id).values(payload=payload))
    with scripted_server(mail_rt) as server:
        result = mail_rt.flush()
        got = server.messages()
        again = mail_rt.flush()
    assert (result.sent, result.failed) == (len(STAFF) - 1, 1), result
    assert sorted(m["To"].addresses[0].username for m in got) == sorted(
        u for u, _, _ in STAFF if u != _username(mail_rt, bad))
    failed = rows(mail_rt, id=bad.id)[0]
    assert (failed.status, failed.failure) == (FAILED, REFUSED)
    assert "通知内容已损坏，无法解析" in failed.last_error and str(bad.id) in failed.last_error
    assert any("通知内容已损坏" in e for e in result.errors)
    assert (again.sent, again.failed, again.errors) == (0, 0, [])
    assert {r.status for r in rows(mail_rt) if r.id != bad.id} == {"sent"}


def _username(rt, row: OutboxMessage) -> str:
    from workflows.accounts_models import User

    with rt.read() as session:
        return session.get(User, row.user_id).username
