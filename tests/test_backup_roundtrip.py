"""A backup taken while actions keep firing restores, on the same and on the other backend, to a verifying system."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from engine.db import make_engine, write_session
from runtime import backup_db
from runtime.backup import backup, restore
from tests.conftest import fresh_pg_database
from tests.world import client, fire, headers, pdf_bytes, people, upload
from web.files import receive_evidence
from workflows.access import Access
from workflows.accounts import actor_for
from workflows.models import Evidence, Measure, MeasureUnit, Unit

WHO = {"clerk": ("unit_staff", "区市场监管局"), "head": ("unit_head", "区市场监管局"),
       "reviewer": ("supervisor", None), "reviewer2": ("supervisor", None), "office": ("office", None)}
OTHER = {"sqlite": "postgresql", "postgresql": "sqlite"}


class Firing(threading.Thread):
    """Reports progress on some measures, and uploads a file every third time, through the service, until stopped."""

    def __init__(self, rt, user, measure_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.rt, self.actor, self.ids = rt, actor_for(user), measure_ids
        self.done, self.errors, self.halt = 0, [], threading.Event()
        self.progress = threading.Condition()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self.step(self.ids[self.done % len(self.ids)], self.done)
            except Exception as exc:  # noqa: BLE001 - reported by wait_for in the test's thread
                self.errors.append(exc)
                return
            with self.progress:
                self.done += 1
                self.progress.notify_all()

    def step(self, measure_id: int, n: int) -> None:
        rt = self.rt
        if n % 3 == 0:
            receive_evidence(rt, Access(self.actor), measure_id, f"进展{n}.pdf",
                             io.BytesIO(pdf_bytes(f"round {n}".encode())))
        with write_session(rt.engine) as session:
            row = session.get(Measure, measure_id)
            rt.measures.workflow.fire(session, row, "update_progress", self.actor, {"comment": f"第{n}次进展"},
                                      row.version)

    def wait_for(self, count: int) -> None:
        with self.progress:
            self.progress.wait_for(lambda: self.done >= count or self.errors, timeout=30)
        assert not self.errors, self.errors
        assert self.done >= count, "the firing thread stalled"


def market_measures(rt) -> list[int]:
    """Open measures whose first lead unit is 区市场监管局, in ledger order."""
    with Session(rt.engine) as session:
        stmt = (select(Measure.id).join(MeasureUnit, MeasureUnit.measure_id == Measure.id)
                .join(Unit, Unit.id == MeasureUnit.unit_id)
                .where(Unit.name == "区市场监管局", MeasureUnit.position == 0, Measure.state == "assigned")
                .order_by(Measure.id))
        return list(session.execute(stmt).scalars())


def act_on_a_few(rt, users, ids: list[int]) -> None:
    """Through the API: one measure evaluated, one returned, one with an approved extension, three started."""
    auth = {name: headers(rt, user) for name, user in users.items()}
    with client(rt) as c:
        for mid in ids:
            assert fire(c, auth["clerk"], mid, "start").status_code == 200
        for n, mid in enumerate(ids[:2]):
            assert upload(c, auth["clerk"], mid, f"佐证{n}.pdf", pdf_bytes(f"evidence {n}".encode())).status_code == 201
            assert upload(c, auth["clerk"], mid, "现场.pdf", pdf_bytes(b"shared")).status_code == 201
            assert fire(c, auth["clerk"], mid, "submit", comment="已完成").status_code == 200
            assert fire(c, auth["head"], mid, "sign_off", comment="同意报送").status_code == 200
        assert fire(c, auth["reviewer"], ids[0], "approve", comment="核验通过").status_code == 200
        assert fire(c, auth["office"], ids[0], "evaluate", rating="好", satisfaction=95).status_code == 200
        assert fire(c, auth["reviewer"], ids[1], "return", comment="请补充数据").status_code == 200
        assert fire(c, auth["clerk"], ids[2], "request_extension", proposed_due_date="2022-09-30",
                    comment="等待市级系统").status_code == 200
        assert fire(c, auth["reviewer2"], ids[2], "decide_extension", approve=True,
                    comment="同意").status_code == 200


def all_rows(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in SQLModel.metadata.sorted_tables}


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


@contextmanager
def fresh_target(backend: str, tmp_path: Path, name: str):
    """An empty database of the backend (nothing migrated) and an empty data directory."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        try:
            yield engine, tmp_path / f"{name}-data"
        finally:
            engine.dispose()
        return
    with fresh_pg_database() as url:
        engine = make_engine(url)
        try:
            yield engine, tmp_path / f"{name}-data"
        finally:
            engine.dispose()


def audit_verify(cli, monkeypatch, capsys, engine) -> str:
    """`reform audit verify` run against the given database."""
    monkeypatch.setenv("REFORM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert cli(["audit", "verify"]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def check_evidence_store(engine, data_dir: Path) -> set[str]:
    """Every evidence row has its file with its SHA-256, and the store holds nothing else."""
    with Session(engine) as session:
        shas = set(session.execute(select(Evidence.sha256)).scalars())
    for sha in shas:
        assert hashlib.sha256((data_dir / "evidence" / sha[:2] / sha).read_bytes()).hexdigest() == sha
    assert {p.name for p in (data_dir / "evidence").rglob("*") if p.is_file()} == shas
    return shas


def assert_new_rows_get_new_ids(engine) -> None:
    """Ids go on after the highest one restored (PostgreSQL sequences were reset)."""
    with write_session(engine) as session:
        highest = session.execute(select(func.max(Unit.id))).scalar_one()
        unit = Unit(name="恢复后新增单位")
        session.add(unit)
        session.flush()
        assert unit.id == highest + 1
        session.rollback()


def backup_while_firing(rt, worker: Firing, out: Path, monkeypatch):
    """Back up while the worker fires; at least four of its actions commit inside the snapshot window."""
    real_dump = backup_db.dump_portable

    def dump_while_others_write(conn, out_dir):
        # the snapshot is taken: let the other thread commit actions and an upload before anything is read
        worker.wait_for(worker.done + 4)
        return real_dump(conn, out_dir)

    monkeypatch.setattr(backup_db, "dump_portable", dump_while_others_write)
    worker.start()
    try:
        worker.wait_for(3)
        report = backup(rt.engine, rt.settings.data_dir, out, now=rt.clock.now())
        worker.wait_for(worker.done + 2)
    finally:
        worker.halt.set()
        worker.join(10)
    return report


def restore_and_check(archive: Path, manifest: dict, engine, data_dir: Path, verify) -> dict[str, list[dict]]:
    """Restore; then `reform audit verify`, counts as the manifest says, every file by its hash; all rows."""
    result = restore(archive, engine, data_dir)
    assert result.tables == manifest["row_counts"]
    assert "audit chain ok" in verify(engine)
    with Session(engine) as session:
        counted = {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in SQLModel.metadata.sorted_tables}
    assert counted == manifest["row_counts"]
    assert len(check_evidence_store(engine, data_dir)) == len(manifest["evidence"])
    rows = all_rows(engine)
    assert_new_rows_get_new_ids(engine)
    return rows


def test_a_backup_under_load_restores_to_both_backends(rt, ledger, cli, monkeypatch, capsys, tmp_path):
    users = people(rt, WHO)
    ids = market_measures(rt)[:6]
    act_on_a_few(rt, users, ids)
    busy = ids[3:]
    report = backup_while_firing(rt, Firing(rt, users["clerk"], busy), tmp_path / "under-load.tar.gz", monkeypatch)
    assert report.audit.ok and not report.notes
    source, manifest = all_rows(rt.engine), manifest_of(report.archive)
    assert manifest["row_counts"]["history"] < len(source["history"])  # writes after the snapshot stayed out

    restored = {}
    backend = rt.engine.dialect.name
    for name, target_backend in (("same", backend), ("other", OTHER[backend])):
        with fresh_target(target_backend, tmp_path, name) as (engine, data_dir):
            restored[name] = restore_and_check(report.archive, manifest, engine, data_dir,
                                               lambda e: audit_verify(cli, monkeypatch, capsys, e))

    assert restored["same"] == restored["other"]  # field by field, every table, across backends
    chain = restored["same"]["history"]
    assert chain == source["history"][:len(chain)]  # the snapshot is one point of the append-only chain
    untouched = [m for m in source["measure"] if m["id"] not in busy]
    assert [m for m in restored["same"]["measure"] if m["id"] not in busy] == untouched
    assert {m["id"]: m["state"] for m in untouched if m["id"] in ids[:3]} == {
        ids[0]: "evaluated", ids[1]: "in_progress", ids[2]: "in_progress"}
    versions = {m["id"]: m["version"] for m in restored["same"]["measure"]}
    for mid in busy:  # each busy measure stops at a version its own history reaches
        assert versions[mid] == sum(1 for r in chain if r["subject_id"] == mid)


def test_the_native_dump_and_the_portable_dump_of_one_snapshot_agree(rt, ledger, tmp_path):
    """pg_dump's and SQLite's own copy load the same rows as the portable dump beside it."""
    users = people(rt, WHO)
    act_on_a_few(rt, users, market_measures(rt)[:3])
    report = backup(rt.engine, rt.settings.data_dir, tmp_path / "b.tar.gz", now=rt.clock.now())
    assert manifest_of(report.archive)["native"]["kind"] == {"sqlite": "sqlite", "postgresql": "pg_dump"}[
        rt.engine.dialect.name]
    with fresh_target(rt.engine.dialect.name, tmp_path, "native") as (native_engine, native_dir):
        native = restore(report.archive, native_engine, native_dir)
        rows = all_rows(native_engine)
    assert native.method == "SQLite 原生快照" or native.method.startswith("pg_restore")
    assert rows == all_rows(rt.engine)

