"""The operator drives the outbox: after an outage one `reform outbox flush` sends everything at once (deferred rows
included, a live lease respected), `list` shows the rows, and failed rows go back to the queue by the command line
or the 邮件 page, each retry in the audit history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from engine.history import HistoryRecord, verify
from engine.outbox import OutboxMessage
from notifications.outbox_ops import flush_all
from tests.mail_support import mail_runtime, received, running_sink
from tests.test_mail_delivery import overdue_world, statuses
from tests.web_support import sign_in
from tests.world import client
from workflows import audit_log


@pytest.fixture
def mail_rt(rt, monkeypatch):
    """Mail to a sink on a free port; the command line (the `cli` fixture's database) points at it too."""
    runtime = mail_runtime(rt)
    monkeypatch.setenv("REFORM_SMTP_PORT", str(runtime.settings.smtp_port))
    monkeypatch.setenv("REFORM_SMTP_TIMEOUT", "5")
    return runtime


def test_server_down_defers_then_one_flush_delivers_everything_at_once(mail_rt, cli, capsys):
    overdue_world(mail_rt)
    assert cli(["outbox", "flush"]) == 0
    down = capsys.readouterr().out
    assert down.startswith("已发送 0 条（0 封邮件），失败 0 条，推迟重试 8 条") and "SMTPConnectError" in down
    assert "待重试 8 条：" in down and "再次发送" in down
    assert statuses(mail_rt) == {"queued": 8}
    with running_sink(mail_rt):
        assert cli(["outbox", "flush"]) == 0  # before any backoff has passed: the operator's "send now"
        up = capsys.readouterr().out
        assert up.startswith("已发送 8 条（3 封邮件），失败 0 条，推迟重试 0 条") and "待重试" not in up
        assert len(received(mail_rt)) == 3 and statuses(mail_rt) == {"sent": 8}
        assert cli(["outbox", "flush"]) == 0
        assert capsys.readouterr().out.startswith("已发送 0 条（0 封邮件）") and len(received(mail_rt)) == 3


def test_flush_all_loops_in_batches_and_leaves_a_live_lease_alone(mail_rt):
    overdue_world(mail_rt)
    with Session(mail_rt.engine) as session:
        leased = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        leased.status, leased.message_id = "sending", "<held@elsewhere>"
        leased.next_attempt_at = mail_rt.clock.now() + timedelta(minutes=10)  # another sender holds it
        session.add(leased)
        session.commit()
    small = replace(mail_rt.delivery, policy=replace(mail_rt.delivery.policy, batch=3))
    with running_sink(mail_rt):
        done = flush_all(small, mail_rt.clock.now())
    assert (done.totals.sent, done.rounds) == (7, 3) and statuses(mail_rt) == {"sent": 7, "sending": 1}


def failed_world(rt) -> list[int]:
    """The overdue world's rows, failed after one attempt with the server down."""
    overdue_world(rt)
    one_try = replace(rt.delivery.policy, max_attempts=1)
    assert rt.flush(one_try).failed == 8
    with Session(rt.engine) as session:
        return list(session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def test_list_shows_the_rows_and_retry_puts_failed_ones_back_with_an_audit_record(mail_rt, cli, capsys):
    ids = failed_world(mail_rt)
    assert cli(["outbox", "list", "--status", "failed"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == ["编号", "类型", "收件人", "状态", "尝试", "下次尝试", "错误"]
    assert len(listed) == 1 + 8 + 1 and listed[-1] == "共 8 条"
    assert all(" failed " in line and "SMTPConnectError" in line for line in listed[1:-1])
    assert cli(["outbox", "retry", str(ids[0]), str(ids[1]), "999999"]) == 0
    out = capsys.readouterr().out
    assert f"已重新排队 2 条：#{ids[0]}、#{ids[1]}" in out and "跳过 #999999：不存在" in out
    assert cli(["outbox", "retry", str(ids[0])]) == 2  # queued now: nothing to retry
    assert "不是发送失败" in capsys.readouterr().out
    assert cli(["outbox", "retry"]) == 2 and cli(["outbox", "retry", "1", "--failed"]) == 2
    assert cli(["outbox", "retry", "--failed"]) == 0
    assert "已重新排队 6 条" in capsys.readouterr().out
    with Session(mail_rt.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        records = session.exec(select(HistoryRecord).where(HistoryRecord.workflow == "outbox")).all()
    assert {(r.status, r.attempts) for r in rows} == {("queued", 0)}
    assert sorted(r.subject_id for r in records) == ids
    assert {(r.action, r.from_state, r.to_state, r.version) for r in records} == {("retry", "failed", "queued", 1)}
    assert records[0].actor_name == audit_log.command_line("outbox retry") and records[0].payload["attempts"] == 1
    with running_sink(mail_rt):
        assert cli(["outbox", "flush"]) == 0
    assert statuses(mail_rt) == {"sent": 8}
    with Session(mail_rt.engine) as session:
        assert verify(session).ok  # the chain itself (the hand-made measures of this world have no records)




def test_the_mail_page_retries_a_failed_row_for_the_outbox_roles_only(mail_rt):
    ids = failed_world(mail_rt)  # its people: clerk (区市场监管局), rev (督查办), admin
    with client(mail_rt) as c:
        token = sign_in(c, "clerk")
        assert c.post("/mail/retry", data={"id": str(ids[0]), "_csrf_token": token}).status_code == 403
        token = sign_in(c, "rev")
        page = c.get("/mail?status=failed")
        assert page.text.count("重新发送</button>") == 8 and "全部重新发送（8 条发送失败）" in page.text
        assert c.post("/mail/retry", data={"id": str(ids[0])}).status_code == 403  # no CSRF token
        resp = c.post("/mail/retry", data={"id": str(ids[0]), "_csrf_token": token}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/mail?status=failed&retried=1"
        assert "已重新排队 1 条" in c.get(resp.headers["location"]).text
        queued = c.get("/mail?status=queued").text
        assert "下次尝试</small>" not in queued  # attempts reset: due now
        c.post("/mail/retry", data={"id": "all", "_csrf_token": token})
    with Session(mail_rt.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        record = session.exec(select(HistoryRecord).where(HistoryRecord.workflow == "outbox",
                                                          HistoryRecord.subject_id == ids[0])).one()
    assert {r.status for r in rows} == {"queued"} and record.actor_name == "rev"


def test_a_deferred_row_shows_its_next_attempt_on_the_mail_page(mail_rt):
    overdue_world(mail_rt)
    mail_rt.flush()  # server down: deferred by a minute
    with client(mail_rt) as c:
        sign_in(c, "admin")
        text = c.get("/mail?status=queued").text
    assert text.count("下次尝试</small>") == 8 and "2022年6月20日 9:01" in text
