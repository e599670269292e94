"""Sign-off throughput over HTTP: `start` by each measure's clerk, at 1 server process and at N."""

from __future__ import annotations

import threading

import httpx

from bench.clients import token
from bench.cpu import Cpu, snapshot, split
from bench.load import Servers, Stats, drive
from bench.pool import Pool, Work
from bench.proc import Deadline, ScenarioTimeout
from bench.reads import LoadConfig, describe
from bench.report import Figure, line
from bench.wire import WireClient, WireResponse

PER_PHASE = 6000  # more than 16 clients fire in one run today; a faster server ends early when it runs out
ACTION = "start"


def fire(bases: list[str], work: list[Work], cfg: LoadConfig, deadline: Deadline,
         pids: list[int] = ()) -> tuple[Stats, Cpu]:
    """Clients spread over the servers; each request takes the next measure and fires with its clerk's token.
    Also the CPU the servers (`pids`), PostgreSQL and the clients used from the first request to the last."""
    tokens = {clerk: token(bases[0], clerk) for clerk in sorted({w.clerk for w in work})}
    queue, lock = iter(work), threading.Lock()

    def request(client: WireClient) -> WireResponse | None:
        with lock:
            w = next(queue, None)
        if w is None:
            return None
        return client.post(f"/api/measures/{w.id}/actions/{ACTION}", json={"version": w.version},
                           headers={"Authorization": f"Bearer {tokens[w.clerk]}"})

    def setup(i: int) -> WireClient:
        return WireClient(bases[i % len(bases)], deadline.remaining())

    before = snapshot(list(pids))
    stats = drive(request, setup, clients=cfg.clients, duration=cfg.duration, warmup=cfg.warmup, deadline=deadline)
    return stats, snapshot(list(pids)) - before


def phase(url: str, processes: int, work: list[Work], cfg: LoadConfig, label: str) -> tuple[Stats, Cpu]:
    """The load's figures, and the CPU its servers, PostgreSQL and clients used meanwhile."""
    deadline = Deadline(cfg.timeout)
    with Servers(url, processes, label=label) as servers:
        return fire(servers.bases, work, cfg, deadline, [p.pid for p in servers.procs])


def run_signoff(url: str, backend: str, size: int, pool: Pool, cfg: LoadConfig, raw_tps: float | None,
                log) -> list[Figure]:
    """1 process against raw SQL's serial rate of the same writes; N processes (PostgreSQL) against 1 process."""
    counts = [1] + ([cfg.processes] if backend == "pg" and cfg.processes > 1 else [])
    share = min(PER_PHASE, pool.left // len(counts))
    figures: list[Figure] = []
    one: Stats | None = None
    for n in counts:
        name = f"sign-off POST /actions/{ACTION}, {n} process{'es' if n > 1 else ''} @{cfg.clients}"
        kind = "signoff_1" if n == 1 else "signoff_n"
        try:
            stats, used = phase(url, n, pool.take(share), cfg, f"signoff-{backend}-{size}-{n}")
        except (ScenarioTimeout, httpx.TimeoutException) as exc:
            fig = Figure(name, backend, size, kind, status="timeout", note=str(exc))
        except (RuntimeError, httpx.HTTPError) as exc:
            fig = Figure(name, backend, size, kind, status="error", note=str(exc)[:300])
        else:
            fig = _figure(name, backend, size, n, stats, one, raw_tps)
            fig.data["pool"] = share
            fig.data["cpu"] = {"server": used.server, "postgres": used.postgres, "clients": used.clients}
            fig.note = "; ".join(filter(None, [fig.note, split(used, stats.sent)]))
            one = stats if n == 1 else one
        figures.append(fig.judge())
        log(line(fig))
    return figures


def _figure(name: str, backend: str, size: int, n: int, stats: Stats, one: Stats | None,
            raw_tps: float | None) -> Figure:
    if n == 1:
        fig = Figure(name, backend, size, "signoff_1", value=stats.p99, value_text=describe(stats),
                     baseline=raw_tps, baseline_text=f"raw SQL {raw_tps:.0f} tx/s serial" if raw_tps else "",
                     ratio=stats.rps / raw_tps if raw_tps else None)
    else:
        fig = Figure(name, backend, size, "signoff_n", value=stats.rps, value_text=describe(stats),
                     baseline=one.rps if one else None,
                     baseline_text=f"1 process {one.rps:.0f} actions/s" if one else "",
                     ratio=stats.rps / one.rps if one else None)
    fig.data = stats.as_dict()
    if stats.errors:
        fig.note = f"{stats.errors} errors: {stats.error_samples[:1]}"
    return fig
