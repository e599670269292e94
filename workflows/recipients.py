"""Who receives an escalation: the ladder level's roles resolved to people of the measure's units and offices."""

from __future__ import annotations

from sqlmodel import Session

from engine.outbox import Recipient
from workflows.directory import role_people, unit_people
from workflows.ladder import COOPERATING_UNITS, Level
from workflows.reform.links import Links


def recipients_for(session: Session, links: Links, level: Level) -> list[tuple[Recipient, bool]]:
    """Distinct people with their copy flag (抄送), `to` before `cc`; someone in both is addressed, not copied."""
    people: dict[str, tuple[Recipient, bool]] = {}
    for roles, copy in ((level.to, False), (level.cc, True)):
        for role in roles:
            for person in _people(session, role, links):
                people.setdefault(person.key, (person, copy))
    return list(people.values())


def _people(session: Session, role: str, links: Links) -> list[Recipient]:
    if role == COOPERATING_UNITS:
        return [p for unit in links.cooperating for p in unit_people(session, unit)]
    return role_people(session, role, links.primary)
