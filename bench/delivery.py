"""Outbox delivery against a raw aiosmtplib loop: 2,000 rows to 200 recipients over one SMTP connection.

Run: `make bench` (or `.venv/bin/python -m bench.delivery [--rows 2000] [--people 200] [--rounds 3]
[--backends sqlite,postgresql]`). The SMTP server is aiosmtpd on loopback, in its own process so that its work
does not share our interpreter. Each round seeds fresh outbox rows, then times, in the same run:
- raw: one aiosmtplib connection sending the very messages delivery would send (built beforehand);
- "staged": claim (take every row, group them into digests, render them), then send (over one connection,
  marking each outcome): how delivery worked before it went in waves, kept to show what the waves gain;
- "flush", as `Runtime.flush()` does it: the first digests taken and sent at once, the rest taken in waves while
  they go, each digest rendered in the server's time;
and prints staged/raw and flush/raw per round and their medians over the warm rounds ("cold" is the first, with
templates compiled and the database connected on the way), in wall-clock time, and flush/raw in this
process's CPU time (the machine may be shared: CPU time leaves out the waits).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert, text

os.environ.setdefault("REFORM_FAST_HASH", "1")

from bench.dbs import PG_ADMIN, pg_where  # noqa: E402  (the socket when the server is on this host)
from config.loader import load_config  # noqa: E402
from config.settings import Settings  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.db import make_engine, utc, write_session  # noqa: E402
from engine.outbox import Notice, OutboxMessage, Recipient  # noqa: E402
from migrations.runner import upgrade  # noqa: E402
from notifications.delivery import FlushResult, claim, deliver, flush  # noqa: E402
from notifications.mailer import smtp_client  # noqa: E402
from runtime.core import Runtime  # noqa: E402
from workflows.accounts_models import User  # noqa: E402

AT = datetime(2022, 6, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """aiosmtpd with its discarding handler, in a child process; returns once it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                             "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("aiosmtpd did not start")


def people(rt: Runtime, n: int) -> list[int]:
    rows = [{"username": f"bench{i}", "display_name": f"测试人员{i}", "email": f"bench{i}@wulong.example",
             "role": "unit_staff", "password_hash": "x", "active": True, "created_at": AT, "failed_logins": 0}
            for i in range(n)]
    with write_session(rt.engine) as session:
        session.execute(insert(User), rows)
        return [u for (u,) in session.execute(text("SELECT id FROM \"user\" WHERE username LIKE 'bench%' "
                                                   "ORDER BY id"))]


def payload(n: int) -> dict:
    return {"measure_id": n, "measure_text": f"推行经营场所备案制，实行“一照多址”改革，第{n}项具体举措的全文。",
            "item_no": str(n % 69 + 1), "item_title": "一照多址改革", "due_date": "2022-06-10",
            "units": ["区市场监管局"], "unit": "区市场监管局", "state": "in_progress", "state_label": "推进中",
            "level": "L2", "level_label": "督办", "anchor": "due", "fire_on": "2022-06-17",
            "overdue_workdays": 6, "fired_at": AT.isoformat(), "calendar": "official"}


def seed(rt: Runtime, user_ids: list[int], rows: int) -> None:
    batch = [Notice("escalation", Recipient(user_id=user_ids[i % len(user_ids)]), "measure", i + 1, payload(i + 1),
                    dedupe_key=f"bench:{uuid.uuid4().hex}").to_row(AT) for i in range(rows)]
    with write_session(rt.engine) as session:
        session.execute(insert(OutboxMessage), [r.model_dump(exclude={"id"}) for r in batch])


def clear(rt: Runtime) -> None:
    with write_session(rt.engine) as session:
        session.execute(text("DELETE FROM outbox"))


def messages_for(rt: Runtime) -> list:
    """The messages delivery would send for what is queued now, built as delivery builds them."""
    channel = rt.channels["email"]
    groups = claim(rt.delivery, AT)
    out = [channel.render(g, AT) for g in groups]
    clear(rt)
    return out


async def raw_loop(rt: Runtime, messages: list) -> None:
    """The same messages, as delivery sends them (envelope and bytes), in a bare loop."""
    client = smtp_client(rt.delivery.channels["email"].smtp)
    await client.connect()
    for message in messages:
        if hasattr(message, "data"):  # envelope and bytes
            await client.sendmail(message.sender, [message.recipient], message.data)
        else:  # an email.message.EmailMessage, as the first release built them (to measure it the same way)
            await client.send_message(message)
    await client.quit()


def timed(run) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds): the machine is shared, and CPU time does not count the waits."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def one_round(rt: Runtime, user_ids: list[int], rows: int) -> dict[str, tuple[float, float]]:
    """raw: the bare loop; staged: claim then send; flush: delivery in waves."""
    seed(rt, user_ids, rows)
    messages = messages_for(rt)
    raw = timed(lambda: asyncio.run(raw_loop(rt, messages)))
    d = replace(rt.delivery, policy=replace(rt.delivery.policy, batch=rows))
    seed(rt, user_ids, rows)
    result, groups = FlushResult(), []
    claimed = timed(lambda: groups.extend(claim(d, utc(rt.clock.now()), result)))
    sent = timed(lambda: asyncio.run(deliver(d, groups, result)))
    assert (result.sent, result.emails) == (rows, len(user_ids)), result
    clear(rt)
    seed(rt, user_ids, rows)
    results: list[FlushResult] = []
    flushed = timed(lambda: results.append(flush(d)))
    assert (results[0].sent, results[0].emails) == (rows, len(user_ids)), results[0]
    clear(rt)
    return {"raw": raw, "staged": (claimed[0] + sent[0], claimed[1] + sent[1]), "flush": flushed}


def runtime_for(url: str, port: int, data_dir: str) -> Runtime:
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port, demo=True, data_dir=data_dir,
                        secret_key="bench-secret-key-bench-secret-key")
    config = load_config(settings)
    return Runtime(config=config, engine=make_engine(url), clock=FrozenClock(AT))


def bench(url: str, port: int, args) -> list[tuple[float, float]]:
    with tempfile.TemporaryDirectory() as data_dir:
        rt = runtime_for(url, port, data_dir)
        upgrade(rt.engine)
        user_ids = people(rt, args.people)
        results = [one_round(rt, user_ids, args.rows) for _ in range(args.rounds + 1)]  # the first is cold
        rt.engine.dispose()
    return results


def with_database(backend: str, tmp: str, run):
    if backend == "sqlite":
        return run(f"sqlite:///{tmp}/bench.db")
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"reform_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run(admin.url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(backend: str, results: list[dict], args) -> None:
    """One line per round (the first is cold), then the medians of the warm rounds."""
    for n, r in enumerate(results):
        (raw, raw_cpu), (staged, _), (flushed, flushed_cpu) = r["raw"], r["staged"], r["flush"]
        print(f"{backend if n == 0 else '':<11}{n or 'cold':>6}{raw:>8.3f}{staged:>8.3f}{flushed:>8.3f}"
              f"{staged / raw:>11.2f}{flushed / raw:>10.2f}{flushed_cpu / raw_cpu:>9.2f}")
    warm = results[1:]

    def median(part: str, cpu: int = 0) -> float:
        return statistics.median(r[part][cpu] / r["raw"][cpu] for r in warm)

    print(f"{'':<11}{'median':>6}{'':>24}{median('staged'):>11.2f}{median('flush'):>10.2f}{median('flush', 1):>9.2f}"
          f"   delivery/raw, {args.rows} rows to {args.people} recipients over one connection")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        if "postgresql" in args.backends:
            print(f"PostgreSQL at {pg_where()}")
        print(f"{'backend':<11}{'round':>6}{'raw':>8}{'staged':>8}{'flush':>8}{'staged/raw':>11}"
              f"{'flush/raw':>10}{'cpu f/r':>9}   (seconds; ratios of wall time, and of this process's CPU)")
        for backend in args.backends.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                results = with_database(backend, tmp, lambda url: bench(url, port, args))
            report(backend, results, args)
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    main()
