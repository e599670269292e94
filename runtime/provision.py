"""Setting up a database: migrations, the configured units, the first admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from config.loader import UnitSpec
from migrations.runner import upgrade
from notifications.robots import KINDS as ROBOT_KINDS
from runtime.core import Runtime
from workflows import accounts, audit_log, webhooks
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.roles import ADMIN

CONFIGURED = ("kind", "head_name", "head_email", "reach")  # what units.toml sets on a unit


def apply_units(session: Session, specs: tuple[UnitSpec, ...], at: datetime | None = None) -> int:
    """Create or update the configured units and their group robots; the number changed. With `at`, each unit
    changed is recorded in the audit history as the command line's change (管理 · 操作记录).

    Like the heads' addresses, a robot named in units.toml is added or updated (by its URL) on every init and
    never removed by it: one removed from the file stays until it is removed on 管理.
    """
    changed = 0
    for spec in specs:
        unit = session.execute(select(Unit).where(Unit.name == spec.name)).scalars().first() or Unit(name=spec.name)
        before = {k: getattr(unit, k) for k in CONFIGURED} if unit.id else {}
        unit.kind = spec.kind
        unit.head_name = spec.head_name or unit.head_name
        unit.head_email = spec.head_email or unit.head_email
        unit.reach = spec.reach or unit.reach
        after = {k: getattr(unit, k) for k in CONFIGURED}
        robots = 0
        if before != after:
            session.add(unit)
            session.flush()
            changed += 1
        for hook in spec.webhooks:
            robots += webhooks.put(session, unit.id, hook.url, hook.kind, hook.secret, hook.name, ROBOT_KINDS,
                                   source=webhooks.CONFIG)[1]
        changed += robots
        if at is not None and (before != after or robots):
            audit_log.record(session, audit_log.UNIT, unit.id, "configured", by=audit_log.command_line("init"),
                             by_id=None, at=at, address=audit_log.COMMAND_LINE,
                             data={"unit": unit.name, "before": before, "after": after, "robots": robots})
    session.flush()
    return changed


@dataclass
class InitResult:
    units_changed: int
    admin_password: str | None


def initialise(rt: Runtime, admin_password: str | None = None) -> InitResult:
    upgrade(rt.engine)
    with rt.write() as session:
        webhooks.seal_all(session)  # robots written in the clear by a release before sealing
        changed = apply_units(session, rt.config.units, rt.clock.now())
        created = None
        if not session.execute(select(User).where(User.role == ADMIN)).first():
            created = admin_password or secrets.token_urlsafe(12)
            # the first account is named after its role: `admin`
            admin = accounts.add_user(session, ADMIN, ADMIN, created, rt.clock.now(), display_name="系统管理员")
            audit_log.record(session, audit_log.USER, admin.id, "added", by=audit_log.command_line("init"), by_id=None,
                             at=rt.clock.now(), address=audit_log.COMMAND_LINE, data={"username": ADMIN, "role": ADMIN})
    return InitResult(changed, created if not admin_password else None)
