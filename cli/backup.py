"""Backup commands: `reform backup --out FILE`, `reform restore FILE [--force]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="a consistent archive (.tar.gz) of the database and the evidence files")
    p.add_argument("--out", required=True, type=Path, help="the archive to write, e.g. reform-2022-06-20.tar.gz")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="restore an archive into an empty database and evidence directory")
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true",
                   help="empty a non-empty target first (tables dropped; the old evidence folder renamed aside); "
                        "a failure later leaves the target empty")
    p.set_defaults(handler=cmd_restore)


def cmd_backup(args) -> int:
    from runtime.backup import BackupError, backup
    from runtime.core import build_runtime

    rt = build_runtime()
    try:
        report = backup(rt.engine, rt.settings.data_dir, args.out, now=rt.clock.now(), overwrite=args.overwrite)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    for line in backup_lines(report):
        print(line)
    return 0


def cmd_restore(args) -> int:
    from runtime.backup import BackupError, restore
    from runtime.core import build_runtime

    rt = build_runtime()
    try:
        report = restore(args.file, rt.engine, rt.settings.data_dir, force=args.force)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    for line in restore_lines(report):
        print(line)
    return 0


def backup_lines(r) -> list[str]:
    """A BackupReport, one line per fact."""
    lines = [f"备份已写入 {r.archive}（{human(r.size)}，用时 {r.seconds:.1f} 秒）",
             f"数据库：{r.backend}，迁移版本 {r.revision}，转储工具 {r.dump_tool}，另含可移植导出"]
    lines += table_lines(r.tables)
    lines.append(f"佐证文件：{r.evidence_files} 个，共 {human(r.evidence_bytes)}")
    lines += [f"说明：{note}" for note in r.notes]
    if r.audit.ok:
        lines.append(f"audit verify: ok, {r.audit.checked} records")
    else:
        lines.append(f"audit verify: BROKEN ({r.audit.reason}); "
                     "备份如实保存了损坏的审计链，reform restore 会拒绝恢复它")
    return lines


def restore_lines(r) -> list[str]:
    """A RestoreReport, one line per fact."""
    lines = [f"已从 {r.archive} 恢复（备份于 {r.created_at}，来自 {r.source_backend}，方式：{r.method}，"
             f"用时 {r.seconds:.1f} 秒）"]
    lines += table_lines(r.tables)
    lines.append(f"佐证文件：{r.evidence_files} 个，共 {human(r.evidence_bytes)}，SHA-256 全部相符")
    if r.replaced_evidence:
        lines.append(f"原有佐证目录已改名保存为 {r.replaced_evidence}")
    lines += [f"说明：{note}" for note in r.notes]
    lines.append(f"audit verify: ok, {r.audit_records} records")
    return lines


def table_lines(tables: dict[str, int]) -> list[str]:
    lines = [f"  表 {name}：{rows} 行" for name, rows in tables.items() if rows]
    empty = [name for name, rows in tables.items() if not rows]
    return lines + ([f"  空表：{'、'.join(empty)}"] if empty else [])


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
