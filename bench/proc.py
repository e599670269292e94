"""Running the `reform` command line and other subprocesses for the benchmark, under a deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789"
DEFAULT_NOW = "2023-06-20T09:00:00+08:00"


class ScenarioTimeout(Exception):
    """A scenario ran past its deadline; the figure is reported as `timeout`."""


@dataclass
class Deadline:
    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def check(self, what: str = "") -> None:
        if self.remaining() <= 0:
            raise ScenarioTimeout(f"timed out after {self.seconds:.0f} s{': ' + what if what else ''}")


def reform_env(url: str, now: str = DEFAULT_NOW, **extra: str) -> dict[str, str]:
    """The environment a `reform` process of the benchmark runs with: the database, a fixed clock, fast hashes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFORM_")}
    env.update({"REFORM_DATABASE_URL": url, "REFORM_SECRET_KEY": SECRET_KEY, "REFORM_NOW": now,
                "REFORM_FAST_HASH": "1", "REFORM_DATA_DIR": str(VAR / "data"), "PYTHONUNBUFFERED": "1"})
    if os.environ.get("REFORM_TEST_PG_ADMIN"):
        env["REFORM_TEST_PG_ADMIN"] = os.environ["REFORM_TEST_PG_ADMIN"]
    env.update(extra)
    return env


def reform_bin() -> str:
    found = BIN / "reform"
    return str(found) if found.exists() else "reform"


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 600, check: bool = True) -> Done:
    """Run to completion; wall time included. A timeout becomes ScenarioTimeout, a failure RuntimeError."""
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=max(timeout, 1))
    except subprocess.TimeoutExpired as exc:
        raise ScenarioTimeout(f"{' '.join(cmd[:3])} did not finish within {timeout:.0f} s") from exc
    done = Done(out.returncode, out.stdout, out.stderr, time.perf_counter() - start)
    if check and out.returncode != 0:
        tail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-3:]
        raise RuntimeError(f"{' '.join(cmd[:3])} exited {out.returncode}: {' / '.join(tail)}")
    return done


def reform(args: list[str], url: str, deadline: Deadline | None = None, now: str = DEFAULT_NOW,
           check: bool = True) -> Done:
    timeout = deadline.remaining() if deadline else 600
    return run([reform_bin(), *args], reform_env(url, now), timeout=timeout, check=check)


def help_text(*command: str) -> str:
    """`reform COMMAND --help`, to find out which options this version of the CLI has."""
    return run([reform_bin(), *command, "--help"], reform_env("sqlite://"), timeout=120, check=False).stdout
