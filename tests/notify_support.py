"""Group robots for the notification tests: a unit's robot pointing at the local receiver, and what reached it."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from engine.outbox import OutboxMessage
from notifications.robots import KINDS
from tests.robot_support import SECRET
from workflows import webhooks
from workflows.models import Unit


def add_robot(rt, unit_name: str, url: str, kind: str = "dingtalk", secret: str = SECRET, name: str = "") -> int:
    """A robot for the unit (created if the unit is not there yet); its id."""
    from tests.world import unit_named

    with rt.write() as session:
        unit = session.execute(select(Unit).where(Unit.name == unit_name)).scalars().first() \
            or unit_named(session, unit_name)
        hook, _ = webhooks.put(session, unit.id, url, kind, secret if kind == "dingtalk" else "",
                               name or f"{unit_name}工作群", KINDS)
        return hook.id


def rows(rt, **where) -> list[OutboxMessage]:
    """Outbox rows in the order written, optionally filtered by column values."""
    with Session(rt.engine) as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        return list(session.execute(stmt).scalars())


def set_reach(rt, *, user: str | None = None, unit: str | None = None, reach: str = "") -> None:
    from workflows.accounts_models import User

    with rt.write() as session:
        if user is not None:
            found = session.execute(select(User).where(User.username == user)).scalars().one()
            webhooks.set_user_reach(session, found.id, reach)
        if unit is not None:
            found = session.execute(select(Unit).where(Unit.name == unit)).scalars().one()
            webhooks.set_unit_reach(session, found.id, reach)


def signed_in(c, username: str, password: str = "correct-horse-1") -> str:
    """Sign a TestClient in through the login form; the CSRF token of the new session for its next forms."""
    from tests.web_support import sign_in

    return sign_in(c, username, password)
