"""`reform calendar import FILE [--dry-run]` and `reform calendar show YEAR`: the yearly State Council notice."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliError


def register(sub: argparse._SubParsersAction) -> None:
    calendar = sub.add_parser("calendar", help="the working-day calendar (工作日历)")
    commands = calendar.add_subparsers(dest="calendar_cmd", required=True)
    p = commands.add_parser("import", help="read a State Council holiday notice (国务院办公厅……节假日安排的通知)")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="print each date understood; store nothing")
    p.set_defaults(handler=cmd_import)
    p = commands.add_parser("show", help="a year's non-ordinary days and where its facts come from")
    p.add_argument("year", type=int)
    p.set_defaults(handler=cmd_show)


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"无法读取通知文件 {path}：{exc.strerror}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"无法识别 {path} 的文字编码（支持 UTF-8 与 GB18030）")


def cmd_import(args) -> int:
    from runtime import calendar as service
    from runtime.core import build_runtime
    from workflows import audit_log

    text = read_text(args.file)
    if args.dry_run:
        for line in service.preview(text):
            print(line)
        return 0
    rt = build_runtime()
    for line in service.import_notice(rt, text, audit_log.command_line("calendar import")):
        print(line)
    return 0


def cmd_show(args) -> int:
    from runtime import calendar as service
    from runtime.core import build_runtime

    for line in service.show(build_runtime(), args.year):
        print(line)
    return 0
