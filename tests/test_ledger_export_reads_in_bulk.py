"""The 任务台账 export reads the ledger in a few statements, whatever its size: its lights come from one SQL scan
(a light per measure read each measure again, 10⁵ statements for a city), and match the light rule measure by
measure."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import event, select

from runtime import reports as reporting
from tests.world import bj, people
from workflows.access import access_for
from workflows.accounts import actor_for
from workflows.lights import LIGHT_LABELS
from workflows.models import Measure
from workflows.roles import OFFICE


def test_the_export_reads_in_a_few_statements_and_its_lights_follow_the_rule(rt, ledger):
    rt.clock.set(bj("2022-06-20 09:00"))
    with rt.write() as session:  # spread the deadlines so that every light occurs
        for n, m in enumerate(session.execute(select(Measure).order_by(Measure.id)).scalars()):
            m.due_date = m.due_date and m.due_date.replace(day=1 + n % 28, month=1 + n % 12)
    office = access_for(actor_for(people(rt, {"boss": (OFFICE, None)})["boss"]))
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", count)
    try:
        with rt.read() as session:
            content = reporting.ledger_workbook(rt, session, office).content
    finally:
        event.remove(rt.engine, "before_cursor_execute", count)
    with rt.read() as session:
        every = rt.measures.every(session, office)
    assert len(every) > 50
    assert len(statements) < 30, f"{len(statements)} statements for {len(every)} measures"
    wb = load_workbook(io.BytesIO(content))
    shown = [cell.value for row in wb.worksheets[0].iter_rows() for cell in row if cell.value in LIGHT_LABELS.values()]
    expected = [LIGHT_LABELS[str(m.light)] for m in every if m.light]
    assert sorted(shown) == sorted(expected) and {"红灯", "黄灯", "绿灯"} <= set(shown)
