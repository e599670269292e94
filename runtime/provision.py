"""Setting up a database: migrations, configured units, the first admin, demo accounts."""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from config.settings import CONFIG_DIR
from migrations.runner import upgrade
from runtime.core import Runtime
from workflows import accounts
from workflows.accounts_models import User
from workflows.models import UNIT_LEAD, Unit


def load_units(path: Path = CONFIG_DIR / "units.toml") -> list[dict]:
    with path.open("rb") as fh:
        return list(tomllib.load(fh).get("unit", []))


def apply_units(session: Session, entries: list[dict]) -> int:
    changed = 0
    for entry in entries:
        unit = session.exec(select(Unit).where(Unit.name == entry["name"])).first() or Unit(name=entry["name"])
        before = (unit.kind, unit.head_name, unit.head_email) if unit.id else None
        unit.kind = entry.get("kind", unit.kind or UNIT_LEAD)
        unit.head_name = entry.get("head_name", unit.head_name)
        unit.head_email = entry.get("head_email", unit.head_email)
        if before != (unit.kind, unit.head_name, unit.head_email):
            session.add(unit)
            changed += 1
    session.flush()
    return changed


@dataclass
class InitResult:
    units_changed: int
    admin_password: str | None


def initialise(rt: Runtime, admin_password: str | None = None) -> InitResult:
    upgrade(rt.engine)
    with Session(rt.engine, expire_on_commit=False) as session:
        changed = apply_units(session, load_units())
        created = None
        if not session.exec(select(User).where(User.role == "admin")).first():
            created = admin_password or secrets.token_urlsafe(12)
            accounts.add_user(session, "admin", "admin", created, rt.clock.now(), display_name="系统管理员")
        session.commit()
    return InitResult(changed, created if not admin_password else None)
