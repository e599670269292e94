"""Transitions per second through the engine's service, against the same rows written with raw SQL.

Run: `make bench` (or `.venv/bin/python -m bench.transitions [--n 400] [--backends sqlite,postgresql]`).
Each transition is one transaction, as one request would be. Both paths run in the same process, on the
same database, one after the other, and the ratio engine/raw is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlmodel import Session

os.environ.setdefault("REFORM_FAST_HASH", "1")

from engine.clock import FrozenClock  # noqa: E402
from engine.db import make_engine, write_session  # noqa: E402
from engine.decide import Actor  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from migrations.runner import upgrade  # noqa: E402
from workflows.models import Category, Item, Measure, MeasureUnit, Plan, Unit  # noqa: E402
from workflows.reform.binding import BINDING  # noqa: E402

PG_ADMIN = os.environ.get("REFORM_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def seed(engine, n: int) -> tuple[list[int], int]:
    with Session(engine) as s:
        plan = Plan(code=f"bench-{uuid.uuid4().hex[:6]}", title="bench")
        unit = Unit(name=f"bench-unit-{uuid.uuid4().hex[:6]}")
        s.add_all([plan, unit])
        s.flush()
        cat = Category(plan_id=plan.id, seq=1, title="c")
        s.add(cat)
        s.flush()
        item = Item(plan_id=plan.id, category_id=cat.id, seq=1, item_no="1", title="i")
        s.add(item)
        s.flush()
        ids = []
        for i in range(n):
            m = Measure(plan_id=plan.id, item_id=item.id, seq=i + 1, text="t", due_date=date(2022, 6, 30),
                        state="assigned", version=1)
            s.add(m)
            s.flush()
            s.add(MeasureUnit(measure_id=m.id, unit_id=unit.id, position=0))
            ids.append(m.id)
        s.commit()
        return ids, unit.id


def run_engine(engine, ids: list[int], unit_id: int) -> float:
    service = WorkflowService(BINDING, FrozenClock(datetime(2022, 6, 20, tzinfo=UTC)))
    actor = Actor(1, "bench", "unit_staff", frozenset({unit_id}))
    start = time.perf_counter()
    for mid in ids:
        with write_session(engine) as s:
            row = s.get(Measure, mid)
            service.fire(s, row, "start", actor, {}, expected_version=row.version)
    return time.perf_counter() - start


def run_raw(engine, ids: list[int]) -> float:
    """The same rows: state + version update, one chained history record, in one transaction."""
    at = datetime(2022, 6, 20, tzinfo=UTC)
    start = time.perf_counter()
    for mid in ids:
        with engine.begin() as conn:
            done = conn.execute(text("UPDATE measure SET state='in_progress', version=version+1 "
                                     "WHERE id=:id AND version=1"), {"id": mid}).rowcount
            assert done == 1
            tail = conn.execute(text("SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1")).first()
            seq, prev = (tail[0] + 1, tail[1]) if tail else (1, "0" * 64)
            body = json.dumps({"seq": seq, "id": mid, "prev": prev}, sort_keys=True)
            conn.execute(text(
                "INSERT INTO history (seq, workflow, subject_id, action, from_state, to_state, version, "
                "actor_id, actor_name, at, comment, data, prev_hash, hash) VALUES (:seq, 'reform_measure', :id, "
                "'start', 'assigned', 'in_progress', 2, 1, 'bench', :at, '', '{}', :prev, :hash)"),
                {"seq": seq, "id": mid, "at": at, "prev": prev, "hash": hashlib.sha256(body.encode()).hexdigest()})
    return time.perf_counter() - start


def bench(url: str, n: int) -> tuple[float, float]:
    engine = make_engine(url)
    upgrade(engine)
    raw_ids, _ = seed(engine, n)
    eng_ids, unit_id = seed(engine, n)
    run_raw(engine, raw_ids[:20])  # warm up both paths on rows not measured
    run_engine(engine, eng_ids[:20], unit_id)
    raw = run_raw(engine, raw_ids[20:])
    eng = run_engine(engine, eng_ids[20:], unit_id)
    engine.dispose()
    count = n - 20
    return count / eng, count / raw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"{'backend':<12}{'engine/s':>10}{'raw SQL/s':>11}{'ratio':>8}")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                eng, raw = bench(f"sqlite:///{tmp}/bench.db", args.n)
        else:
            admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            name = f"reform_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                eng, raw = bench(admin.url.set(database=name).render_as_string(hide_password=False), args.n)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        print(f"{backend:<12}{eng:>10.0f}{raw:>11.0f}{eng / raw:>8.2f}")


if __name__ == "__main__":
    main()
