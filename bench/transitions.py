"""Engine against raw SQL for the same writes, alone: `python -m bench.transitions [--n 300] [--backends pg,sqlite]`.

Kept for the old command; it is the `writes` scenario of `python -m bench.run` on the 10^4 synthetic ledger.
"""

from __future__ import annotations

import argparse

from bench.run import main as run_main


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.transitions")
    parser.add_argument("--n", type=int, default=300, help="transactions per path")
    parser.add_argument("--backends", default="pg,sqlite", help="pg (or postgresql), sqlite")
    args = parser.parse_args()
    backends = ",".join("pg" if b.strip() == "postgresql" else b.strip() for b in args.backends.split(","))
    run_main(["--scenarios", "writes", "--sizes", "1e4", "--backends", backends, "--writes", str(args.n)])


if __name__ == "__main__":
    main()
