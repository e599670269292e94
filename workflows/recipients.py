"""Who receives an escalation: recipient roles resolved to addresses, the unit head as a fallback."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from workflows.ladder import Level
from workflows.models import UNIT_OFFICE, UNIT_SUPERVISOR, Measure, Unit
from workflows.reform.binding import measure_units, unit_recipients

CENTRAL = {"supervisor": UNIT_SUPERVISOR, "office": UNIT_OFFICE}


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    copy: bool = False  # 抄送


def role_addresses(session: Session, primary: Unit | None, role: str) -> list[tuple[str, str]]:
    if role in CENTRAL:
        found: list[tuple[str, str]] = []
        for unit in session.exec(select(Unit).where(Unit.kind == CENTRAL[role]).order_by(Unit.id)):
            found += unit_recipients(session, unit, (role,))
        return found
    return unit_recipients(session, primary, (role,)) if primary else []


def recipients_for(session: Session, row: Measure, level: Level) -> list[Person]:
    """Distinct people, `to` before `cc`; someone in both gets it as addressed, not as a copy."""
    units = measure_units(session, row.id)
    primary = units[0] if units else None
    people: dict[str, Person] = {}
    for roles, copy in ((level.to, False), (level.cc, True)):
        for role in roles:
            for email, name in role_addresses(session, primary, role):
                people.setdefault(email.lower(), Person(email, name, copy))
    return list(people.values())
