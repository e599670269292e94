"""`reform --help` wall time against `python -c pass`: what the command line costs before it does anything."""

from __future__ import annotations

import statistics
import sys

from bench.proc import Deadline, reform_bin, reform_env, run
from bench.report import Figure, secs


def median_wall(cmd: list[str], repeat: int, deadline: Deadline) -> float:
    env = reform_env("sqlite://")
    run(cmd, env, timeout=deadline.remaining())  # not counted: the first run may compile bytecode
    return statistics.median(run(cmd, env, timeout=deadline.remaining()).seconds for _ in range(repeat))


def run_help(timeout: float, repeat: int = 5) -> Figure:
    deadline = Deadline(timeout)
    cli = median_wall([reform_bin(), "--help"], repeat, deadline)
    bare = median_wall([sys.executable, "-c", "pass"], repeat, deadline)
    return Figure(f"reform --help (median of {repeat})", "cli", None, "help", value=cli, value_text=secs(cli),
                  baseline=bare, baseline_text=f"python -c pass {secs(bare)}", ratio=cli / bare,
                  data={"reform_help_s": cli, "python_pass_s": bare})
