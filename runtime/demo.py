"""Demo accounts for `make run`: one per role, passwords printed once."""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from notifications.robots import KINDS as ROBOT_KINDS
from runtime.core import Runtime
from workflows import accounts, audit_log, webhooks
from workflows.accounts_models import LeaderUnit, User
from workflows.models import Unit
from workflows.roles import HEAD, LEADER, OFFICE, STAFF, SUPERVISOR, UNIT_LEAD

DEMO_UNIT = "区市场监管局"
DEMO_ROBOT = "区市场监管局工作群（演示）"


def demo_robot_url(settings) -> str:
    """The local receiver's DingTalk path (notifications.robot_sink), which checks the 加签 signature."""
    return f"http://127.0.0.1:{settings.robot_sink_port}/dingtalk/send?access_token=demo-token"


def add_demo_robot(rt: Runtime, session: Session, unit_name: str = DEMO_UNIT) -> str | None:
    """Give the demo unit a DingTalk robot whose messages land in the local receiver; None when it has one."""
    unit = session.exec(select(Unit).where(Unit.name == unit_name)).first()
    if unit is None:
        return None
    _, changed = webhooks.put(session, unit.id, demo_robot_url(rt.settings), "dingtalk", rt.settings.robot_sink_secret,
                              DEMO_ROBOT, ROBOT_KINDS)
    return f"  group robot for {unit_name}: {DEMO_ROBOT} (messages land in the local receiver)" if changed else None


def demo_accounts(unit_name: str = DEMO_UNIT) -> list[tuple[str, str, str | None, str]]:
    """(username, role, unit, display name)."""
    return [
        ("clerk", STAFF, unit_name, "市场监管局经办人"),
        ("head", HEAD, unit_name, "市场监管局负责人"),
        ("clerk2", STAFF, "区政务办", "政务办经办人"),
        ("reviewer", SUPERVISOR, "区政府督查办", "督查办核验员"),
        ("reviewer2", SUPERVISOR, "区政府督查办", "督查办核验员二"),
        (OFFICE, OFFICE, "区营商办", "营商办评估员"),  # the 营商办 account is called `office`
        ("cz", STAFF, "区财政局", "财政局经办人"),  # coordinates problems in the demo
        ("cg", STAFF, "区城市管理局", "城市管理局经办人"),  # 第一牵头单位 of item 18's joint measure
        (LEADER, LEADER, None, "分管副区长"),  # the 区领导 account is called `leader`; oversees (分管) the demo unit
    ]


DEMO_OVERSEES = {LEADER: (DEMO_UNIT,)}


def create_demo_accounts(rt: Runtime) -> list[str]:
    lines = ["demo accounts (username / password / role / unit):"]
    with Session(rt.engine) as session:
        for unit in session.exec(select(Unit).where(Unit.kind == UNIT_LEAD)):
            if not unit.head_email:
                unit.head_email, unit.head_name = f"head{unit.id}@wulong.example", f"{unit.name}主要负责人"
                session.add(unit)
        for username, role, unit, name in demo_accounts():
            if session.exec(select(User).where(User.username == username)).first():
                lines.append(f"  {username:<10} (exists)  {role}  {unit or ''}")
                continue
            password = secrets.token_urlsafe(9)
            user = accounts.add_user(session, username, role, password, rt.clock.now(), unit_name=unit,
                                     email=f"{username}@wulong.example", display_name=name)
            audit_log.record(session, audit_log.USER, user.id, "added", by=audit_log.command_line("demo setup"),
                             by_id=None, at=rt.clock.now(), address=audit_log.COMMAND_LINE,
                             data={"username": username, "role": role, "unit_id": user.unit_id})
            lines.append(f"  {username:<10} {password:<14} {role:<11} {unit or ''}")
        session.flush()
        for username, units in DEMO_OVERSEES.items():
            user = session.exec(select(User).where(User.username == username)).one()
            for name in units:
                unit = session.exec(select(Unit).where(Unit.name == name)).first()
                if unit and not session.get(LeaderUnit, (user.id, unit.id)):
                    session.add(LeaderUnit(user_id=user.id, unit_id=unit.id))
        if rt.settings.mail_sink and (robot := add_demo_robot(rt, session)):
            lines.append(robot)
        session.commit()
    record = rt.settings.data_dir / "demo-accounts.txt"
    if any(not line.endswith(")") and "(exists)" not in line for line in lines[1:]):
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("\n".join(lines) + "\n", encoding="utf-8")
        record.chmod(0o600)
    elif record.exists():
        lines.append(f"  (passwords were printed when the accounts were created; copy kept in {record})")
    return lines
