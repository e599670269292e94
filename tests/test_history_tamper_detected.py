"""The hash-chained history names a changed, deleted or reordered record."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from engine import history


def seed(db, clock, subjects=(1, 2), actions=("start", "report", "approve")) -> dict[tuple[str, int], int]:
    with Session(db) as session:
        for sid in subjects:
            for version, action in enumerate(actions, start=1):
                clock.advance(timedelta(minutes=5))
                history.append(session, workflow="wf", subject_id=sid, action=action, from_state="a",
                               to_state="b", version=version, actor_id=9, actor_name="张三", at=clock.now(),
                               comment=f"第{version}次", data={"n": version})
        session.commit()
    return {("wf", sid): len(actions) for sid in subjects}


def ids(db) -> list[int]:
    with db.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM history ORDER BY seq"))]


def test_an_untouched_chain_verifies(db, clock):
    versions = seed(db, clock)
    with Session(db) as session:
        report = history.verify(session, versions)
    assert report.ok and report.checked == 6


def test_a_changed_comment_is_named_by_id(db, clock):
    versions = seed(db, clock)
    victim = ids(db)[3]
    with db.begin() as conn:
        conn.execute(text("UPDATE history SET comment = '改过了' WHERE id = :i"), {"i": victim})
    with Session(db) as session:
        report = history.verify(session, versions)
    assert not report.ok and report.bad_id == victim
    assert f"record {victim}" in report.reason and "hash" in report.reason


def test_a_deleted_middle_record_breaks_the_chain(db, clock):
    versions = seed(db, clock)
    all_ids = ids(db)
    with db.begin() as conn:
        conn.execute(text("DELETE FROM history WHERE id = :i"), {"i": all_ids[2]})
    with Session(db) as session:
        report = history.verify(session, versions)
    assert not report.ok and report.bad_id == all_ids[3] and "missing" in report.reason


def test_a_deleted_newest_record_is_caught_by_the_subject_version(db, clock):
    versions = seed(db, clock)
    with db.begin() as conn:
        conn.execute(text("DELETE FROM history WHERE id = :i"), {"i": ids(db)[-1]})
    with Session(db) as session:
        assert history.verify(session).ok  # the chain alone cannot see a cut tail
        report = history.verify(session, versions)
    assert not report.ok and "wf 2" in report.reason and "deleted" in report.reason


def test_a_rehashed_forgery_still_breaks_the_next_link(db, clock):
    versions = seed(db, clock)
    victim = ids(db)[1]
    with Session(db) as session:
        rec = session.get(history.HistoryRecord, victim)
        rec.comment = "伪造"
        rec.hash = history.digest(rec)
        session.add(rec)
        session.commit()
    with Session(db) as session:
        report = history.verify(session, versions)
    assert not report.ok and report.bad_id == ids(db)[2] and "link" in report.reason
