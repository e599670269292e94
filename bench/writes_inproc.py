"""Child process of the writes figure: `start` through the engine's service, and the same rows by hand in SQL.

Run by bench.writes with the benchmark's REFORM_* environment; prints one JSON object. This is the only module
of the suite that reaches inside the application (the composition root's measure service), so a refactoring that
moves it breaks this figure alone.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import DateTime, bindparam, text

os.environ.setdefault("REFORM_FAST_HASH", "1")

from engine.db import make_engine  # noqa: E402
from engine.history import digest  # noqa: E402

# Small blocks: on a shared machine a neighbour's burst lasts longer than a block of 50 (50-100 ms here) and hit one
# path alone; blocks of 10, taken in turn with the order swapped each round, spread it over both.
BLOCK = 10
_SHARED = "(SELECT pg_advisory_xact_lock_shared(:k)) l"  # appends share the lock; only a checkpoint excludes
_CLAIM = text("UPDATE measure SET state = 'in_progress', version = :new, updated_at = :at, sweep_after = NULL "
              "WHERE id = :id AND version = :old").bindparams(bindparam("at", type_=DateTime(timezone=True)))
# the record's number and the subject's tail: a chain per subject (the claimed row serialises its appends)
_SUBJECT_TAIL = ("(SELECT hash FROM history WHERE workflow = 'reform_measure' AND subject_id = :id "
                 "ORDER BY seq DESC LIMIT 1)")
_TAIL_PG = text(f"SELECT nextval('history_id_seq'), {_SUBJECT_TAIL} FROM {_SHARED}")
_TAIL_SQLITE = text(f"SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM history), {_SUBJECT_TAIL}")
_APPEND = text("INSERT INTO history (id, seq, workflow, subject_id, action, from_state, to_state, version, actor_id, "
               "actor_name, at, comment, data, prev_hash, hash) VALUES (:seq, :seq, :workflow, :subject_id, :action, "
               ":from_state, :to_state, :version, :actor_id, :actor_name, :at, :comment, :data, :prev_hash, :hash)"
               ).bindparams(bindparam("at", type_=DateTime(timezone=True)))


def raw_start(engine, work: list, at: datetime) -> float:
    """What one `start` writes, by hand: state and version (compare-and-set), one chained history record."""
    pg = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    for mid, version, clerk_id, clerk, _unit in work:
        with engine.begin() as conn:
            if conn.execute(_CLAIM, {"id": mid, "old": version, "new": version + 1, "at": at}).rowcount != 1:
                raise RuntimeError(f"measure {mid} was not at version {version}")
            seq, prev = conn.execute(_TAIL_PG if pg else _TAIL_SQLITE, {"id": mid, "k": 0x5EF0_BE4C}).one()
            rec = SimpleNamespace(seq=seq, workflow="reform_measure", subject_id=mid, action="start",
                                  from_state="assigned", to_state="in_progress", version=version + 1,
                                  actor_id=clerk_id, actor_name=clerk, at=at, comment="", data="{}",
                                  prev_hash=prev or "0" * 64, hash="")
            rec.hash = digest(rec)
            conn.execute(_APPEND, vars(rec))
    return time.perf_counter() - started


def measure_service():
    """The composition root's runtime and its measure service: how the web app fires an action."""
    from runtime.core import build_runtime

    rt = build_runtime()
    return rt, rt.measures.workflow  # the measure service wraps the engine's WorkflowService


def engine_start(rt, service, work: list) -> float:
    from engine.db import write_session
    from engine.decide import Actor

    started = time.perf_counter()
    for mid, version, clerk_id, clerk, unit_id in work:
        actor = Actor(clerk_id, clerk, "unit_staff", frozenset({unit_id}))
        with write_session(rt.engine) as session:  # the version as a request carries it; the row comes with the claim
            service.fire_id(session, mid, "start", actor, {}, expected_version=version)
    return time.perf_counter() - started


def main(path: str) -> None:
    """Raw and engine alternate in blocks, so a neighbour's load drifting during the run hits both alike."""
    job = json.loads(Path(path).read_text(encoding="utf-8"))
    warm, raw, eng = job["warmup"], job["raw"], job["engine"]
    engine = make_engine(os.environ["REFORM_DATABASE_URL"])
    rt, service = measure_service()
    at = datetime.now(UTC).replace(microsecond=0)
    raw_start(engine, raw[:warm], at)  # warm both paths on rows not measured
    engine_start(rt, service, eng[:warm])
    raw_s = engine_s = 0.0
    for turn, lo in enumerate(range(warm, max(len(raw), len(eng)), BLOCK)):
        if turn % 2:
            engine_s += engine_start(rt, service, eng[lo:lo + BLOCK])
        raw_s += raw_start(engine, raw[lo:lo + BLOCK], at)
        if not turn % 2:
            engine_s += engine_start(rt, service, eng[lo:lo + BLOCK])
    engine.dispose()
    rt.engine.dispose()
    print(json.dumps({"raw_n": len(raw) - warm, "raw_s": raw_s, "engine_n": len(eng) - warm, "engine_s": engine_s}))


if __name__ == "__main__":
    main(sys.argv[1])
