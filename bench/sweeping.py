"""The escalation sweep with ~1 % of measures due, and again with nothing due, against an indexed SELECT."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import text

from bench.ledgergen import Spec
from bench.proc import Deadline, ScenarioTimeout, reform
from bench.report import Figure, line, secs
from bench.synthetic import due_window
from engine.db import make_engine

_DUE = text("SELECT id FROM measure WHERE due_date BETWEEN :a AND :b AND state IN ('assigned', 'in_progress')")
_FIRED = text("SELECT COUNT(*) FROM escalation WHERE status = 'fired'")


def plain_select(url: str, spec: Spec, repeat: int = 5) -> tuple[float, int]:
    """Median seconds of the SELECT (after one unmeasured run), and how many rows it found."""
    a, b = due_window(spec)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = len(conn.execute(_DUE, {"a": a, "b": b}).all())
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                conn.execute(_DUE, {"a": a, "b": b}).all()
                times.append(time.perf_counter() - start)
            return statistics.median(times), rows
    finally:
        engine.dispose()


def fired(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(_FIRED).scalar())
    finally:
        engine.dispose()


def one_sweep(url: str, spec: Spec, timeout: float) -> tuple[float, int]:
    before = fired(url)
    done = reform(["sweep", "--now", spec.now.isoformat()], url, Deadline(timeout), check=False)
    if done.returncode not in (0, 1):  # 1: some measures were skipped, which the sweep itself reports
        raise RuntimeError(f"reform sweep exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.seconds, fired(url) - before


def run_sweep(url: str, backend: str, size: int, spec: Spec, timeout: float, log) -> list[Figure]:
    base, rows = plain_select(url, spec)
    base_text = f"SELECT {rows} due rows {base * 1000:.1f} ms"
    figures = []
    for kind, label in (("sweep_due", "~1 % due"), ("sweep_idle", "nothing due")):
        name = f"reform sweep --now, {label}"
        if figures and figures[0].status != "ok":
            figures.append(Figure(name, backend, size, kind, status="skipped", note="the first sweep did not finish"))
            continue
        try:
            seconds, count = one_sweep(url, spec, timeout)
            fig = Figure(name, backend, size, kind, value=seconds, value_text=f"{secs(seconds)} · fired {count}",
                         baseline=base, baseline_text=base_text, ratio=seconds / base if base else None,
                         data={"seconds": seconds, "fired": count, "select_rows": rows, "select_seconds": base},
                         note="wall time of the command, start-up included")
        except ScenarioTimeout as exc:
            fig = Figure(name, backend, size, kind, status="timeout", note=str(exc), baseline_text=base_text)
        figures.append(fig.judge())
        log(line(fig))
    return figures

