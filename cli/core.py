"""Core commands: init, users add, serve, audit verify and log, demo setup."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.main import CliError

# checked against workflows.roles by a test
ROLES = ("unit_staff", "unit_head", "supervisor", "office", "leader", "admin")
AUDIT_KINDS = ("user", "unit", "signin", "ledger", "calendar", "outbox")  # workflows.audit_log.KINDS, by a test


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create or upgrade the database, configured units and a first admin")
    p.add_argument("--admin-password-file", type=Path)
    p.set_defaults(handler=cmd_init)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="users_cmd", required=True)
    p = users.add_parser("add", help="add a user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--unit")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--oversees", default="", help="a leader's 分管 units, separated by 、 or commas")
    p.add_argument("--password-file", required=True, type=Path,
                   help="file whose first line is the password ('-' reads standard input)")
    p.set_defaults(handler=cmd_users_add)

    p = sub.add_parser("serve", help="web UI + JSON API + scheduler")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes on one port (PostgreSQL only), each with its pool and scheduler")
    p.add_argument("--no-scheduler", action="store_true")
    p.set_defaults(handler=cmd_serve)

    audit = sub.add_parser("audit", help="the tamper-evident history").add_subparsers(dest="audit_cmd", required=True)
    p = audit.add_parser("verify", help="verify the hash chains and their checkpoints")
    p.set_defaults(handler=cmd_audit_verify)
    p = audit.add_parser("checkpoint", help="seal the records since the last checkpoint (each sweep does)")
    p.set_defaults(handler=cmd_audit_checkpoint)
    p = audit.add_parser("log", help="people's changes outside the workflows (管理 · 操作记录), newest first")
    p.add_argument("--kind", choices=AUDIT_KINDS, help="only these: accounts, units, sign-in security, imports, ...")
    p.add_argument("--before", type=int, help="the records numbered below this one (the next page)")
    p.set_defaults(handler=cmd_audit_log)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="demo_cmd", required=True)
    p = demo.add_parser("setup", help="create the demo accounts (printed once) and demo unit addresses")
    p.set_defaults(handler=cmd_demo_setup)


def read_password(path: Path) -> str:
    try:
        text = sys.stdin.readline() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"无法读取密码文件 {path}：{exc.strerror}") from exc
    password = text.splitlines()[0] if text else ""
    if not password:
        raise CliError(f"密码文件 {path} 是空的")
    return password


def cmd_init(args) -> int:
    from runtime.core import build_runtime
    from runtime.provision import initialise

    rt = build_runtime()
    password = read_password(args.admin_password_file) if args.admin_password_file else None
    result = initialise(rt, password)
    print(f"database ready ({rt.engine.url.render_as_string(hide_password=True)}); units changed: "
          f"{result.units_changed}")
    if result.admin_password:
        print(f"created user admin with password: {result.admin_password}  (shown once)")
    return 0


def cmd_users_add(args) -> int:
    import re

    from runtime.core import build_runtime
    from workflows import accounts, audit_log

    rt = build_runtime()
    password = read_password(args.password_file)
    with rt.write() as session:
        user = accounts.add_user(session, args.username, args.role, password, rt.clock.now(),
                                 unit_name=args.unit, email=args.email, display_name=args.name)
        oversees = accounts.set_oversight(session, user, re.split(r"[、，,；;]", args.oversees)) \
            if args.oversees else []
        audit_log.record(session, audit_log.USER, user.id, "added", by=audit_log.command_line("users add"),
                         by_id=None, at=rt.clock.now(), address=audit_log.COMMAND_LINE,
                         data={"username": user.username, "role": user.role, "unit_id": user.unit_id,
                               "oversees": oversees})
        print(f"added user {user.username} (role {user.role}, id {user.id})"
              + (f"; 分管 {'、'.join(oversees)}" if oversees else ""))
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from migrations.runner import behind
    from runtime.core import build_runtime
    from web.app import create_app

    rt = build_runtime()
    if args.workers < 1:
        raise CliError("--workers 应为正整数")
    if (why := behind(rt.engine)) is not None:  # an upgrade without `reform init` would answer 500s, not this
        raise CliError(why)
    if args.workers > 1:
        return serve_workers(rt, args)
    sinks = []
    if rt.settings.mail_sink:  # the demo's local receivers: mail, and the group robots' webhooks
        from notifications.robot_sink import start_robot_sink
        from notifications.sink import start_sink

        sinks = [start_sink(rt.settings), start_robot_sink(rt.settings.robot_sink_dir, port=rt.settings.robot_sink_port,
                                                            secret=rt.settings.robot_sink_secret)]
    try:
        app = create_app(rt, scheduler=not args.no_scheduler)
        uvicorn.run(app, host=args.host or rt.settings.host, port=args.port or rt.settings.port,
                    log_level="info")
    finally:
        for sink in sinks:
            sink.stop()
    return 0


def serve_workers(rt, args) -> int:
    """N uvicorn worker processes on one socket, each building its own runtime (web.app.worker_app)."""
    import os

    import uvicorn

    from web.app import SCHEDULER_ENV

    if rt.engine.dialect.name != "postgresql":
        raise CliError("多个工作进程（--workers）需要 PostgreSQL 数据库；SQLite 请用单进程运行")
    if rt.settings.mail_sink:
        raise CliError("多个工作进程不能与本地演示邮件接收器同用：请配置 REFORM_SMTP_HOST 等真实邮件服务器")
    rt.engine.dispose()
    if not rt.settings.secret_key and rt.settings.demo:  # one signing key for every process's sessions and forms
        import secrets

        os.environ["REFORM_SECRET_KEY"] = secrets.token_hex(32)
    os.environ[SCHEDULER_ENV] = "0" if args.no_scheduler else "1"
    uvicorn.run("web.app:worker_app", factory=True, workers=args.workers, host=args.host or rt.settings.host,
                port=args.port or rt.settings.port, log_level="info")
    return 0


def cmd_audit_verify(args) -> int:
    from runtime import audit
    from runtime.core import build_runtime

    report = audit.verify(build_runtime())
    if report.ok:
        print(f"audit chain ok: {report.checked} records, {report.checkpoints} checkpoints")
        return 0
    print(f"audit chain BROKEN: {report.reason}", file=sys.stderr)
    return 1


def cmd_audit_checkpoint(args) -> int:
    from engine import history
    from runtime.core import build_runtime

    rt = build_runtime()
    with rt.write() as session:
        cp = history.checkpoint(session, rt.clock.now())
    print(f"checkpoint {cp.id}: records {cp.first_seq}–{cp.upto_seq} ({cp.count})" if cp else
          "nothing recorded since the last checkpoint")
    return 0


def cmd_audit_log(args) -> int:
    """A page of 操作记录 as text: a line per record (number, time, kind, what, whom, who, from where), its details
    indented under it, and how to ask for the page after."""
    from runtime.audit_trail import trail_page
    from runtime.core import build_runtime

    rt = build_runtime()
    with rt.read() as session:
        entries, after = trail_page(session, args.kind, args.before)
    for e in entries:
        where = f" 来自 {e.address}" if e.address else ""
        print(f"#{e.seq}  {e.at}  [{e.kind_label}] {e.action_label}  {e.subject}  — {e.actor}{where}")
        for line in e.details:
            print(f"    {line}")
    if not entries:
        print("没有操作记录" if args.before is None else "没有更早的操作记录")
    if after is not None:
        print(f"（更早的记录：reform audit log{' --kind ' + args.kind if args.kind else ''} --before {after}）")
    return 0


def cmd_demo_setup(args) -> int:
    from runtime.core import build_runtime
    from runtime.demo import create_demo_accounts

    rt = build_runtime()
    for line in create_demo_accounts(rt):
        print(line)
    return 0
