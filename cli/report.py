"""`reform report …`: the 月调度 (workbook or Word 通报) and 督查考核 workbooks, the ledger and the typical cases."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.main import CliError


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="reports: 月调度, 督查考核, ledger, typical cases")
    cmds = report.add_subparsers(dest="report_cmd", required=True)
    p = cmds.add_parser("monthly", help="the 月调度 report of a month")
    p.add_argument("--month", required=True, help="YYYY-MM, e.g. 2022-06")
    _outputs(p, word=True)
    p.set_defaults(handler=cmd_monthly)
    p = cmds.add_parser("assessment", help="the 督查考核 scores of a year")
    p.add_argument("--year", required=True, help="YYYY, e.g. 2022")
    _outputs(p)
    p.set_defaults(handler=cmd_assessment)
    p = cmds.add_parser("ledger", help="the ledger in the plan's layout with tracking columns")
    p.add_argument("--plan", help="plan code (default: the first plan imported)")
    _outputs(p, json_ok=False)
    p.set_defaults(handler=cmd_ledger)
    p = cmds.add_parser("typical-cases", help="the typical cases as a list for publicity")
    _outputs(p)
    p.set_defaults(handler=cmd_typical_cases)


def _outputs(p: argparse.ArgumentParser, json_ok: bool = True, word: bool = False) -> None:
    p.add_argument("--unit", help="one lead unit only (its name as the plan writes it)")
    what = "the .xlsx file to write, or a .docx for the Word 通报" if word else "the .xlsx file to write"
    p.add_argument("--out", type=Path, required=not json_ok, help=what)
    if json_ok:
        p.add_argument("--json", action="store_true", help="print the figures as JSON instead of writing .xlsx")


def _write(args, content: bytes) -> int:
    args.out.write_bytes(content)
    print(f"已写入 {args.out}（{len(content):,} 字节）")
    return 0


def _need_target(args, *suffixes: str) -> str | None:
    """The output's format by its extension (.xlsx, or what else the report offers); None for --json."""
    if not getattr(args, "json", False) and args.out is None:
        raise CliError("请用 --out FILE.xlsx 指定输出文件，或用 --json 输出数据")
    if args.out is None:
        return None
    allowed = (".xlsx", *suffixes)
    if args.out.suffix.lower() not in allowed:
        raise CliError(f"输出文件须以 {' 或 '.join(allowed)} 结尾：{args.out}")
    return args.out.suffix.lower()


def _print_json(data) -> int:
    from workflows.reports.rows import plain

    json.dump(plain(data), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _report(kind: str, *args):
    """The report of `kind` as the command line sees it (everything, or the --unit given)."""
    from runtime import reports as reporting
    from runtime.core import build_runtime

    rt = build_runtime()
    with rt.read() as session:
        return rt, getattr(reporting, kind)(rt, session, None, *args)


def cmd_monthly(args) -> int:
    from runtime import reports as reporting

    suffix = _need_target(args, ".docx")
    rt, report = _report("monthly", args.month, args.unit)
    if args.json:
        return _print_json(report)
    made = reporting.monthly_document if suffix == ".docx" else reporting.monthly_workbook
    return _write(args, made(rt, report).content)


def cmd_assessment(args) -> int:
    from runtime import reports as reporting

    _need_target(args)
    rt, report = _report("assessment", args.year, args.unit)
    return _print_json(report) if args.json else _write(args, reporting.assessment_workbook(rt, report).content)


def cmd_ledger(args) -> int:
    _need_target(args)
    _, book = _report("ledger_workbook", args.unit, args.plan)
    return _write(args, book.content)


def cmd_typical_cases(args) -> int:
    from runtime import reports as reporting

    _need_target(args)
    rt, (rows, label) = _report("typical_cases", args.unit)
    if args.json:
        return _print_json(rows)
    return _write(args, reporting.typical_cases_workbook(rt, rows, label).content)
