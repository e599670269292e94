"""Mail never gets a second Message-ID and never loops: drops after DATA, 550, CR/LF names, bad addresses."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.outbox import OutboxMessage
from tests.mail_support import mail_runtime, scripted_server
from tests.notify_support import rows
from tests.world import bj
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.accounts_models import User


@pytest.fixture
def mail_rt(rt):
    return mail_runtime(rt)


def overdue(rt, *who) -> None:
    """Two overdue measures of 区市场监管局 swept at L1 (staff and head) for the given people."""
    people(rt, *who)
    measure(rt, date(2022, 6, 10), text="推行经营场所备案制")
    measure(rt, date(2022, 6, 10), text="推行一照多址改革")
    assert dict(rt.sweep(bj("2022-06-13 09:00")).fired) == {"L1": 2}


def edit_user(rt, username: str, **values) -> None:
    with rt.write() as session:
        user = session.execute(select(User).where(User.username == username)).scalars().one()
        for name, value in values.items():
            setattr(user, name, value)
        session.add(user)


def test_a_drop_after_data_resends_one_message_id_however_often(mail_rt):
    overdue(mail_rt, ("clerk", "unit_staff", "区市场监管局"), ("clerk2", "unit_staff", "区市场监管局"),
            ("boss", "unit_head", "区市场监管局"))
    with scripted_server(mail_rt) as server:
        for attempt in range(1, 4):  # the server keeps each message and drops the line before its answer
            server.drop_after_data = 3
            result = mail_rt.flush()
            assert (result.sent, result.deferred) == (0, 6), result
            assert {r.attempts for r in rows(mail_rt)} == {attempt} and {r.status for r in rows(mail_rt)} == {"queued"}
            mail_rt.clock.advance(timedelta(hours=1))
        assert mail_rt.flush().sent == 6  # the fourth attempt hears its 250
        got = server.messages()
    by_person = Counter((m["To"].addresses[0].addr_spec, m["Message-ID"]) for m in got)
    assert len(by_person) == 3  # one Message-ID per recipient ...
    assert set(by_person.values()) == {4}  # ... each received four times, foldable by its Message-ID
    assert {r.message_id for r in rows(mail_rt)} == {mid for _, mid in by_person}
    assert len({m.get_body(("plain",)).get_content() for m in got}) == 3  # the same text on every attempt
    mail_rt.clock.advance(timedelta(days=1))
    assert mail_rt.flush().emails == 0


def test_a_permanent_refusal_fails_at_once_and_the_rest_go(mail_rt):
    overdue(mail_rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"))
    with scripted_server(mail_rt) as server:
        server.refuse["clerk@wulong.example"] = "550 5.1.1 <clerk@wulong.example>: Recipient address rejected"
        result = mail_rt.flush()
        assert (result.sent, result.failed, result.deferred, result.emails) == (2, 2, 0, 1)
        mail_rt.clock.advance(timedelta(days=1))
        assert mail_rt.flush().emails == 0  # never retried
        assert [m["To"].addresses[0].addr_spec for m in server.messages()] == ["boss@wulong.example"]
    refused = rows(mail_rt, user_id=rows(mail_rt, status="failed")[0].user_id)
    assert {(r.status, r.attempts, r.failure) for r in refused} == {("failed", 1, "refused")}
    assert all(r.last_error.startswith("550 5.1.1") and "Recipient address rejected" in r.last_error for r in refused)


def test_a_display_name_with_cr_lf_never_reaches_a_header(mail_rt):
    overdue(mail_rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"))
    edit_user(mail_rt, "clerk", display_name="张三\r\nBcc: spy@evil.example\r\n")
    with scripted_server(mail_rt) as server:
        result = mail_rt.flush()
        assert (result.sent, result.failed, result.deferred) == (4, 0, 0)
        clerk = next(m for m in server.messages() if m["To"].addresses[0].addr_spec == "clerk@wulong.example")
    assert clerk["Bcc"] is None and "spy@evil.example" not in clerk["To"].addresses[0].addr_spec
    assert clerk["To"].addresses[0].display_name == "张三 Bcc: spy@evil.example"  # one harmless line
    assert all("\n" not in value and "\r" not in value for _, value in clerk.items())


def test_one_bad_address_never_holds_back_the_others(mail_rt):
    overdue(mail_rt, ("clerk", "unit_staff", "区市场监管局"), ("boss", "unit_head", "区市场监管局"))
    edit_user(mail_rt, "clerk", email="clerk@wulong.example\r\nRCPT TO:<x@evil.example>")
    with scripted_server(mail_rt) as server:
        result = mail_rt.flush()
        assert [m["To"].addresses[0].addr_spec for m in server.messages()] == ["boss@wulong.example"]
    assert (result.sent, result.failed, result.deferred) == (2, 2, 0)
    bad = rows(mail_rt, status="failed")
    assert {(r.failure, r.attempts) for r in bad} == {("refused", 1)} and "收件地址格式不正确" in bad[0].last_error


def test_a_row_claimed_again_keeps_its_message_id_through_a_crash(mail_rt):
    from notifications.delivery import claim

    overdue(mail_rt, ("boss", "unit_head", "区市场监管局"))  # the head, and the unit's own address for its staff
    first = claim(mail_rt.delivery, mail_rt.clock.now())  # the process dies holding the lease
    assert len(first) == 2
    mail_rt.clock.advance(mail_rt.delivery.policy.lease)
    with scripted_server(mail_rt) as server:
        server.drop_after_data = 1  # and the next attempt of the first digest loses its answer too
        dropped = mail_rt.flush()
        assert (dropped.deferred, dropped.sent) == (2, 2) and mail_rt.flush().emails == 0  # not due again yet
        mail_rt.clock.advance(timedelta(hours=1))
        assert mail_rt.flush().sent == 2
        seen = Counter(m["Message-ID"] for m in server.messages())
    assert set(seen) == {g.message_id for g in first} and sorted(seen.values()) == [1, 2]
    with mail_rt.read() as session:
        assert sorted(r.attempts for r in session.execute(select(OutboxMessage)).scalars()) == [2, 2, 3, 3]
