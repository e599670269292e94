"""Engine against raw SQL for the same writes: `start` on assigned measures, one transaction each."""

from __future__ import annotations

import json
import sys
import uuid

from bench.pool import Pool
from bench.proc import VAR, Deadline, reform_env, run
from bench.report import Figure

WARMUP = 20


def run_writes(url: str, backend: str, size: int, pool: Pool, n: int, deadline: Deadline) -> Figure:
    """Raw first, then the engine, in one child process on the same database; the rows are disjoint."""
    n = min(n, pool.left // 2 - WARMUP)
    if n < 20:
        return Figure("engine vs raw SQL writes (start, 1 txn each)", backend, size, "writes", status="skipped",
                      note=f"only {pool.left} assigned measures left")
    job = {"warmup": WARMUP, "raw": pool.take(n + WARMUP), "engine": pool.take(n + WARMUP)}
    path = VAR / "tmp" / f"writes-{uuid.uuid4().hex[:8]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(job), encoding="utf-8")
    try:
        done = run([sys.executable, "-m", "bench.writes_inproc", str(path)], reform_env(url),
                   timeout=deadline.remaining())
    finally:
        path.unlink(missing_ok=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    engine, raw = out["engine_n"] / out["engine_s"], out["raw_n"] / out["raw_s"]
    return Figure("engine vs raw SQL writes (start, 1 txn each)", backend, size, "writes", value=engine,
                  value_text=f"engine {engine:.0f} tx/s", baseline=raw, baseline_text=f"raw SQL {raw:.0f} tx/s",
                  ratio=engine / raw, data=out, note=f"n={n} each")
