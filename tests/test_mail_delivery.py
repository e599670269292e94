"""Digest mail through a real aiosmtpd server: one per recipient, Chinese HTML + text, no loss, no duplicates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from engine.outbox import Notice, OutboxMessage, Recipient
from notifications.delivery import DeliveryPolicy, claim
from notifications.sink import start_sink
from tests.mail_support import mail_runtime, parsed, received, recipients, running_sink
from tests.world import bj, client, headers
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.accounts_models import User


@pytest.fixture
def mail_rt(rt):
    return mail_runtime(rt)


@pytest.fixture
def sink(mail_rt):
    with running_sink(mail_rt) as server:
        yield server


def statuses(rt) -> dict[str, int]:
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage.status)).all()
    return {s: rows.count(s) for s in set(rows)}


def overdue_world(rt) -> dict[str, int]:
    """Three overdue measures of 市场监管局 and one of 财政局, swept on 2022-06-20 (L2: head, copy 督查办)."""
    people(rt, ("rev", "supervisor", "区政府督查办"), ("admin", "admin", None), ("clerk", "unit_staff", "区市场监管局"))
    ids = {f"scjg{n}": measure(rt, date(2022, 6, 10), text=f"市场监管举措{n}<b>") for n in range(3)}
    ids["cz"] = measure(rt, date(2022, 6, 10), unit="区财政局", text="财政举措")
    rt.clock.set(bj("2022-06-20 09:00"))
    assert dict(rt.sweep(rt.clock.now()).fired) == {"L2": 4}
    return ids


def test_one_digest_per_recipient_in_chinese_html_and_text(mail_rt, sink):
    ids = overdue_world(mail_rt)
    result = mail_rt.flush()
    assert (result.sent, result.emails, result.failed, result.deferred) == (8, 3, 0, 0)
    mails = {m["To"].addresses[0].addr_spec: m for m in parsed(mail_rt)}
    assert set(mails) == {"scjg-head@wulong.example", "cz-head@wulong.example", "rev@wulong.example"}
    rev = mails["rev@wulong.example"]
    assert rev["Subject"] == "【督办·抄送】区市场监管局等 2 个单位 4 项举措逾期超过6个工作日"
    text = rev.get_body(("plain",)).get_content()
    html = rev.get_body(("html",)).get_content()
    for mid in ids.values():
        assert f"https://duban.wulong.example/measures/{mid}" in text and f"/measures/{mid}\"" in html
    assert "督办（L2）·抄送" in text and "逾期 6 个工作日" in text and "区市场监管局" in text
    assert "市场监管举措0&lt;b&gt;" in html and "市场监管举措0<b>" in text  # escaped in HTML only
    head = mails["scjg-head@wulong.example"].get_body(("plain",)).get_content()
    assert "【督办（L2）】3 项" in head and "抄送" not in head
    assert statuses(mail_rt) == {"sent": 8}
    assert mail_rt.flush().emails == 0 and len(received(mail_rt)) == 3  # nothing sent twice


def test_server_down_then_up_loses_nothing_and_sends_nothing_twice(mail_rt):
    overdue_world(mail_rt)
    down = mail_rt.flush()
    assert (down.sent, down.deferred, down.failed) == (0, 8, 0) and "SMTPConnectError" in down.errors[0]
    assert statuses(mail_rt) == {"queued": 8}
    assert mail_rt.flush().deferred == 0  # not due again before the backoff has passed
    server = start_sink(mail_rt.settings)
    try:
        mail_rt.clock.advance(timedelta(seconds=59))
        assert mail_rt.flush().emails == 0
        mail_rt.clock.advance(timedelta(seconds=1))
        up = mail_rt.flush()
        assert (up.sent, up.emails, up.deferred) == (8, 3, 0)
        mail_rt.clock.advance(timedelta(hours=1))
        assert mail_rt.flush().emails == 0
        assert recipients(mail_rt) == [
            "cz-head@wulong.example", "rev@wulong.example", "scjg-head@wulong.example"]
    finally:
        server.stop()


def test_backoff_grows_and_the_last_attempt_fails_visibly(mail_rt):
    overdue_world(mail_rt)
    policy = DeliveryPolicy(max_attempts=3)
    waits = []
    for attempt in range(3):
        result = mail_rt.flush(policy)
        with Session(mail_rt.engine) as session:
            row = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert row.attempts == attempt + 1
        if attempt < 2:
            assert result.deferred == 8
            waits.append(row.next_attempt_at.replace(tzinfo=None) - mail_rt.clock.now().replace(tzinfo=None))
            mail_rt.clock.advance(waits[-1])
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert (result.failed, result.deferred) == (8, 0) and statuses(mail_rt) == {"failed": 8}
    with Session(mail_rt.engine) as session:
        from workflows.accounts_models import User

        rev = session.exec(select(User).where(User.username == "rev")).one()
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
    with client(mail_rt) as c:
        body = c.get("/api/outbox?status=failed", headers=headers(mail_rt, rev)).json()
        assert body["total"] == 8 and all("SMTPConnectError" in i["last_error"] for i in body["items"])
        assert all(i["attempts"] == 3 and i["status"] == "failed" for i in body["items"])
        assert c.get("/api/outbox", headers=headers(mail_rt, clerk)).status_code == 403
        assert c.get("/api/outbox?status=lost", headers=headers(mail_rt, rev)).status_code == 400
    mail_rt.clock.advance(timedelta(days=1))
    assert mail_rt.flush().emails == 0  # failed rows are never picked up again


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(mail_rt, sink):
    overdue_world(mail_rt)
    policy = DeliveryPolicy()
    crashed = claim(replace(mail_rt.delivery, policy=policy), mail_rt.clock.now())
    assert statuses(mail_rt) == {"sending": 8}  # the process "dies" here, before or after sending
    assert mail_rt.flush().emails == 0  # a live sender's lease is respected
    mail_rt.clock.advance(policy.lease)
    assert mail_rt.flush().emails == 3
    assert sorted(m.message_id for m in received(mail_rt)) == sorted(g.message_id for g in crashed)


def test_the_sink_is_readable_through_the_api(mail_rt, sink):
    overdue_world(mail_rt)
    mail_rt.flush()
    with Session(mail_rt.engine) as session:
        from workflows.accounts_models import User

        rev = session.exec(select(User).where(User.username == "rev")).one()
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
    with client(mail_rt) as c:
        body = c.get("/api/mail", headers=headers(mail_rt, rev)).json()
        assert body["total"] == 3 and all(i["subject"].startswith("【督办") for i in body["items"])
        assert c.get("/api/mail", headers=headers(mail_rt, clerk)).status_code == 403
    off = mail_runtime(mail_rt, mail_sink=False)
    with client(off) as c:
        assert c.get("/api/mail", headers=headers(off, rev)).status_code == 404


def test_the_retry_policy_comes_from_settings(rt):
    policy = DeliveryPolicy.from_settings(mail_runtime(rt, mail_max_attempts=2, mail_retry_seconds=30).settings)
    assert (policy.max_attempts, policy.backoff(1), policy.backoff(3)) == (2, timedelta(seconds=30),
                                                                          timedelta(seconds=120))
    assert DeliveryPolicy.from_settings(rt.settings) == DeliveryPolicy()


def test_two_accounts_at_one_mailbox_get_one_digest_with_every_row_in_order(mail_rt, sink):
    # the batch is grouped by recipient in SQL; two accounts whose addresses differ only in case are one mailbox
    people(mail_rt, ("zhang", "unit_staff", "区市场监管局"), ("zhang2", "unit_staff", "区市场监管局"),
           ("li", "unit_staff", "区财政局"))
    with mail_rt.write() as session:
        users = {u.username: u for u in session.exec(select(User)).all()}
        users["zhang2"].email = "ZHANG@wulong.example"
        session.add(users["zhang2"])
        ids = {name: users[name].id for name in ("zhang", "zhang2", "li")}
    at = bj("2022-06-20 09:00")
    order = ["zhang", "li", "zhang2", "zhang", "zhang2"]  # interleaved: the digest must still read in queue order
    with mail_rt.write() as session:
        for n, name in enumerate(order, 1):
            session.add(Notice("measure_returned", Recipient(user_id=ids[name], name=name), "measure", n,
                               {"measure_id": n, "measure_text": f"第{n}条举措", "comment": f"退回说明{n}"},
                               dedupe_key=f"shared-mailbox:{n}").to_row(at))
    result = mail_rt.flush()
    assert (result.sent, result.emails, result.failed) == (5, 2, 0)
    mails = {m["To"].addresses[0].addr_spec.lower(): m for m in parsed(mail_rt)}
    assert set(mails) == {"zhang@wulong.example", "li@wulong.example"}
    text = mails["zhang@wulong.example"].get_body(("plain",)).get_content()
    shown = [text.index(f"退回说明{n}") for n in (1, 3, 4, 5)]
    assert shown == sorted(shown) and "退回说明2" not in text
    with Session(mail_rt.engine) as session:
        mids = {int(r.dedupe_key.split(":")[1]): r.message_id for r in session.exec(select(OutboxMessage)).all()
                if (r.dedupe_key or "").startswith("shared-mailbox:")}
    assert len({mids[n] for n in (1, 3, 4, 5)}) == 1 and mids[2] != mids[1]
