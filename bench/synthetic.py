"""Build a synthetic ledger of N measures with raw bulk inserts, with a valid hash chain; reuse a built one."""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from argon2 import PasswordHasher

from bench import dbs
from bench.bulk import BulkWriter
from bench.ledgergen import IMPORTED_AT, OPEN_STATES, SHANGHAI, Ledger, Spec, generate
from bench.proc import ROOT, VAR, Deadline, reform
from engine.history import digest

BUILD_VERSION = 4  # bump when the rows written change, so old caches are not reused
PASSWORD = "bench-password-1"
WORKFLOW = "reform_measure"
GENESIS = "0" * 64
MARGIN_DAYS = 14  # rungs of deadlines older than this were fired by earlier sweeps (recorded)
REACH_DAYS = 30  # how far before a deadline its first rung can fire, generously (workflows.sweep.Sweep.reach)
NEVER = date(9999, 12, 31)  # workflows.models.SWEEP_NEVER
SLACK_DAYS = 10  # how much earlier than the weekday estimate the calendar may put a rung (a holiday week)
TONGBAO_ID = 1  # the 情况通报 earlier sweeps drafted for the 通报 rungs they fired
Log = Callable[[str], None]


def levels() -> list[tuple[str, str, int]]:
    """(code, anchor, offset) of the escalation ladder the README documents (config/escalation.toml)."""
    data = tomllib.loads((ROOT / "config" / "escalation.toml").read_text(encoding="utf-8"))
    return [(lv["code"], lv["anchor"], int(lv["offset"])) for lv in data.get("level", [])]


def due_window(spec: Spec) -> tuple:
    """Deadlines whose rungs are due and not yet recorded at the clock: about 1 % of the measures."""
    return spec.today - timedelta(days=MARGIN_DAYS), spec.today + timedelta(days=7)


class Ids:
    """Ids the bulk rows take: after whatever `reform init` created."""

    def __init__(self, w: BulkWriter) -> None:
        self.unit = w.query('SELECT COALESCE(MAX(id), 0) FROM "unit"')[0][0]
        self.user = w.query('SELECT COALESCE(MAX(id), 0) FROM "user"')[0][0]
        self.special = dict(w.query("SELECT kind, MIN(id) FROM unit WHERE kind <> 'lead' GROUP BY kind"))
        # `reform init` records the first admin and the units it configures: the bulk records follow them
        self.history = w.query("SELECT COALESCE(MAX(seq), 0) FROM history")[0][0]


def write_structure(w: BulkWriter, ledger: Ledger, ids: Ids, code: str) -> None:
    w.insert("plan", ("id", "code", "title", "doc_no", "issued_on", "issuer"),
             [(1, code, "合成改革台账（基准测试）", "", None, "")])
    w.insert("category", ("id", "plan_id", "seq", "title"),
             [(i, 1, i, f"{'一二三四五六七八九'[i - 1]}、{t}") for i, t in enumerate(ledger.categories, 1)])
    w.insert("item", ("id", "plan_id", "category_id", "seq", "item_no", "title", "klass"),
             [(it.seq, 1, it.category, it.seq, it.item_no, it.title, None) for it in ledger.items])
    w.insert("unit", ("id", "name", "kind", "head_name", "head_email"),
             [(ids.unit + i, name, "lead", f"{name}主要负责人", f"head{i}@bench.example")
              for i, name in enumerate(ledger.units, 1)])


def measure_rows(ledger: Ledger, spec: Spec | None = None) -> Iterator[tuple]:
    """With `spec`, what earlier sweeps left on each measure (workflows.sweep.wake_on): the ones whose whole due
    ladder escalation_rows records are through (ladder_done, and no next rung); the other open ones wait for their
    first rung (sweep_after), estimated as weekdays and put SLACK_DAYS early so that no rung the calendar puts
    earlier is missed, or, far ahead, until they come within the ladder's reach; a report waiting for review has its
    rung recorded."""
    imported = IMPORTED_AT.astimezone(UTC)
    limit = spec.today - timedelta(days=MARGIN_DAYS) if spec else None
    first = min((o for _, a, o in levels() if a == "due"), default=0)
    for m in ledger.measures:
        done = m.state not in OPEN_STATES + ("reported",)
        evaluated = m.state in ("evaluated", "replicated")
        progress = m.state == "in_progress" and m.seq % 2 == 0
        through = bool(limit and m.state in OPEN_STATES and m.due < limit)
        after = None
        if through or (spec and m.state == "reported" and m.reported_at is not None):
            after = NEVER
        elif spec and m.state in OPEN_STATES:
            far = m.due > spec.today + timedelta(days=REACH_DAYS)
            after = m.due - timedelta(days=REACH_DAYS) if far else m.due + timedelta(days=first * 7 // 5 - SLACK_DAYS)
        yield (m.id, 1, m.item, m.seq, m.text, m.due_text, m.due, 1, m.key, "重点改革事项" if m.key else "",
               False, m.state, 1, 50 if progress else None, "按计划推进" if progress else "",
               imported if progress else None, m.reported_at, m.reported_at + timedelta(days=3) if done else None,
               None, "", "较好" if evaluated else None, 90 if evaluated else None, False, "", imported,
               1 if through else None, after)


MEASURE_COLUMNS = ("id", "plan_id", "item_id", "seq", "text", "due_text", "due_date", "deadline_version", "key",
                   "note", "declared_done", "state", "version", "percent", "last_progress", "last_progress_at",
                   "reported_at", "verified_at", "extension_date", "extension_reason", "rating", "satisfaction",
                   "typical_case", "case_text", "updated_at", "ladder_done", "sweep_after")
ESCALATION_COLUMNS = ("measure_id", "subject_type", "subject_id", "level", "deadline_version", "due_date", "fire_on",
                      "fired_at", "status", "recipients", "document_id")
DOCUMENT_COLUMNS = ("id", "kind", "year", "seq", "number", "title", "required", "facts", "sha256", "created_at",
                    "issued_at", "state", "version")
HISTORY_COLUMNS = ("id", "seq", "workflow", "subject_id", "action", "from_state", "to_state", "version", "actor_id",
                   "actor_name", "at", "comment", "data", "prev_hash", "hash")


def history_rows(ledger: Ledger, source: str, first_seq: int = 1, prev: str = GENESIS) -> Iterator[tuple]:
    """One `import` record per measure (version 1), chained with the engine's own digest: each the first of its
    subject's chain (a database built before 0007 has them in one global chain, which the migration seals)."""
    at = IMPORTED_AT.astimezone(UTC)
    for seq, m in enumerate(ledger.measures, first_seq):
        rec = SimpleNamespace(seq=seq, workflow=WORKFLOW, subject_id=m.id, action="import", from_state=None,
                              to_state=m.state, version=1, actor_id=None, actor_name="system", at=at,
                              comment=f"从台账导入（{source}）",
                              data=json.dumps({"seq": m.seq, "source": source}, ensure_ascii=False, sort_keys=True),
                              prev_hash=GENESIS, hash="")
        rec.hash = digest(rec)
        yield (seq, seq, rec.workflow, rec.subject_id, rec.action, None, rec.to_state, 1, None, rec.actor_name,
               at, rec.comment, rec.data, rec.prev_hash, rec.hash)


def document_history(seq: int) -> Iterator[tuple]:
    """The 通报's one record (its version 1), the first of its own chain."""
    at = IMPORTED_AT.astimezone(UTC)
    rec = SimpleNamespace(seq=seq, workflow="document", subject_id=TONGBAO_ID, action="drafted", from_state=None,
                          to_state="issued", version=1, actor_id=None, actor_name="system", at=at,
                          comment=TONGBAO_NUMBER, data=json.dumps({"kind": "tongbao"}), prev_hash=GENESIS, hash="")
    rec.hash = digest(rec)
    yield (seq, seq, rec.workflow, rec.subject_id, rec.action, None, rec.to_state, 1, None, rec.actor_name, at,
           rec.comment, rec.data, rec.prev_hash, rec.hash)


TONGBAO_NUMBER = "武隆督查通报〔2022〕1号"


def document_rows() -> Iterator[tuple]:
    """The 情况通报 that covered the 通报 rungs earlier sweeps fired (one, issued: its content is not needed)."""
    at = IMPORTED_AT.astimezone(UTC)
    yield (TONGBAO_ID, "tongbao", 2022, 1, TONGBAO_NUMBER, "关于营商环境创新试点改革事项推进滞后情况的通报", "",
           json.dumps({"as_of": "2022-01-01", "measures": []}), "", at, at, "issued", 1)


def link_rows(ledger: Ledger, ids: Ids) -> Iterator[tuple]:
    for m in ledger.measures:
        for position, unit in enumerate(m.units):
            yield m.id, ids.unit + unit, position


def escalation_rows(ledger: Ledger, spec: Spec) -> Iterator[tuple]:
    """The rungs earlier sweeps fired for deadlines before the margin: the highest sent, the rest superseded."""
    ladder, limit = levels(), spec.today - timedelta(days=MARGIN_DAYS)
    due_levels = [(c, o) for c, a, o in ladder if a == "due"]
    for m in ledger.measures:
        if m.state in OPEN_STATES and m.due < limit:
            for rank, (code, offset) in enumerate(due_levels):
                fire_on = m.due + timedelta(days=offset * 7 // 5)
                top = rank == len(due_levels) - 1
                yield (m.id, "measure", m.id, code, 1, m.due, fire_on, _at(fire_on), "fired" if top else "superseded",
                       "", TONGBAO_ID if top else None)
        elif m.state == "reported" and m.reported_at is not None:
            day = m.reported_at.astimezone(SHANGHAI).date()
            for code, _, offset in (lv for lv in ladder if lv[1] == "review"):  # the review rung's anchor
                fire_on = day + timedelta(days=offset * 7 // 5)
                yield (m.id, "measure", m.id, code, day.toordinal(), fire_on, fire_on, _at(fire_on), "fired", "", None)


def _at(day) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI)


def user_rows(ledger: Ledger, ids: Ids, now: datetime) -> Iterator[tuple]:
    """A clerk and a head per lead unit, three reviewers, an office user, an admin: one known password."""
    hashed = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)  # what REFORM_FAST_HASH=1 uses
    people = [(f"u{i:03d}_{role[5:]}", role, ids.unit + i) for i in range(1, len(ledger.units) + 1)
              for role in ("unit_staff", "unit_head")]
    people += [(f"reviewer{k}", "supervisor", ids.special.get("supervisor")) for k in (1, 2, 3)]
    people += [("office1", "office", ids.special.get("office")), ("bench_admin", "admin", None)]
    for uid, (name, role, unit) in enumerate(people, ids.user + 1):
        yield uid, name, name, f"{name}@bench.example", role, unit, hashed, True, now, 0, None


USER_COLUMNS = ("id", "username", "display_name", "email", "role", "unit_id", "password_hash", "active",
                "created_at", "failed_logins", "locked_until")


def write_documents(w: BulkWriter, seq: int) -> None:
    w.insert("document", DOCUMENT_COLUMNS, document_rows())
    w.insert("document_counter", ("kind", "year", "last"), [("tongbao", 2022, 1)])
    w.insert("history", HISTORY_COLUMNS, document_history(seq))


def write_ledger(url: str, spec: Spec, log: Log) -> dict[str, float]:
    """All rows in one transaction; returns seconds per phase."""
    phases, start = {}, time.perf_counter()
    ledger = generate(spec)
    phases["generate"] = time.perf_counter() - start
    with BulkWriter(url) as w:
        ids = Ids(w)
        steps = [("structure", lambda: write_structure(w, ledger, ids, "bench")),
                 ("users", lambda: w.insert("user", USER_COLUMNS, user_rows(ledger, ids, spec.now))),
                 ("measures", lambda: w.insert("measure", MEASURE_COLUMNS, measure_rows(ledger, spec))),
                 ("links", lambda: w.insert("measure_unit", ("measure_id", "unit_id", "position"),
                                            link_rows(ledger, ids))),
                 ("history", lambda: w.insert("history", HISTORY_COLUMNS, history_rows(ledger, "synthetic",
                                                                                    ids.history + 1))),
                 ("documents", lambda: write_documents(w, ids.history + len(ledger.measures) + 1)),
                 ("escalations", lambda: w.insert("escalation", ESCALATION_COLUMNS, escalation_rows(ledger, spec)))]
        for name, step in steps:
            t0 = time.perf_counter()
            step()
            phases[name] = time.perf_counter() - t0
        w.reset_sequences(("plan", "category", "item", "unit", "user", "measure", "history", "escalation", "document"))
        t0 = time.perf_counter()
        w.commit()
        phases["commit"] = time.perf_counter() - t0
    log("  built: " + ", ".join(f"{k} {v:.1f}s" for k, v in phases.items()))
    return phases


def _vacuum(url: str) -> None:
    """What autovacuum would have done on a live database: statistics and the visibility map."""
    from engine.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


def _populate(url: str, spec: Spec, log: Log, verify: bool) -> dict[str, float]:
    start = time.perf_counter()
    reform(["init"], url, Deadline(600))
    phases = {"init": time.perf_counter() - start, **write_ledger(url, spec, log)}
    t0 = time.perf_counter()  # earlier sweeps sealed what was recorded before them
    reform(["audit", "checkpoint"], url, Deadline(1800))
    phases["checkpoint"] = time.perf_counter() - t0
    if url.startswith("postgresql"):
        t0 = time.perf_counter()
        _vacuum(url)
        phases["vacuum"] = time.perf_counter() - t0
    if verify:
        t0 = time.perf_counter()
        out = reform(["audit", "verify"], url, Deadline(1800), check=False)
        phases["audit_verify"] = time.perf_counter() - t0
        if out.returncode != 0:
            raise RuntimeError(f"synthetic ledger fails reform audit verify: {out.stderr.strip()[:300]}")
        log(f"  {out.stdout.strip()} ({phases['audit_verify']:.1f}s)")
    phases["total"] = time.perf_counter() - start
    return phases


def cached_name(spec: Spec) -> str:
    return f"reform_bench_{spec.tag}_v{BUILD_VERSION}"


def _sidecar(name: str) -> Path:
    return VAR / "cache" / f"{name}.json"


def ensure(backend: str, spec: Spec, log: Log, verify: bool = True) -> tuple[str, dict[str, float] | None]:
    """The cached database for (backend, N, seed, clock): PG database name or SQLite path; built if missing.

    Built under a temporary name and renamed when complete, so an interrupted build is never reused.
    Returns the build phases' seconds, or None when it was reused.
    """
    name = cached_name(spec)
    if backend == "pg":
        if dbs.pg_exists(name):
            return name, None
        building = name + "_tmp"
        dbs.pg_drop(building)
        dbs.pg_create(building)
        log(f"building {name} on PostgreSQL ...")
        phases = _populate(dbs.pg_url(building), spec, log, verify)
        dbs.pg_rename(building, name)
        _record(f"pg_{name}", phases)
        return name, phases
    path = VAR / "cache" / f"{name}.db"
    if path.exists():
        return str(path), None
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    _remove(building)
    log(f"building {path.name} on SQLite ...")
    phases = _populate(dbs.sqlite_url(building), spec, log, verify)
    dbs.sqlite_checkpoint(building)
    os.replace(building, path)
    _remove(building)
    _record(f"sqlite_{name}", phases)
    return str(path), phases


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def _record(key: str, phases: dict[str, float]) -> None:
    path = _sidecar(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(phases, indent=1))


def recorded(backend: str, spec: Spec) -> dict[str, float] | None:
    """How long the cached database took to build, as written when it was built."""
    path = _sidecar(f"{backend}_{cached_name(spec)}")
    return json.loads(path.read_text()) if path.exists() else None
