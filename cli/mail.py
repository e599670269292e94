"""Escalation and mail commands: `reform sweep [--now]`, `reform outbox flush`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run one escalation sweep now, or as of --now")
    p.add_argument("--now", help="ISO 8601 instant (Asia/Shanghai when no offset is given)")
    p.set_defaults(handler=cmd_sweep)

    outbox = sub.add_parser("outbox", help="the mail outbox").add_subparsers(dest="outbox_cmd", required=True)
    p = outbox.add_parser("flush", help="send what is due in the outbox")
    p.set_defaults(handler=cmd_outbox_flush)

    p = sub.add_parser("sink", help="run the local SMTP sink alone: keeps every message in var/mailsink")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(handler=cmd_sink)


def cmd_sweep(args) -> int:
    from config.settings import parse_instant
    from runtime.core import build_runtime
    from workflows.sweep import sweep

    rt = build_runtime()
    now = parse_instant(args.now) if args.now else rt.clock.now()
    result = sweep(rt.engine, now, ladder=rt.config.ladder, calendar=rt.config.calendar, queued_at=rt.clock.now())
    print(f"预警扫描（{now.isoformat()}）：")
    for level in rt.config.ladder.levels:
        print(f"  {level.code} {level.label}: 发出 {result.fired[level.code]} 条，"
              f"补记未发（已被更高级别取代）{result.superseded[level.code]} 条")
    print(f"  入队通知 {result.notices} 条")
    if result.unaddressed:
        print(f"  另有 {len(result.unaddressed)} 条预警无收件人：请为主办单位添加用户或填写主要负责人邮箱"
              "（config/units.toml）")
    for measure_id, message in result.calendar_errors + result.errors:
        print(f"  事项 {measure_id} 未处理：{message}")
    return 1 if result.errors or result.calendar_errors else 0


def cmd_outbox_flush(args) -> int:
    from notifications.delivery import flush
    from runtime.core import build_runtime

    rt = build_runtime()
    result = flush(rt.delivery)
    print(f"已发送 {result.sent} 条（{result.emails} 封邮件），失败 {result.failed} 条，推迟重试 {result.deferred} 条")
    for line in result.errors:
        print(f"  {line}")
    return 0


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
