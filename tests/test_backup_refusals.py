"""Restore refuses a non-empty target (unless --force), a tampered or unknown archive, and leaves no half system."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import inspect

from engine.db import make_engine
from runtime import backup_db
from runtime.backup import ArchiveInvalid, BackupError, RestoreFailed, backup, restore
from tests.conftest import fresh_pg_database
from tests.world import build, client, pdf_bytes, upload


@pytest.fixture
def archive(rt, tmp_path) -> Path:
    """The small API world with two evidence files, backed up."""
    world = build(rt)
    with client(rt) as c:
        for n in range(2):
            assert upload(c, world.auth("clerk"), world.measures[0], f"佐证{n}.pdf",
                          pdf_bytes(f"file {n}".encode())).status_code == 201
    return backup(rt.engine, rt.settings.data_dir, tmp_path / "small.tar.gz", now=rt.clock.now()).archive


@pytest.fixture
def blank(tmp_path):
    """A blank SQLite target and its data directory."""
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    yield engine, tmp_path / "blank-data"
    engine.dispose()


def rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with change(name, bytes) -> bytes applied to every member."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            body = change(member.name, src.extractfile(member).read())
            member.size = len(body)
            dst.addfile(member, io.BytesIO(body))
    return out


def assert_untouched(engine, data_dir: Path) -> None:
    assert inspect(engine).get_table_names() == []
    assert not (data_dir / "evidence").exists()
    if data_dir.exists():
        assert list(data_dir.iterdir()) == []  # no staging folder left behind


def test_non_empty_target_is_refused_naming_what_is_there_and_force_replaces_it(rt, cli, capsys, tmp_path):
    world = build(rt)
    with client(rt) as c:
        assert upload(c, world.auth("clerk"), world.measures[0]).status_code == 201
    out = tmp_path / "cli.tar.gz"
    assert cli(["backup", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "表 measure：5 行" in said and "佐证文件：1 个" in said and "audit verify: ok, 5 records" in said

    assert cli(["restore", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "目标不是空的" in err and "--force" in err
    assert "unit 5 行" in err and "measure 5 行" in err and "佐证目录" in err and "1 个文件" in err

    assert cli(["restore", str(out), "--force"]) == 0
    said = capsys.readouterr().out
    assert "表 measure：5 行" in said and "audit verify: ok, 5 records" in said
    aside = [p for p in rt.settings.data_dir.iterdir() if p.name.startswith("evidence.replaced-")]
    assert len(aside) == 1 and "原有佐证目录已改名保存为" in said
    assert cli(["audit", "verify"]) == 0


def test_a_tampered_evidence_file_is_refused_before_anything_is_written(archive, blank, tmp_path):
    def flip(name: str, body: bytes) -> bytes:
        return body.replace(b"file 0", b"file X") if name.startswith("evidence/") else body

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", flip)
    engine, data_dir = blank
    with pytest.raises(ArchiveInvalid, match="SHA-256 不符"):
        restore(tampered, engine, data_dir)
    assert_untouched(engine, data_dir)


def test_an_archive_of_an_unknown_format_version_is_refused(archive, blank, tmp_path):
    def bump(name: str, body: bytes) -> bytes:
        return json.dumps(json.loads(body) | {"format_version": 2}).encode() if name == "manifest.json" else body

    future = rewrite(archive, tmp_path / "future.tar.gz", bump)
    engine, data_dir = blank
    with pytest.raises(ArchiveInvalid, match="备份格式版本 2 不受支持"):
        restore(future, engine, data_dir)
    assert_untouched(engine, data_dir)


def test_not_an_archive_at_all_is_one_line(blank, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(ArchiveInvalid, match="已损坏或不是 .tar.gz"):
        restore(junk, *blank)


def test_a_failure_in_the_middle_leaves_the_target_empty(archive, blank, monkeypatch):
    engine, data_dir = blank
    restore(archive, engine, data_dir)  # a restored system, then --force over it fails half-way

    def boom(conn):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(backup_db, "reset_sequences", boom)
    with pytest.raises(RestoreFailed, match="重置序列.*disk on fire.*目标已清空.*原有佐证文件保存在"):
        restore(archive, engine, data_dir, force=True)
    assert inspect(engine).get_table_names() == []
    assert not (data_dir / "evidence").exists()
    assert [p.name for p in data_dir.iterdir() if p.name.startswith("evidence.replaced-")]
    monkeypatch.undo()
    assert restore(archive, engine, data_dir).audit_records == 5  # empty, so a second try needs no --force


def test_backup_refuses_to_overwrite_and_names_an_unwritable_path(rt, archive, tmp_path):
    with pytest.raises(BackupError, match="已存在.*--overwrite"):
        backup(rt.engine, rt.settings.data_dir, archive, now=rt.clock.now())
    again = backup(rt.engine, rt.settings.data_dir, archive, now=rt.clock.now(), overwrite=True)
    assert again.archive == archive and again.evidence_files == 2
    with pytest.raises(BackupError, match="目录 .* 不存在"):
        backup(rt.engine, rt.settings.data_dir, tmp_path / "nowhere" / "b.tar.gz", now=rt.clock.now())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left


def test_a_file_lost_from_the_store_stops_the_backup(rt, archive, tmp_path):
    lost = next(p for p in (rt.settings.data_dir / "evidence").rglob("*") if p.is_file())
    lost.unlink()
    with pytest.raises(BackupError, match="1 个佐证文件被数据库引用但不在"):
        backup(rt.engine, rt.settings.data_dir, tmp_path / "lost.tar.gz", now=rt.clock.now())
    assert not (tmp_path / "lost.tar.gz").exists()


def test_an_unreachable_database_is_a_one_line_error(cli, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("REFORM_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert cli(["backup", "--out", str(tmp_path / "x.tar.gz")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "无法连接数据库" in err and "Traceback" not in err


def test_without_pg_tools_the_portable_dump_alone_restores(rt, db, archive, monkeypatch, tmp_path):
    if db.dialect.name != "postgresql":
        pytest.skip("pg_dump and pg_restore are PostgreSQL tools")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    report = backup(rt.engine, rt.settings.data_dir, tmp_path / "portable.tar.gz", now=rt.clock.now())
    assert report.dump_tool.startswith("reform portable dump") and "未找到 pg_dump" in report.notes[0]
    for made_with_pg_dump in (report.archive, archive):
        with fresh_pg_database() as url:
            engine = make_engine(url)
            try:
                result = restore(made_with_pg_dump, engine, tmp_path / f"data-{made_with_pg_dump.stem}")
            finally:
                engine.dispose()
        assert result.method.startswith("可移植导出") and result.audit_records == 5
    assert "没有可用的 pg_restore" in result.notes[0]
