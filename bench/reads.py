"""Read scenarios at K clients: the list (first and deep pages), one measure, red lights, the overview, the
workbench and the cockpit, against /health."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from bench.clients import api_client, page_client
from bench.load import Servers, Stats, drive
from bench.proc import Deadline, ScenarioTimeout
from bench.report import Figure, line, ms
from bench.wire import WireClient, WireResponse
from engine.db import make_engine

READER = "reviewer1"  # 督查办 sees every measure: the heaviest honest reader


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 16
    duration: float = 15
    warmup: float = 3
    timeout: float = 600
    processes: int = 2


@dataclass(frozen=True)
class Endpoint:
    key: str
    figure: str
    pages: bool  # signed in with the session cookie instead of a bearer token
    request: Callable[[WireClient, tuple[int, int]], WireResponse]


ENDPOINTS = (
    Endpoint("list", "GET /api/measures?limit=50", False, lambda c, _: c.get("/api/measures", params={"limit": 50})),
    Endpoint("detail", "GET /api/measures/{id} (random)", False,
             lambda c, ids: c.get(f"/api/measures/{random.randint(*ids)}")),
    Endpoint("red", "GET /api/measures?light=red", False, lambda c, _: c.get("/api/measures", params={"light": "red"})),
    Endpoint("overview", "GET /overview (cookie)", True, lambda c, _: c.get("/overview")),
    Endpoint("deep", "GET /api/measures?limit=50&offset=(random)", False,
             lambda c, ids: c.get("/api/measures", params={"limit": 50,
                                                           "offset": random.randint(0, max(0, ids[1] - ids[0] - 50))})),
    Endpoint("keyset", "GET /api/measures?limit=50&after=(random)", False,
             lambda c, ids: c.get("/api/measures", params={"limit": 50, "after": random.randint(*ids)})),
    Endpoint("ledger", "GET /ledger?after=(random) 台账 (cookie)", True,
             lambda c, ids: c.get("/ledger", params={"after": random.randint(*ids)})),
    Endpoint("workbench", "GET / workbench (cookie)", True, lambda c, _: c.get("/")),
    Endpoint("cockpit", "GET /api/cockpit", False, lambda c, _: c.get("/api/cockpit")),
)


def id_range(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(text("SELECT MIN(id), MAX(id) FROM measure")).one())
    finally:
        engine.dispose()


def measure(base: str, ep: Endpoint | None, ids: tuple[int, int], cfg: LoadConfig) -> Stats:
    deadline = Deadline(cfg.timeout)

    def setup(_: int) -> WireClient:
        if ep is None:
            return WireClient(base, deadline.remaining())
        make = page_client if ep.pages else api_client
        return WireClient.like(make(base, READER, deadline.remaining()), deadline.remaining())

    request = (lambda c: c.get("/health")) if ep is None else (lambda c: ep.request(c, ids))
    return drive(request, setup, clients=cfg.clients, duration=cfg.duration, warmup=cfg.warmup, deadline=deadline)


def describe(stats: Stats) -> str:
    rate = f"{stats.rps:.0f}" if stats.rps >= 10 else f"{stats.rps:.2g}"
    text_ = f"p99 {ms(stats.p99)} · {rate} req/s · n={stats.requests}"
    return text_ + (f" · {stats.errors} errors" if stats.errors else "")


def _processes(n: int) -> str:
    return f"{n} process{'es' if n > 1 else ''}"


def read_figure(ep: Endpoint, stats: Stats, health: Stats, backend: str, size: int, n: int = 1) -> Figure:
    fig = Figure(f"{ep.figure} p99 @{stats.clients}, {_processes(n)}", backend, size, "read", value=stats.p99,
                 value_text=describe(stats), baseline=health.rps, baseline_text=f"/health {health.rps:.0f} req/s",
                 ratio=stats.rps / health.rps if health.rps else None, data=stats.as_dict())
    if stats.errors:
        fig.note = f"errors: {stats.error_samples[:1]}"
        fig.status = "error" if stats.errors == stats.requests else "ok"
    return fig


def run_reads(url: str, backend: str, size: int, cfg: LoadConfig, wanted: set[str], log) -> list[Figure]:
    """One server; /health first as the baseline; a server that timed out is replaced before the next figure."""
    ids, label = id_range(url), f"reads-{backend}-{size}"
    # as it would be run for that many readers: --workers N on PostgreSQL (one process on SQLite)
    n = cfg.processes if backend == "pg" else 1
    servers = Servers(url, n, label=label).__enter__()
    try:
        health = measure(servers.bases[0], None, ids, cfg)
        figures = [Figure(f"GET /health @{cfg.clients}, {_processes(n)} (baseline)", backend, size, "",
                          value=health.p99, value_text=describe(health), data=health.as_dict())]
        log(line(figures[0]))
        for ep in (e for e in ENDPOINTS if e.key in wanted):
            try:
                fig = read_figure(ep, measure(servers.bases[0], ep, ids, cfg), health, backend, size, n)
            except (ScenarioTimeout, RuntimeError, httpx.HTTPError) as exc:
                status = "timeout" if isinstance(exc, ScenarioTimeout | httpx.TimeoutException) else "error"
                fig = Figure(f"{ep.figure} p99 @{cfg.clients}, {_processes(n)}", backend, size, "read",
                             status=status, note=str(exc))
                servers.stop()  # it may still be busy with the requests we gave up on
                servers = Servers(url, n, label=label).__enter__()
            figures.append(fig.judge())
            log(line(fig))
        return figures
    finally:
        servers.stop()

