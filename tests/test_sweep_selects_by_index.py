"""The sweep looks only at measures whose deadline ladder is not through: a measure whose top rung is recorded
for its current deadline leaves the sweep's partial indexes, a far deadline waits until it comes near, and a new
deadline brings it back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlmodel import Session, select

from tests.world import bj, escalations
from tests.world import esc_measure as measure
from tests.world import esc_people as people
from workflows.models import Measure
from workflows.sweep import candidate_ids

NOW = "2022-06-30 10:00"


def ladder_done(rt, mid: int) -> tuple[int | None, int]:
    with Session(rt.engine) as session:
        row = session.get(Measure, mid)
        return row.ladder_done, row.deadline_version


def test_a_measure_through_its_ladder_is_no_longer_a_candidate(rt):
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    late = measure(rt, date(2022, 6, 1), text="早已逾期")
    soon = measure(rt, date(2022, 7, 1), text="即将到期")
    later = measure(rt, date(2024, 6, 1), text="远未到期")
    assert set(candidate_ids(rt.engine, bj(NOW))) == {late, soon, later}  # none evaluated yet
    result = rt.sweep(bj(NOW))
    assert result.fired["L3"] == 1 and [e[0] for e in escalations(rt, late) if e[2] == "fired"] == ["L3"]
    assert ladder_done(rt, late) == (1, 1) and ladder_done(rt, soon)[0] is None
    assert candidate_ids(rt.engine, bj(NOW)) == []  # `soon` waits for its next rung
    again = rt.sweep(bj(NOW))
    assert not again.fired and not again.superseded
    with rt.write() as session:  # an extension moves the deadline (an action: a new version): a new ladder
        row = session.get(Measure, late)
        row.due_date, row.deadline_version = date(2022, 6, 15), row.deadline_version + 1
        row.version, row.sweep_after = row.version + 1, None
        session.add(row)
    assert late in candidate_ids(rt.engine, bj(NOW))
    assert rt.sweep(bj(NOW)).fired["L3"] == 1 and ladder_done(rt, late) == (2, 2)
    assert later not in candidate_ids(rt.engine, bj(NOW))


def test_the_sweeps_queries_use_the_partial_indexes_on_postgresql(rt):
    if rt.engine.dialect.name != "postgresql":
        import pytest

        pytest.skip("the partial indexes' plans are checked on PostgreSQL, where the ledgers of 10⁶ live")
    from workflows.sweep import _FALLS_DUE, _UNSWEPT

    with rt.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        def plan(query) -> str:
            sql = query.compile(rt.engine, compile_kwargs={"literal_binds": True})
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))

        plans = [plan(q) for q in (_UNSWEPT, _FALLS_DUE.bindparams(today=date(2022, 6, 30)))]
    assert ["ix_measure_unswept" in plans[0], "ix_measure_sweep_after" in plans[1]] == [True, True], plans


def test_one_failing_measure_in_a_batch_leaves_the_others_written(rt, monkeypatch):
    import workflows.sweep as sweep_module

    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    good = [measure(rt, date(2022, 6, 1), text=f"举措 {n}") for n in range(3)]
    bad = measure(rt, date(2022, 6, 1), unit="区财政局", text="失败的举措")
    real = sweep_module.fire_measure

    def failing(session, row, run, result, recorded=None):
        if row.id == bad:
            raise RuntimeError("boom")
        return real(session, row, run, result, recorded)

    monkeypatch.setitem(sweep_module.FIRE, "measure", failing)
    result = rt.sweep(bj(NOW))
    assert [mid for mid, _ in result.errors] == [bad] and result.fired["L3"] == 3
    assert all(escalations(rt, m) for m in good) and escalations(rt, bad) == []
    assert [ladder_done(rt, m)[0] for m in good] == [1, 1, 1] and ladder_done(rt, bad)[0] is None


def test_a_sweep_leaves_the_audit_chain_whole_and_sealed(rt):
    """The documents a sweep drafts are recorded as their first version, and the sweep seals what was recorded."""
    from engine.history import HistoryCheckpoint, verify
    from runtime.audit import subject_versions
    from workflows.documents.table import DOCUMENT
    from workflows.supervision_models import Document

    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    measure(rt, date(2022, 6, 1), text="早已逾期")
    result = rt.sweep(bj(NOW))
    assert result.documents
    with Session(rt.engine) as session:
        docs = session.exec(select(Document)).all()
        # the helper's measures have no history of their own: the documents' versions are what is checked
        versions = {k: v for k, v in subject_versions(session).items() if k[0] == DOCUMENT.name}
        report = verify(session, versions)
        sealed = session.exec(select(HistoryCheckpoint)).all()
    assert docs and versions and report.ok, report.reason
    assert sealed and sealed[-1].upto_seq >= report.checked
