"""Per-subject hash chains sealed by Merkle checkpoints: appends to different subjects run in parallel, and
`verify` still names what was changed or removed, also in a database whose history predates the checkpoints."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from engine import history
from engine.db import make_engine
from migrations.runner import upgrade
from tests.conftest import fresh_pg_database
from tests.test_history_tamper_detected import ids, seed

AT = datetime(2022, 6, 20, 1, 0, tzinfo=UTC)


def rec(session, sid, version, action="start", workflow="wf"):
    return history.append(session, workflow=workflow, subject_id=sid, action=action, from_state="a", to_state="b",
                          version=version, actor_id=1, actor_name="张三", at=AT, comment=f"{sid}/{version}")


def test_each_subject_links_to_its_own_previous_record(db, clock):
    seed(db, clock, subjects=(1, 2), actions=("start", "report"))
    with Session(db) as session:
        rows = session.exec(history.select(history.HistoryRecord).order_by(history.HistoryRecord.seq)).all()
    by_subject = {}
    for r in rows:
        assert r.prev_hash == by_subject.get(r.subject_id, history.GENESIS)
        by_subject[r.subject_id] = r.hash


def test_a_checkpoint_seals_the_records_since_the_last_one(db, clock):
    versions = seed(db, clock)
    with Session(db) as session:
        first = history.checkpoint(session, AT)
        session.commit()
        assert history.checkpoint(session, AT) is None  # nothing new
        rec(session, 1, 4)
        second = history.checkpoint(session, AT)
        session.commit()
        report = history.verify(session, versions | {("wf", 1): 4})
    assert (first.first_seq, first.count, second.count, second.prev_hash) == (1, 6, 1, first.hash)
    assert first.root == history.merkle_root([h for h in _hashes(db)[:6]])
    assert report.ok and report.checked == 7 and report.checkpoints == 2


def test_a_deleted_newest_record_under_a_checkpoint_is_named_without_versions(db, clock):
    seed(db, clock)
    with Session(db) as session:
        history.checkpoint(session, AT)
        session.commit()
    all_ids = ids(db)
    with db.begin() as conn:
        conn.execute(text("DELETE FROM history WHERE id = :i"), {"i": all_ids[-1]})
    with Session(db) as session:
        report = history.verify(session)  # no versions: the checkpoint alone sees the cut tail
    assert not report.ok and "6 records sealed, 5 found" in report.reason and "removed" in report.reason


def test_a_whole_subject_chain_forged_again_is_caught_by_the_merkle_root(db, clock):
    versions = seed(db, clock)
    with Session(db) as session:
        history.checkpoint(session, AT)
        session.commit()
        prev = history.GENESIS
        for r in session.exec(history.select(history.HistoryRecord).where(history.HistoryRecord.subject_id == 2)
                              .order_by(history.HistoryRecord.seq)).all():
            r.comment, r.prev_hash = "伪造", prev
            r.hash = prev = history.digest(r)
            session.add(r)
        session.commit()
        report = history.verify(session, versions)
    assert not report.ok and "checkpoint" in report.reason and "hashes differ" in report.reason


def test_a_changed_checkpoint_is_named(db, clock):
    seed(db, clock)
    with Session(db) as session:
        cp_id = history.checkpoint(session, AT).id
        session.commit()
    with db.begin() as conn:
        conn.execute(text("UPDATE history_checkpoint SET count = 5 WHERE id = :i"), {"i": cp_id})
    with Session(db) as session:
        report = history.verify(session)
    assert not report.ok and f"checkpoint {cp_id}: content does not match" in report.reason


def test_a_batch_appended_at_once_chains_like_single_appends(db, clock):
    with Session(db) as session:
        rec(session, 7, 1)
        entries = [history.Entry("wf", sid, "import", None, "a", None, None, "system", AT) for sid in (7, 8, 7)]
        out = history.append_many(session, entries)
        session.commit()
        report = history.verify(session, {("wf", 7): 3, ("wf", 8): 1})
    assert [r["version"] for r in out] == [2, 1, 3] and out[2]["prev_hash"] == out[0]["hash"]
    assert report.ok and report.checked == 4


def _hashes(db):
    with db.connect() as conn:
        return [h for (h,) in conn.execute(text("SELECT hash FROM history ORDER BY seq"))]


def test_appends_to_different_subjects_do_not_wait_for_each_other(db):
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every write transaction (BEGIN IMMEDIATE); the parallel path is PostgreSQL's")
    holder = Session(db)
    rec(holder, 1, 1)  # an open transaction that has appended to subject 1 and not committed
    took = []

    def other() -> None:
        started = time.perf_counter()
        with Session(db) as session:
            rec(session, 2, 1)
            session.commit()
        took.append(time.perf_counter() - started)

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    try:
        assert took and took[0] < 2, "an append to another subject waited for the open transaction"
        sealed = []
        sealer = threading.Thread(target=lambda: sealed.append(_seal(db)))
        sealer.start()
        time.sleep(0.5)
        assert not sealed, "a checkpoint must wait for appends still in flight"
        holder.commit()
        sealer.join(10)
        assert sealed and sealed[0] == 2  # both records, the late committer included
    finally:
        holder.close()
    with Session(db) as session:
        assert history.verify(session, {("wf", 1): 1, ("wf", 2): 1}).ok


def _seal(db) -> int:
    with Session(db) as session:
        cp = history.checkpoint(session, AT)
        session.commit()
        return cp.count


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with fresh_pg_database("reform_chain") as found:
            yield found


def test_a_history_written_before_checkpoints_stays_verifiable(old_url):
    """Before 0007 the records formed one global chain: the migration seals it, new records chain per subject."""
    engine = make_engine(old_url)
    try:
        upgrade(engine, "0006_notify")
        prev, at = history.GENESIS, AT
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":  # a rolled-back append used up an id, as happens
                conn.execute(text("SELECT nextval('history_id_seq')"))
            for seq, (sid, version) in enumerate([(1, 1), (2, 1), (1, 2)], start=1):
                r = history.HistoryRecord(seq=seq, workflow="wf", subject_id=sid, action="import", from_state=None,
                                          to_state="a", version=version, actor_name="system", at=at,
                                          comment="", data="{}", prev_hash=prev, hash="")
                r.hash = prev = history.digest(r)
                conn.execute(history._INSERT, r.model_dump(exclude={"id"}))
        upgrade(engine)
        versions = {("wf", 1): 3, ("wf", 2): 1}
        with Session(engine) as session:
            assert session.execute(text("SELECT kind FROM history_checkpoint")).scalar() == "legacy"
            new = rec(session, 1, 3)
            session.commit()
            assert new.prev_hash == prev  # subject 1's last legacy record
            assert history.verify(session, versions).ok
            history.checkpoint(session, at + timedelta(minutes=1))
            session.commit()
            report = history.verify(session, versions)
            assert report.ok and (report.checked, report.checkpoints) == (4, 2)
        with engine.begin() as conn:
            conn.execute(text("UPDATE history SET comment = '改过了' WHERE seq = 2"))
            victim = conn.execute(text("SELECT id FROM history WHERE seq = 2")).scalar()
        with Session(engine) as session:
            report = history.verify(session, versions)
        assert not report.ok and report.bad_id == victim and "hash" in report.reason
    finally:
        engine.dispose()
