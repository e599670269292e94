"""The sign-off benchmark says where the CPU went: servers (with their workers), PostgreSQL, the clients."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import Cpu, snapshot, split

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(60)\n"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc, which only Linux has")
def test_a_server_and_its_workers_are_counted():
    # a "server" whose worker (a child process) does the work, as `reform serve --workers N` does
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys\n"
                               f"child = subprocess.Popen([sys.executable, '-c', {BURN!r}])\n"
                               "sys.stdin.readline()\nchild.kill()\nchild.wait()\n"], stdin=subprocess.PIPE)
    try:
        before = snapshot([parent.pid])
        deadline = time.monotonic() + 20
        while (used := snapshot([parent.pid]) - before).server < 0.2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        parent.communicate(b"\n", timeout=10)
    assert 0.2 <= used.server <= 1.0  # the worker's 0.4 s (less what it spent before the first snapshot)
    assert used.clients < 0.2  # this process only waited


def test_the_split_names_each_part_and_the_ceiling_it_sets():
    text = split(Cpu(server=4.4, postgres=1.2, clients=0.4), actions=1000, cores=2)
    assert "servers 4.40 ms" in text and "PostgreSQL 1.20 ms" in text and "clients 0.40 ms" in text
    assert "at most 1.47 x" in text  # 2 × 4.4 / 6.0
    assert "not seen" in split(Cpu(server=1.0, clients=0.1), actions=100, cores=2)
    assert split(Cpu(server=1.0), actions=0) == ""
