"""The benchmark suite: `python -m bench.run [--sizes 1e4,1e5,1e6] [--backends pg,sqlite] [--quick]`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bench import dbs
from bench.importing import run_import
from bench.ledgergen import SHANGHAI, Spec
from bench.monthly import run_monthly
from bench.pool import Pool
from bench.proc import DEFAULT_NOW, ROOT, Deadline, ScenarioTimeout, reform
from bench.reads import LoadConfig, run_reads
from bench.report import Figure, line, save, secs, size_label, table
from bench.signoff import run_signoff
from bench.startup import run_help
from bench.sweeping import run_sweep
from bench.synthetic import ensure, recorded
from bench.writes import run_writes

READS = ("list", "detail", "red", "overview")
PAGES = ("deep", "keyset", "ledger", "workbench", "cockpit")  # more reads: deep pages by offset and by keyset,
# the 台账 page from a random point, 督查办's workbench, the cockpit
SCENARIOS = ("build", "writes", *READS, *PAGES, "signoff", "sweep", "monthly", "import", "help")
GROUPS = {"all": SCENARIOS, "reads": READS, "pages": PAGES, "http": (*READS, *PAGES, "signoff")}
ON_LEDGER = {"writes", *READS, *PAGES, "signoff", "sweep", "monthly"}  # the scenarios that need the synthetic ledger


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    backends: tuple[str, ...]
    wanted: frozenset[str]
    load: LoadConfig
    timeout: float  # the scenarios whose work is bounded (writes, sweep, import, help); HTTP ones use load.timeout
    writes: int
    import_rows: int
    sqlite_max: int
    seed: int
    now: datetime
    verify: bool


def log(text: str) -> None:
    print(text, flush=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--sizes", default="1e4,1e5,1e6", help="measures in the synthetic ledger, comma-separated")
    p.add_argument("--backends", default="pg,sqlite")
    p.add_argument("--quick", action="store_true", help="10^4 only, short load runs, 2-minute HTTP timeouts")
    p.add_argument("--scenarios", default="all", help=f"comma-separated: {', '.join(SCENARIOS)}; or reads, pages, http")
    p.add_argument("--timeout", type=float, help="seconds per scenario (default 600; --quick: 120 for HTTP figures)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--duration", type=float, help="seconds of load per HTTP figure (default 15, --quick 8)")
    p.add_argument("--warmup", type=float, help="seconds of load left out first (default 3, --quick 2)")
    p.add_argument("--processes", type=int, default=2,
                   help="server processes (--workers) for the N-process sign-off and the reads on PostgreSQL")
    p.add_argument("--writes", type=int, help="transactions per path in engine vs raw (default 300, --quick 200)")
    p.add_argument("--import-rows", type=int, default=10_000)
    p.add_argument("--sqlite-max", type=float, default=1e5, help="largest ledger to build on SQLite")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--now", default=DEFAULT_NOW, help="the clock of the servers and the sweep (ISO 8601)")
    p.add_argument("--no-verify", action="store_true", help="skip `reform audit verify` after building")
    return p


def parse(argv: list[str] | None) -> tuple[Options, dict]:
    p = parser()
    a = p.parse_args(argv)
    quick = a.quick
    wanted = {s for name in a.scenarios.split(",") for s in GROUPS.get(name.strip(), (name.strip(),))}
    unknown = wanted - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    now = datetime.fromisoformat(a.now)
    load = LoadConfig(clients=a.clients, duration=a.duration or (8 if quick else 15),
                      warmup=a.warmup if a.warmup is not None else (2 if quick else 3),
                      timeout=a.timeout or (120 if quick else 600), processes=a.processes)
    opts = Options(sizes=(10_000,) if quick else tuple(int(float(s)) for s in a.sizes.split(",")),
                   backends=tuple(b.strip() for b in a.backends.split(",")), wanted=frozenset(wanted), load=load,
                   timeout=a.timeout or 600,
                   writes=a.writes or (200 if quick else 300), import_rows=a.import_rows,
                   sqlite_max=int(a.sqlite_max), seed=a.seed,
                   now=now if now.tzinfo else now.replace(tzinfo=SHANGHAI), verify=not a.no_verify)
    return opts, vars(a)


def guarded(make: Callable[[], Figure | list[Figure]], name: str, backend: str, size: int | None,
            kind: str) -> list[Figure]:
    """A scenario's figures; a timeout or a failure becomes a figure too, so the run goes on."""
    try:
        out = make()
    except ScenarioTimeout as exc:
        out = Figure(name, backend, size, kind, status="timeout", note=str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken scenario must not stop the others
        out = Figure(name, backend, size, kind, status="error", note=f"{type(exc).__name__}: {exc}"[:400])
    if isinstance(out, list):
        return out  # lists are logged figure by figure as they come
    log(line(out.judge()))
    return [out]


def build(backend: str, spec: Spec, opts: Options) -> tuple[str, Figure]:
    handle, phases = ensure(backend, spec, log, verify=opts.verify and spec.n <= 100_000)
    rec = phases or recorded(backend, spec)
    total = rec.get("total") if rec else None
    text = "cached" if total is None else secs(total) + ("" if phases else " (cached, built earlier)")
    detail = ", ".join(f"{k} {v:.1f}s" for k, v in (rec or {}).items() if k != "total")
    fig = Figure(f"build synthetic ledger {size_label(spec.n)}", backend, spec.n, "", value=total,
                 value_text=text, note=detail, data=rec or {})
    log(line(fig))
    return handle, fig


def on_ledger(backend: str, url: str, spec: Spec, opts: Options) -> list[Figure]:
    size, cfg, want = spec.n, opts.load, opts.wanted
    pool = Pool(url, opts.seed)
    figures: list[Figure] = []
    if "writes" in want:
        figures += guarded(lambda: run_writes(url, backend, size, pool, opts.writes, Deadline(opts.timeout)),
                           "engine vs raw SQL writes", backend, size, "writes")
    if want & {*READS, *PAGES}:
        figures += guarded(lambda: run_reads(url, backend, size, cfg, set(want), log), "reads", backend, size, "")
    if "signoff" in want:
        raw = next((f.baseline for f in figures if f.kind == "writes" and f.status == "ok"), None)
        figures += guarded(lambda: run_signoff(url, backend, size, pool, cfg, raw, log), "sign-off", backend, size,
                           "signoff_1")
    if "sweep" in want:
        figures += guarded(lambda: run_sweep(url, backend, size, spec, opts.timeout, log), "sweep", backend, size,
                           "sweep_due")
    if "monthly" in want:
        figures += guarded(lambda: run_monthly(url, backend, size, spec, opts.timeout, log), "月调度", backend, size,
                           "")
    return figures


def run_size(backend: str, size: int, opts: Options) -> list[Figure]:
    log(f"== {backend} {size_label(size)} ==" + (f"  (PostgreSQL at {dbs.pg_where()})" if backend == "pg" else ""))
    spec = Spec(size, opts.seed, opts.now)
    handle, fig = build(backend, spec, opts)
    if not opts.wanted & ON_LEDGER:
        return [fig]
    start = time.perf_counter()
    with dbs.clone(backend, handle) as url:
        reform(["init"], url, Deadline(opts.timeout))  # a newer schema's migrations, on the copy only
        log(f"  working copy ready in {secs(time.perf_counter() - start)}")
        return [fig, *on_ledger(backend, url, spec, opts)]


def run_backend(backend: str, opts: Options) -> list[Figure]:
    if backend == "pg" and (why := dbs.check_pg()):
        fig = Figure("PostgreSQL", backend, None, "", status="skipped", note=f"server not available: {why}")
        log(line(fig))
        return [fig]
    figures = []
    for size in opts.sizes:
        if backend == "sqlite" and size > opts.sqlite_max or not opts.wanted & (ON_LEDGER | {"build"}):
            continue
        figures += guarded(lambda size=size: run_size(backend, size, opts), f"ledger {size_label(size)}", backend,
                           size, "")
    if "import" in opts.wanted:
        log(f"== {backend} import ==")
        figures += guarded(lambda: run_import(backend, opts.import_rows, opts.timeout),
                           f"reform ledger import {opts.import_rows} rows", backend, opts.import_rows, "import")
    return figures


def compiled() -> None:
    """The commands measured start as an installed copy does (`make install` compiles the project): with
    PYTHONDONTWRITEBYTECODE set, an uncompiled module is compiled again by every command."""
    import compileall

    for package in ("engine", "workflows", "notifications", "web", "cli", "config", "runtime", "migrations"):
        compileall.compile_dir(ROOT / package, quiet=1, workers=0)


def main(argv: list[str] | None = None) -> int:
    opts, args = parse(argv)
    compiled()
    started = datetime.now()
    figures: list[Figure] = []
    for backend in opts.backends:
        figures += run_backend(backend, opts)
    if "help" in opts.wanted:
        log("== command line ==")
        figures += guarded(lambda: run_help(opts.timeout), "reform --help", "cli", None, "help")
    load = ", ".join(f"{f.loadavg:.1f}" for f in figures if f.status == "ok")
    log("\nSummary (ratio = value / baseline; a verdict in parentheses: the target is set for another size)")
    log(f"load average (1 min) on this {os.cpu_count()}-core machine when each figure was made: {load}")
    log(table(figures))
    log(f"\nsaved {save(figures, args, started)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
