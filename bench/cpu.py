"""Where the CPU went during a load phase: the server processes (with their workers), PostgreSQL's processes on
this host, and the load's clients (this process). Read from /proc (Linux); elsewhere, or for a PostgreSQL on
another host, the part is 0 and the report says it was not seen."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Cpu:
    server: float = 0.0  # seconds
    postgres: float = 0.0
    clients: float = 0.0

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.server - other.server, self.postgres - other.postgres, self.clients - other.clients)


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far) of every process still running."""
    found = {}
    for entry in PROC.glob("[0-9]*"):
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name, rest = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        found[int(entry.name)] = (int(rest[1]), name, (int(rest[11]) + int(rest[12])) / TICK)
    return found


def snapshot(server_pids: list[int]) -> Cpu:
    if not PROC.is_dir():
        return Cpu(clients=time.process_time())
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    server, todo = 0.0, list(server_pids)
    while todo:
        pid = todo.pop()
        if pid in procs:
            server += procs[pid][2]
            todo.extend(children.get(pid, ()))
    postgres = sum(cpu for _, name, cpu in procs.values() if name in ("postgres", "postmaster"))
    return Cpu(server=server, postgres=postgres, clients=time.process_time())


def split(used: Cpu, actions: int, cores: int | None = None) -> str:
    """CPU per action by part, and with N processes on this many cores the most N can give against one process
    that is bound by its own core: cores × server / (server + PostgreSQL + clients)."""
    if actions <= 0:
        return ""
    cores = cores or os.cpu_count() or 1
    per = [1000 * max(part, 0.0) / actions for part in (used.server, used.postgres, used.clients)]
    text = (f"CPU per action: servers {per[0]:.2f} ms, PostgreSQL {per[1]:.2f} ms"
            f"{'' if used.postgres > 0 else ' (not seen on this host)'}, clients {per[2]:.2f} ms")
    if sum(per) > 0:
        text += f"; {cores} cores allow at most {cores * per[0] / sum(per):.2f} x one core-bound process"
    return text
