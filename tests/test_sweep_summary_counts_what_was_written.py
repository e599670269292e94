"""The sweep's summary counts only what each measure's savepoint wrote: a measure that fails after writing its
superseded rungs is rolled back and counted nowhere, and the printed summary agrees with the database."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlmodel import Session, func, select

import workflows.sweep as sweep_module
from engine.outbox import OutboxMessage
from tests.world import bj, escalations
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.models import Escalation


def written(rt) -> tuple[Counter, int]:
    with Session(rt.engine) as session:
        rows = session.exec(select(Escalation.level, Escalation.status)).all()
        notices = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    return Counter(rows), notices


def test_a_measure_failing_after_its_first_writes_is_counted_nowhere(rt, monkeypatch, cli, capsys):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    good = [measure(rt, date(2022, 6, 1), text=f"举措 {n}") for n in range(3)]
    bad = measure(rt, date(2022, 6, 1), unit="区财政局", text="会在写入后失败的举措")
    real = sweep_module.recipients_for

    def failing(session, links, level, memo=None):
        if links.primary.name == "区财政局":  # after its superseded rungs were inserted, before its notices
            raise RuntimeError("directory unavailable")
        return real(session, links, level, memo)

    monkeypatch.setattr(sweep_module, "recipients_for", failing)
    result = rt.sweep(bj("2022-06-30 10:00"))
    assert [mid for mid, _ in result.errors] == [bad] and "directory unavailable" in result.errors[0][1]
    assert dict(result.fired) == {"L3": 3} and dict(result.superseded) == {"L0": 3, "L1": 3, "L2": 3}
    rows, notices = written(rt)
    assert rows == {("L3", "fired"): 3, ("L0", "superseded"): 3, ("L1", "superseded"): 3, ("L2", "superseded"): 3}
    assert result.notices == notices and escalations(rt, bad) == []
    assert all(escalations(rt, m) for m in good)


def test_the_printed_summary_is_what_the_database_holds(rt, cli, capsys):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    for n in range(2):
        measure(rt, date(2022, 6, 1), text=f"举措 {n}")
    measure(rt, date(1900, 12, 28), text="日历不知道的年份")
    assert cli(["sweep", "--now", "2022-06-30T10:00:00+08:00"]) == 1  # one measure could not be handled
    out = capsys.readouterr().out
    rows, notices = written(rt)
    assert f"L3 通报: 发出 {rows[('L3', 'fired')]} 条" in out and rows[("L3", "fired")] == 2
    assert f"入队通知 {notices} 条" in out and "未处理" in out
    assert cli(["sweep", "--now", "2022-06-30T10:00:00+08:00"]) == 1
    again = capsys.readouterr().out
    assert "L3 通报: 发出 0 条，补记未发（已被更高级别取代）0 条" in again and "入队通知 0 条" in again
    assert written(rt) == (rows, notices)
