"""`reform init`, `users add` and `audit verify` from the command line, with one-line errors."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from workflows import accounts, audit_log
from workflows.accounts_models import User


def password_file(tmp_path, password="s3cret-pass-word") -> str:
    path = tmp_path / "pw.txt"
    path.write_text(password + "\n", encoding="utf-8")
    return str(path)


def test_init_creates_one_admin_and_is_idempotent(cli, db, capsys):
    assert cli(["init"]) == 0
    first = capsys.readouterr().out
    assert "created user admin with password:" in first
    assert cli(["init"]) == 0
    assert "created user admin" not in capsys.readouterr().out
    with Session(db) as session:
        assert len(session.exec(select(User).where(User.role == "admin")).all()) == 1


def test_users_add_hashes_with_argon2_and_checks_role_and_unit(cli, db, tmp_path, capsys):
    pw = password_file(tmp_path)
    assert cli(["users", "add", "li", "--role", "unit_staff", "--unit", "区政府督查办",
                "--email", "li@wulong.example", "--password-file", pw]) == 0
    with Session(db) as session:
        user = session.exec(select(User).where(User.username == "li")).one()
        assert user.password_hash.startswith("$argon2") and "s3cret" not in user.password_hash
        assert accounts.verify_password("s3cret-pass-word", user.password_hash)
        added = audit_log.records(session, audit_log.USER, user.id)
    assert [(r.action, r.actor_name) for r in added] == [("added", audit_log.command_line("users add"))]
    capsys.readouterr()
    assert cli(["users", "add", "wang", "--role", "unit_staff", "--unit", "不存在的局",
                "--email", "w@x", "--password-file", pw]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "未知单位" in err and "Traceback" not in err
    assert cli(["users", "add", "zhao", "--role", "unit_head", "--email", "z@x", "--password-file", pw]) == 2
    assert "必须指定所属单位" in capsys.readouterr().err
    assert cli(["users", "add", "li", "--role", "office", "--email", "l@x", "--password-file", pw]) == 2
    assert "已存在" in capsys.readouterr().err
    short = password_file(tmp_path, "short")
    assert cli(["users", "add", "qian", "--role", "office", "--email", "q@x", "--password-file", short]) == 2
    assert "至少" in capsys.readouterr().err


def test_audit_verify_names_the_tampered_record(cli, db, tmp_path, capsys):
    assert cli(["init"]) == 0
    from engine import history
    from engine.clock import FrozenClock
    from tests.conftest import DEMO_START

    clock = FrozenClock(DEMO_START)
    with Session(db) as session:
        for version in (1, 2):
            history.append(session, workflow="other", subject_id=1, action="a", from_state=None, to_state="x",
                           version=version, actor_id=None, actor_name="system", at=clock.now())
        session.commit()
    capsys.readouterr()
    assert cli(["audit", "verify"]) == 0
    assert "audit chain ok: 3 records" in capsys.readouterr().out  # init's record of the first admin, and these
    with db.begin() as conn:
        victim = conn.execute(text("SELECT id FROM history WHERE workflow = 'other' ORDER BY seq LIMIT 1")).scalar()
        conn.execute(text("UPDATE history SET actor_name = 'mallory' WHERE id = :i"), {"i": victim})
    assert cli(["audit", "verify"]) == 1
    assert f"record {victim}" in capsys.readouterr().err


def test_commands_run_in_one_process_leave_no_connection_open(cli, db, capsys):
    """The tests (and any tool) call main() many times in one process: each command's pool is closed when it ends,
    or every one left an idle PostgreSQL connection behind and the suite ran out of them."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to count connections on")

    def open_here() -> int:
        with db.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND pid <> pg_backend_pid()")).scalar()

    assert cli(["init"]) == 0
    before = open_here()
    for _ in range(5):
        assert cli(["audit", "verify"]) == 0
        assert cli(["audit", "log"]) == 0
    assert open_here() <= before
