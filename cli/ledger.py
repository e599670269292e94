"""`reform ledger import SOURCE [--dry-run] [--force] [--create-units]`: the built-in plan, a plan .txt, or an
.xlsx/.csv ledger; idempotent."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ledger", help="the task ledger (任务台账)")
    ledger = parser.add_subparsers(dest="ledger_cmd", required=True)
    p = ledger.add_parser("import", help="import a ledger (builtin, plan .txt, .xlsx, .csv)")
    p.add_argument("source", help="builtin:wulong-2022, or a path to .xlsx / .csv / plan .txt")
    p.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")
    p.add_argument("--plan", default=None, help="plan code (default: the builtin's name, or wulong-2022)")
    p.add_argument("--force", action="store_true", help="also apply changes to measures already under way")
    p.add_argument("--create-units", action="store_true", help="confirm units the database does not know yet")
    p.set_defaults(handler=cmd_import)


def cmd_import(args) -> int:
    from pathlib import Path

    from runtime.core import build_runtime
    from workflows import audit_log
    from workflows.ledger.importer import import_ledger
    from workflows.ledger.summary import summary

    rt, by = build_runtime(), audit_log.command_line("ledger import")
    with rt.read() if args.dry_run else rt.write() as session:
        result = import_ledger(session, args.source, clock=rt.clock, dry_run=args.dry_run, plan_code=args.plan,
                               service=rt.workflows["reform_measure"], force=args.force,
                               create_units=args.create_units, actor_name=by)
        lines = summary(result)
        if not args.dry_run:  # as an import on 管理 is: in the audit history, with what it changed
            source = args.source if args.source.startswith("builtin:") else Path(args.source).name
            audit_log.ledger_imported(session, by=by, by_id=None, at=rt.clock.now(),
                                      address=audit_log.COMMAND_LINE, source=source, plan=args.plan or "",
                                      summary=lines, force=args.force, create_units=args.create_units)
    for line in lines:
        print(line)
    return 0
