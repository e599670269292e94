"""Escalation and mail commands: `reform sweep [--now]`, `reform outbox flush|list|retry`, `reform robots reseal`."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliError

SHOWN_DEFERRED = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run one escalation sweep now, or as of --now")
    p.add_argument("--now", help="ISO 8601 instant (Asia/Shanghai when no offset is given)")
    p.set_defaults(handler=cmd_sweep)

    outbox = sub.add_parser("outbox", help="the mail outbox").add_subparsers(dest="outbox_cmd", required=True)
    p = outbox.add_parser("flush", help="send everything queued now, deferred rows included, until nothing is due")
    p.set_defaults(handler=cmd_outbox_flush)
    p = outbox.add_parser("list", help="the outbox rows, newest first")
    p.add_argument("--status", choices=("queued", "sending", "sent", "failed"))
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(handler=cmd_outbox_list)
    p = outbox.add_parser("retry", help="put failed rows back in the queue (attempts reset)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--failed", action="store_true", help="every failed row")
    p.set_defaults(handler=cmd_outbox_retry)

    robots = sub.add_parser("robots", help="the units' group robots").add_subparsers(dest="robots_cmd", required=True)
    p = robots.add_parser("reseal", help="after REFORM_SECRET_KEY changed: seal the robots again under the new key")
    p.add_argument("--former-key-file", required=True, type=Path,
                   help="file whose first line is the former REFORM_SECRET_KEY ('-' reads standard input)")
    p.set_defaults(handler=cmd_robots_reseal)

    p = sub.add_parser("sink", help="run the local SMTP sink alone: keeps every message in var/mailsink")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(handler=cmd_sink)


def cmd_sweep(args) -> int:
    from config.settings import parse_instant
    from runtime.core import build_runtime

    rt = build_runtime()
    now = parse_instant(args.now) if args.now else rt.clock.now()
    result = rt.sweep(now, queued_at=rt.clock.now())
    print(f"预警扫描（{beijing(now)} 北京时间）：")
    for level in rt.config.ladder.levels:
        print(f"  {level.code} {level.label}: 发出 {result.fired[level.code]} 条，"
              f"补记未发（已被更高级别取代）{result.superseded[level.code]} 条")
    print(f"  入队通知 {result.notices} 条")
    if result.provisional:
        print(f"  其中 {result.provisional} 条预警的日期按暂定工作日历推算（{provisional_years(rt, now)}放假安排"
              "尚未导入，以国务院通知为准；导入：reform calendar import FILE）")
    if result.unaddressed:
        print(f"  另有 {len(result.unaddressed)} 条预警无收件人：请为主办单位添加用户或填写主要负责人邮箱"
              "（config/units.toml）")
    for measure_id, message in result.calendar_errors + result.errors:
        print(f"  事项 {measure_id} 未处理：{message}")
    return 1 if result.errors or result.calendar_errors else 0


def beijing(instant) -> str:
    from config.settings import SHANGHAI

    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def provisional_years(rt, now) -> str:
    from workflows.calendar_sources import PROVISIONAL
    from workflows.lights import local_day

    year = local_day(now).year
    found = next((y for y in (year, year + 1) if rt.calendar.source_of(y) == PROVISIONAL), None)
    return f"{found} 年" if found else "所涉年份的"


def cmd_outbox_flush(args) -> int:
    from notifications.outbox_ops import flush_all
    from runtime.core import build_runtime

    rt = build_runtime()
    done = flush_all(rt.delivery, rt.clock.now())
    result = done.totals
    print(f"已发送 {result.sent} 条（{result.emails} 封邮件），失败 {result.failed} 条，推迟重试 {result.deferred} 条")
    for line in result.errors[:SHOWN_DEFERRED]:
        print(f"  {line}")
    if done.deferred_rows:
        print(f"待重试 {len(done.deferred_rows)} 条：")
        for row_id, recipient, at in done.deferred_rows[:SHOWN_DEFERRED]:
            print(f"  #{row_id} {recipient or '—'}：{beijing(at)} 再次发送")
        if len(done.deferred_rows) > SHOWN_DEFERRED:
            print(f"  ……另有 {len(done.deferred_rows) - SHOWN_DEFERRED} 条（reform outbox list --status queued）")
    return 0


def cmd_outbox_list(args) -> int:
    from notifications.outbox_views import list_outbox
    from runtime.core import build_runtime

    if not 1 <= args.limit <= 10000:
        raise CliError("--limit 须在 1 到 10000 之间")
    rt = build_runtime()
    with rt.read() as session:
        found = list_outbox(session, args.status, limit=args.limit)
    rows = [("编号", "类型", "收件人", "状态", "尝试", "下次尝试", "错误")]
    for r in found.items:
        upcoming = beijing(r.next_attempt_at) if r.next_attempt_at else "—"
        rows.append((str(r.id), r.kind, r.recipient or r.recipient_name or "—", r.status, str(r.attempts), upcoming,
                     (r.last_error or "").splitlines()[0][:60] if r.last_error else ""))
    for line in table(rows):
        print(line)
    print(f"共 {found.total} 条" + (f"（显示最近 {len(found.items)} 条）" if found.total > len(found.items) else ""))
    return 0


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns padded by display width (a Chinese character takes two)."""
    from unicodedata import east_asian_width

    def width(text: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def cmd_outbox_retry(args) -> int:
    from notifications.outbox_ops import retry
    from runtime.core import build_runtime
    from workflows import audit_log

    if bool(args.ids) == bool(args.failed):
        raise CliError("请给出要重试的编号，或使用 --failed 重试全部发送失败的邮件（二者选一）")
    rt = build_runtime()
    with rt.write() as session:
        result = retry(session, args.ids or None, actor_name=audit_log.command_line("outbox retry"),
                       now=rt.clock.now())
    print(f"已重新排队 {len(result.retried)} 条" + (f"：{'、'.join(f'#{i}' for i in result.retried)}"
                                                  if result.retried else ""))
    for row_id, why in result.skipped:
        print(f"  跳过 #{row_id}：{why}")
    return 0 if result.retried or not result.skipped else 2


def cmd_sink(args) -> int:
    import time

    from notifications.sink import start_sink
    from runtime.core import build_runtime

    settings = build_runtime().settings
    sink = start_sink(settings, port=args.port)
    print(f"SMTP sink on {settings.smtp_host}:{sink.port}, messages in {settings.sink_dir} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        sink.stop()


def cmd_robots_reseal(args) -> int:
    from cli.core import read_password
    from config.settings import Settings
    from engine.sealing import Sealer
    from runtime.core import build_runtime
    from workflows import audit_log, webhooks

    rt = build_runtime()
    rt.settings.sealing_key()  # the current key: said now if it is missing, before anything is read
    former_key = Settings(secret_key=read_password(args.former_key_file).strip(), demo=False).sealing_key()
    with rt.write() as session:
        resealed, lost = webhooks.reseal(session, Sealer(lambda: former_key))
        for unit_id, hook_id in resealed:
            audit_log.record(session, audit_log.UNIT, unit_id, "robot_resealed",
                             by=audit_log.command_line("robots reseal"), by_id=None, at=rt.clock.now(),
                             address=audit_log.COMMAND_LINE, data={"robot": hook_id})
    print(f"resealed {len(resealed)} robots under the current key"
          + (f"; {len(lost)} open under neither key (enter them again on 管理): {lost}" if lost else ""))
    return 1 if lost else 0

