"""HTTP load: K concurrent clients for a fixed time or until the work runs out, and `reform serve` as a subprocess."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.proc import DEFAULT_NOW, VAR, Deadline, ScenarioTimeout, help_text, reform_bin, reform_env

Request = Callable[[Any], Any]  # a client (bench.wire's or httpx's) to its response; None: no work left for it


@dataclass
class Stats:
    requests: int = 0
    sent: int = 0  # every request made, the alone one and the warm-up's included
    errors: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50: float = 0.0  # milliseconds
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    clients: int = 0
    alone: float = 0.0  # milliseconds of the first request, made alone
    error_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class _Run:
    warm_end: float
    stop_at: float  # no new request after this, once the client has one counted request
    hard_stop: float  # the scenario's deadline: no new request at all
    samples: list[tuple[float, float, bool]] = field(default_factory=list)  # (start, seconds, ok)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started: float, seconds: float, ok: bool, error: str = "") -> None:
        with self.lock:
            self.samples.append((started, seconds, ok))
            if error and len(self.errors) < 5:
                self.errors.append(error)

    def go_on(self, counted: bool) -> bool:
        now = time.perf_counter()
        return now < self.hard_stop and (now < self.stop_at or not counted)


def _client_loop(run: _Run, client, request: Request) -> None:
    # A slow endpoint may take longer than the whole duration: each client still gets one counted request.
    counted = False
    while run.go_on(counted):
        started = time.perf_counter()
        counted = counted or started >= run.warm_end
        try:
            resp = request(client)
        except httpx.HTTPError as exc:
            run.record(started, time.perf_counter() - started, False, f"{type(exc).__name__}: {exc}"[:200])
            continue
        if resp is None:
            return
        ok = resp.status_code < 400
        run.record(started, time.perf_counter() - started, ok, "" if ok else f"{resp.status_code} {resp.text[:160]}")


def drive(request: Request, setup: Callable[[int], Any], *, clients: int = 16, duration: float = 10,
          warmup: float = 2, deadline: Deadline, preflight: bool = True) -> Stats:
    """Each client (from `setup(i)`, which may sign in) repeats `request`; requests begun in warm-up are left out.

    One request goes first, alone: it must succeed, and when it takes over a second the warm-up is skipped.
    """
    sessions = [setup(i) for i in range(clients)]
    # A slow endpoint's first-time costs are lost in its own time, and a warm-up round would double the run.
    alone = _preflight(request, sessions[0]) if preflight else 0.0
    warmup = 0.0 if alone > 1.0 else warmup
    now = time.perf_counter()
    run = _Run(warm_end=now + warmup, stop_at=now + warmup + duration, hard_stop=now + deadline.remaining())
    threads = [threading.Thread(target=_client_loop, args=(run, s, request), daemon=True) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline.remaining()))
    for s in sessions:
        s.close()
    if any(t.is_alive() for t in threads):
        done = sum(1 for start, *_ in run.samples if start >= run.warm_end)
        raise ScenarioTimeout(f"clients still waiting at the deadline; one request alone took {alone:.1f} s, "
                              f"{done} finished under load")
    stats = summarise(run, clients)
    stats.alone = alone * 1000
    return stats


def _preflight(request: Request, client) -> float:
    """Seconds one request takes alone; it must succeed."""
    started = time.perf_counter()
    resp = request(client)
    if resp is not None and resp.status_code >= 400:
        raise RuntimeError(f"first request failed: {resp.status_code} {resp.text[:200]}")
    return time.perf_counter() - started


def summarise(run: _Run, clients: int) -> Stats:
    counted = [s for s in run.samples if s[0] >= run.warm_end]
    if not counted:
        raise ScenarioTimeout(f"no request completed after warm-up ({len(run.samples)} during warm-up)")
    end = max(start + secs for start, secs, _ in counted)
    ordered = sorted(secs * 1000 for _, secs, _ in counted)
    window = max(end - run.warm_end, 1e-9)
    return Stats(requests=len(counted), sent=len(run.samples) + 1, errors=sum(1 for *_, ok in counted if not ok),
                 seconds=window,
                 rps=len(counted) / window, p50=percentile(ordered, 50), p95=percentile(ordered, 95),
                 p99=percentile(ordered, 99), max=ordered[-1], clients=clients, error_samples=run.errors)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """N `reform serve` processes on one database, each on its own port (or one with --workers N, if offered)."""

    def __init__(self, url: str, count: int = 1, now: str = DEFAULT_NOW, label: str = "serve") -> None:
        self.url, self.count, self.now, self.label = url, count, now, label
        self.procs: list[subprocess.Popen] = []
        self.bases: list[str] = []
        self.logs: list[Path] = []

    def __enter__(self) -> Servers:
        options = help_text("serve")
        extra = ["--no-scheduler"] if "--no-scheduler" in options else []
        try:
            if self.count > 1 and "--workers" in options:
                self._start(extra + ["--workers", str(self.count)])
            else:
                for _ in range(self.count):
                    self._start(extra)
            for proc, base, log in zip(self.procs, self.bases, self.logs, strict=True):
                wait_healthy(proc, base, log)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, extra: list[str]) -> None:
        port = free_port()
        log = VAR / "logs" / f"{self.label}-{port}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            # a session of its own, so stopping it reaches its worker processes too
            self.procs.append(subprocess.Popen(
                [reform_bin(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                env=reform_env(self.url, self.now), stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        self.bases.append(f"http://127.0.0.1:{port}")
        self.logs.append(log)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()

    def __exit__(self, *_) -> None:
        self.stop()


def wait_healthy(proc: subprocess.Popen, base: str, log: Path, timeout: float = 120) -> None:
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        if proc.poll() is not None:
            raise RuntimeError(f"reform serve exited {proc.returncode}: {log.read_text()[-400:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"reform serve on {base} not healthy after {timeout:.0f} s")
