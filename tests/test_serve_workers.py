"""`reform serve --workers N`: several processes on PostgreSQL, one sweep at a time across them."""

from __future__ import annotations

import threading

from sqlalchemy import text


def test_only_one_process_sweeps_a_tick_at_a_time(rt):
    held, other = threading.Event(), []
    release = threading.Event()

    def first() -> None:
        with rt.exclusive("sweep") as mine:
            other.append(("first", mine))
            held.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    held.wait(10)
    with rt.exclusive("sweep") as mine:  # another connection, as another process would hold
        other.append(("second", mine))
    release.set()
    t.join(10)
    with rt.exclusive("sweep") as mine:
        other.append(("after", mine))
    if rt.engine.dialect.name == "postgresql":
        assert other == [("first", True), ("second", False), ("after", True)]
        with rt.engine.connect() as conn:  # the lock was given back: nothing left held in this test's database
            # (pg_locks spans the server: tests of other workers hold advisory locks in their own databases)
            held_here = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                             "(SELECT oid FROM pg_database WHERE datname = current_database())")
            assert conn.execute(held_here).scalar() == 0
    else:  # SQLite runs one process
        assert other == [("first", True), ("second", True), ("after", True)]


def test_a_tick_that_is_not_ours_skips_the_sweep(rt, monkeypatch):
    from contextlib import contextmanager

    from web import scheduler

    calls = []

    @contextmanager
    def taken(job):
        yield False

    monkeypatch.setattr(rt, "exclusive", taken)
    monkeypatch.setattr(rt, "sweep", lambda *a, **k: calls.append(1))
    scheduler.run_sweep(rt)
    assert calls == []


def test_workers_need_postgresql_and_a_real_mail_server(cli, db, capsys, monkeypatch):
    monkeypatch.setenv("REFORM_MAIL_SINK", "1")  # refused before any process starts, on both databases
    status = cli(["serve", "--workers", "2"])
    err = capsys.readouterr().err
    if db.dialect.name == "sqlite":
        assert status == 2 and "PostgreSQL" in err and "--workers" in err
    else:  # the demo's local mail sink cannot be shared by several processes
        assert status == 2 and "工作进程" in err


def test_workers_must_be_positive(cli, capsys):
    assert cli(["serve", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
