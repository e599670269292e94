"""A measure's detail reads each thing once: the row with its item (the access check finds it in the session), its
units once for the check, the summary and the rules. Duplicate reads were a third of a detail's round trips."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from tests.world import client, headers, people
from workflows.models import Measure, MeasureUnit, Unit
from workflows.roles import STAFF, SUPERVISOR


@contextmanager
def _statements(rt) -> Iterator[list[tuple[str, str]]]:
    seen: list[tuple[str, str]] = []

    def note(_conn, _cur, statement, parameters, *_args) -> None:
        seen.append((statement, repr(parameters)))

    event.listen(rt.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(rt.engine, "before_cursor_execute", note)


def _outer(statement: str) -> str:
    """The statement without its parenthesised parts (subqueries): what it reads at its own level."""
    while (inner := re.sub(r"\([^()]*\)", "", statement)) != statement:
        statement = inner
    return statement


def _unit_reads(seen: list[tuple[str, str]]) -> list[str]:
    """The SELECTs that read a measure's units as rows (a claim's UPDATE that tests them in its WHERE is not one,
    nor the detail row's EXISTS that asks whether the first lead unit has a head)."""
    return [st for st, _ in seen if st.lstrip().upper().startswith("SELECT")
            and ("FROM measure_unit" in _outer(st) or "JOIN measure_unit" in _outer(st))]


def _a_measure_and_its_lead_unit(rt) -> tuple[int, str]:
    with rt.read() as session:
        mid, unit = session.execute(select(MeasureUnit.measure_id, Unit.name).join(Unit, Unit.id == MeasureUnit.unit_id)
                                    .where(MeasureUnit.part == "lead").order_by(MeasureUnit.measure_id)).first()
    return mid, unit


def test_no_statement_of_a_detail_runs_twice(rt, ledger):
    mid, unit = _a_measure_and_its_lead_unit(rt)
    who = people(rt, {"clerk": (STAFF, unit), "reviewer": (SUPERVISOR, None)})
    for name in ("clerk", "reviewer"):  # one who must be of a lead unit (units read for the check), one who sees all
        auth = headers(rt, who[name])
        with client(rt) as c, _statements(rt) as seen:
            resp = c.get(f"/api/measures/{mid}", headers=auth)
        assert resp.status_code == 200 and resp.json()["id"] == mid
        repeated = {st[:80]: n for (st, _), n in Counter(seen).items() if n > 1 and st.split()[0] != "BEGIN"}
        assert repeated == {}, f"{name}: read more than once: {repeated}"
        assert len(_unit_reads(seen)) == 1, name


def test_an_action_reads_the_measures_units_once_and_answers_with_its_detail(rt, ledger):
    mid, unit = _a_measure_and_its_lead_unit(rt)
    clerk = people(rt, {"clerk": (STAFF, unit)})["clerk"]
    auth = headers(rt, clerk)
    with rt.read() as session:
        version = session.execute(select(Measure.version).where(Measure.id == mid)).scalar_one()
    with client(rt) as c, _statements(rt) as seen:
        resp = c.post(f"/api/measures/{mid}/actions/start", json={"version": version}, headers=auth)
    assert resp.status_code == 200 and resp.json()["state"] == "in_progress"
    repeated = {st[:80]: n for (st, _), n in Counter(seen).items() if n > 1 and st.split()[0] != "BEGIN"}
    assert repeated == {}, f"read more than once: {repeated}"
    assert len(_unit_reads(seen)) <= 2, "at most once in the write (the check and the rules), once for the answer"
