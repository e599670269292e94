"""The `reform` command line: one-line errors for people, exit codes for scripts."""

from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import SQLAlchemyError

from engine.errors import WorkflowError

# Each module has register(subparsers); its handlers return an exit status.
COMMAND_MODULES = ("cli.core", "cli.ledger", "cli.mail", "cli.report", "cli.backup")


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reform", description="改革事项督办 reform ledger supervision")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (CliError, WorkflowError, ValueError, LookupError, OSError) as exc:
        print(f"reform: 错误: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        first = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        print(f"reform: 数据库错误（是否已运行 reform init？数据库是否可达？）: {first}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
