"""Who receives an escalation: the ladder level's roles resolved to people of the measure's units and offices."""

from __future__ import annotations

from sqlmodel import Session

from engine.outbox import Recipient
from workflows.directory import by_unit, role_people, unit_people
from workflows.ladder import COOPERATING_UNITS, Level
from workflows.reform.links import Links


def recipients_for(session: Session, links: Links, level: Level, memo: dict | None = None
                   ) -> list[tuple[Recipient, bool]]:
    """Distinct people with their copy flag (抄送), `to` before `cc`; someone in both is addressed, not copied.
    memo: a dict the caller keeps across calls (a sweep's), where each role's people of each unit are read once."""
    people: dict[str, tuple[Recipient, bool]] = {}
    for roles, copy in ((level.to, False), (level.cc, True)):
        for role in roles:
            for person in _people(session, role, links, {} if memo is None else memo):
                people.setdefault(person.key, (person, copy))
    return list(people.values())


def _people(session: Session, role: str, links: Links, memo: dict) -> list[Recipient]:
    if role == COOPERATING_UNITS:
        return [p for unit in links.cooperating for p in _once(memo, ("unit", unit.id),
                                                              lambda unit=unit: unit_people(session, unit))]
    unit = links.primary
    key = (role, unit.id if unit is not None and by_unit(role) else None)  # an office role: once for every unit
    return _once(memo, key, lambda: role_people(session, role, unit))


def _once(memo: dict, key: tuple, read) -> list[Recipient]:
    if key not in memo:
        memo[key] = read()
    return memo[key]
