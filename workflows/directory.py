"""The people of the organisation: who holds a role in a unit, and where a notice to them is delivered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import defer
from sqlmodel import Session

from engine.outbox import Address, Recipient
from workflows.accounts_models import LeaderUnit, User
from workflows.models import Unit, UnitWebhook
from workflows.roles import HOME_KIND, LEADER, ORG, UNIT_ROLES


def unit_people(session: Session, unit: Unit, roles: Iterable[str] = UNIT_ROLES) -> list[Recipient]:
    """The unit's active users in the roles; the unit itself (its head's address) when it has none."""
    users = session.execute(select(User).where(User.unit_id == unit.id, User.active, User.role.in_(sorted(roles)))
                            .order_by(User.id)).scalars()
    found = [Recipient(user_id=u.id, name=u.display_name or u.username) for u in users]
    if not found and (unit.head_email or robots_of(session, [unit.id]).get(unit.id)):
        found = [Recipient(unit_id=unit.id, name=unit.head_name or unit.name)]
    return found


def by_unit(role: str) -> bool:
    """Whether a role's people depend on the measure's unit (its own staff, the leaders overseeing it) rather than
    being the role's own offices, the same for every measure."""
    return ORG.in_group(role, "unit") or role == LEADER


def role_people(session: Session, role: str, unit: Unit | None = None) -> list[Recipient]:
    """A role's people: of the given (lead) unit for unit roles, the leaders overseeing it (分管), or the role's
    own offices."""
    if ORG.in_group(role, "unit"):
        return unit_people(session, unit, (role,)) if unit is not None else []
    if role == LEADER:
        return overseeing_leaders(session, unit.id) if unit is not None else []
    kind = HOME_KIND.get(role)
    if kind is None:
        return []
    found: list[Recipient] = []
    for office in session.execute(select(Unit).where(Unit.kind == kind).order_by(Unit.id)).scalars():
        found += unit_people(session, office, (role,))
    return found


def overseeing_leaders(session: Session, unit_id: int) -> list[Recipient]:
    stmt = (select(User).join(LeaderUnit, LeaderUnit.user_id == User.id)
            .where(LeaderUnit.unit_id == unit_id, User.active, User.role == LEADER).order_by(User.id))
    return [Recipient(user_id=u.id, name=u.display_name or u.username) for u in session.execute(stmt).scalars()]


def overseen_units(session: Session, user_id: int) -> list[int]:
    return list(session.execute(select(LeaderUnit.unit_id).where(LeaderUnit.user_id == user_id)).scalars())


def email_address(session: Session, to: Recipient) -> Address | None:
    """The email channel's address of a recipient, looked up when the notice is delivered."""
    if to.user_id is not None:
        user = session.get(User, to.user_id)
        if user is None or not user.active or not user.email:
            return None
        return Address(user.email, user.display_name or user.username)
    unit = session.get(Unit, to.unit_id) if to.unit_id is not None else None
    if unit is None or not unit.head_email:
        return None
    return Address(unit.head_email, unit.head_name or unit.name)


def email_addresses(session: Session, recipients: Sequence[Recipient]) -> list[Address | None]:
    """email_address for many recipients in two queries: delivery resolves a whole batch at once."""
    user_ids = {r.user_id for r in recipients if r.user_id is not None}
    unit_ids = {r.unit_id for r in recipients if r.user_id is None and r.unit_id is not None}
    users = {row.id: Address(row.email, row.display_name or row.username) for row in session.execute(
        select(User.id, User.email, User.display_name, User.username)
        .where(User.id.in_(user_ids), User.active, User.email != ""))} if user_ids else {}
    units = {row.id: Address(row.head_email, row.head_name or row.name) for row in session.execute(
        select(Unit.id, Unit.head_email, Unit.head_name, Unit.name)
        .where(Unit.id.in_(unit_ids), Unit.head_email != ""))} if unit_ids else {}
    return [users.get(to.user_id) if to.user_id is not None else units.get(to.unit_id) for to in recipients]


def robots_of(session: Session, unit_ids: Iterable[int]) -> dict[int, list[UnitWebhook]]:
    """The active group robots of the units, by unit id, oldest first: who has one, for routing and the pages.
    Their sealed URL and secret are not read (a sweep run without the key routes all the same); only the channel
    that sends opens them (robot_webhooks)."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    stmt = (select(UnitWebhook).where(UnitWebhook.unit_id.in_(wanted), UnitWebhook.active).order_by(UnitWebhook.id)
            .options(defer(UnitWebhook.url), defer(UnitWebhook.secret)))
    found: dict[int, list[UnitWebhook]] = {}
    for hook in session.execute(stmt).scalars():
        found.setdefault(hook.unit_id, []).append(hook)
    return found


def robot_webhooks(session: Session, recipients: Sequence[Recipient]) -> list[UnitWebhook | None]:
    """The group robot each recipient names (a unit and one of its endpoints), if it is still active."""
    ids = {r.endpoint_id for r in recipients if r.endpoint_id is not None}
    hooks = {h.id: h for h in session.execute(select(UnitWebhook).where(UnitWebhook.id.in_(ids))).scalars()} \
        if ids else {}
    found = []
    for to in recipients:
        hook = hooks.get(to.endpoint_id)
        found.append(hook if hook is not None and hook.active and hook.unit_id == to.unit_id else None)
    return found


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """username -> the name people read (the display name, else the username)."""
    names = sorted(set(usernames))
    if not names:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(names)))
    return {username: display or username for username, display in rows}
