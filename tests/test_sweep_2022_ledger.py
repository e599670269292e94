"""The built-in 2022 ledger swept late (as of today, after years) mails each person at most one digest."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from engine.outbox import OutboxMessage
from runtime.demo import create_demo_accounts
from tests.mail_support import mail_runtime, recipients, running_sink
from tests.world import address, bj
from workflows.calendar import CalendarUnknown
from workflows.models import Escalation, Measure
from workflows.reform.table import REFORM_MEASURE


@pytest.fixture
def swept_rt(rt, ledger):
    """The ledger imported on 2022-06-20 09:00, demo people and unit heads' addresses, a sink to mail to."""
    create_demo_accounts(rt)
    mail_rt = mail_runtime(rt)
    with running_sink(mail_rt):
        yield mail_rt


def open_measures(rt) -> list[Measure]:
    with Session(rt.engine) as session:
        return list(session.exec(select(Measure).where(Measure.state.in_(sorted(REFORM_MEASURE.tagged("owes_work"))),
                                                       Measure.due_date.is_not(None))))


def outbox_recipients(rt) -> set[str]:
    with Session(rt.engine) as session:
        rows = list(session.exec(select(OutboxMessage)))
    return {address(rt, r) for r in rows}


def top_level_on_2022_06_23(due: date) -> str | None:
    """Worked out by hand on the 2022 calendar: the rung whose day 6-23 has reached."""
    for level, last_due in (("L3", date(2022, 6, 9)), ("L2", date(2022, 6, 16)), ("L1", date(2022, 6, 22)),
                            ("L0", date(2022, 6, 30))):
        if due <= last_due:
            return level
    return None


def test_sweep_on_2022_06_23_fires_the_right_rungs_and_mails_digests(swept_rt):
    rt = swept_rt
    expected = Counter(top_level_on_2022_06_23(m.due_date) for m in open_measures(rt))
    expected.pop(None, None)
    result = rt.sweep(bj("2022-06-23 12:00"), queued_at=rt.clock.now())
    assert result.fired == expected and not result.errors and not result.calendar_errors
    assert not result.unaddressed  # every unit has a head's address
    delivered = rt.flush()
    assert delivered.emails == len(outbox_recipients(rt)) and delivered.failed == delivered.deferred == 0
    assert recipients(rt) == sorted(set(recipients(rt)))  # one digest per person
    again = rt.sweep(bj("2022-06-23 12:00"), queued_at=rt.clock.now())
    assert not again.fired and not again.superseded and rt.flush().emails == 0
    print(f"\n2022-06-23: fired {dict(result.fired)}, superseded {dict(result.superseded)}, "
          f"{result.notices} notices, {delivered.emails} emails")


def test_the_ledger_swept_as_of_today_sends_at_most_one_mail_per_person(swept_rt):
    rt = swept_rt
    today = datetime.now(UTC)
    try:
        rt.config.calendar.is_workday(today.date())
    except CalendarUnknown:
        result = rt.sweep(today)  # the calendar cannot answer: reported, not guessed
        assert len(result.calendar_errors) == len(open_measures(rt)) and not result.fired
        return
    result = rt.sweep(today, queued_at=rt.clock.now())
    assert result.fired["L3"] == len(open_measures(rt))  # everything is long overdue: only 通报 is sent
    with Session(rt.engine) as session:
        statuses = Counter(session.exec(select(Escalation.level, Escalation.status)).all())
    assert all(statuses[(lvl, "superseded")] == result.fired["L3"] for lvl in ("L0", "L1", "L2"))
    delivered = rt.flush()
    people = recipients(rt)
    assert len(people) == len(set(people)) == delivered.emails == len(outbox_recipients(rt))
    assert max(Counter(people).values()) == 1


def test_the_commands_sweep_and_flush_then_do_nothing_the_second_time(swept_rt, monkeypatch, capsys):
    from cli.main import main

    expected = Counter(top_level_on_2022_06_23(m.due_date) for m in open_measures(swept_rt))
    s = swept_rt.settings
    for name, value in {"DATABASE_URL": s.database_url, "DATA_DIR": str(s.data_dir), "SMTP_PORT": str(s.smtp_port),
                        "NOW": "2022-06-20T09:00:00+08:00"}.items():
        monkeypatch.setenv(f"REFORM_{name}", value)
    assert main(["sweep", "--now", "2022-06-23T12:00:00+08:00"]) == 0
    first = capsys.readouterr().out
    assert main(["outbox", "flush"]) == 0
    sent = capsys.readouterr().out
    assert main(["sweep", "--now", "2022-06-23T12:00:00+08:00"]) == 0 and main(["outbox", "flush"]) == 0
    second = capsys.readouterr().out
    assert main(["sweep", "--now", "23 June"]) == 2
    assert all(f"{lvl} {label}: 发出 {expected[lvl]} 条" in first
               for lvl, label in (("L0", "提醒"), ("L1", "催办"), ("L2", "督办"), ("L3", "通报")))
    assert f"（{len(recipients(swept_rt))} 封邮件）" in sent and "失败 0 条" in sent
    assert "入队通知 0 条" in second and "已发送 0 条（0 封邮件）" in second
    assert "错误" in capsys.readouterr().err
