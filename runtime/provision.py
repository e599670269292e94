"""Setting up a database: migrations, the configured units, the first admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from config.loader import UnitSpec
from migrations.runner import upgrade
from notifications.robots import KINDS as ROBOT_KINDS
from runtime.core import Runtime
from workflows import accounts, webhooks
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.roles import ADMIN


def apply_units(session: Session, specs: tuple[UnitSpec, ...]) -> int:
    """Create or update the configured units and their group robots; the number changed.

    Like the heads' addresses, a robot named in units.toml is added or updated (by its URL) on every init and
    never removed by it: one removed from the file stays until it is removed on 管理.
    """
    changed = 0
    for spec in specs:
        unit = session.execute(select(Unit).where(Unit.name == spec.name)).scalars().first() or Unit(name=spec.name)
        before = (unit.kind, unit.head_name, unit.head_email, unit.reach) if unit.id else None
        unit.kind = spec.kind
        unit.head_name = spec.head_name or unit.head_name
        unit.head_email = spec.head_email or unit.head_email
        unit.reach = spec.reach or unit.reach
        if before != (unit.kind, unit.head_name, unit.head_email, unit.reach):
            session.add(unit)
            session.flush()
            changed += 1
        for hook in spec.webhooks:
            changed += webhooks.put(session, unit.id, hook.url, hook.kind, hook.secret, hook.name, ROBOT_KINDS,
                                    source=webhooks.CONFIG)[1]
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
        changed = apply_units(session, rt.config.units)
        created = None
        if not session.execute(select(User).where(User.role == ADMIN)).first():
            created = admin_password or secrets.token_urlsafe(12)
            # the first account is named after its role: `admin`
            accounts.add_user(session, ADMIN, ADMIN, created, rt.clock.now(), display_name="系统管理员")
    return InitResult(changed, created if not admin_password else None)
