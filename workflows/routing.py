"""Which channels a notice takes: each person's choice (email, their unit's group robots, or both), when it is written.

The fan-out happens at enqueue, in the same transaction as the change. A notice to a person stays an email row
when they read mail; the notices of one change to the people of a unit become ONE row per active robot of that
unit (addressed to the unit and the robot, channel "robot"), so a robot hears of each change exactly once however
many of the unit's people it concerns, and delivery folds a robot's rows into one digest like a mailbox's.

Nobody is left without a channel: a person who chose the robot in a unit without one, or who has no email address
while the unit has a robot, is reached by the other; with neither, the email row stays and fails visibly
(NO_ADDRESS). A person's choice (User.reach) falls back to their unit's (Unit.reach, set on 管理); a change of
choice applies to notices written after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from engine.outbox import Notice, Recipient
from workflows.accounts_models import User
from workflows.directory import robots_of
from workflows.models import BOTH, EMAIL, REACH_LABELS, ROBOT, Unit, UnitWebhook

__all__ = ["BOTH", "EMAIL", "REACH_LABELS", "ROBOT", "reach", "route", "route_many"]


def reach(user: User | None, unit: Unit | None, has_robot: bool) -> tuple[bool, bool]:
    """(by email, by robot) for one recipient: their choice, then what exists."""
    choice = (user.reach if user is not None else None) or (unit.reach if unit is not None else None) or BOTH
    has_mail = bool(user.email) if user is not None else bool(unit is not None and unit.head_email)
    by_robot = has_robot and (choice in (ROBOT, BOTH) or not has_mail)
    by_mail = not by_robot or (choice in (EMAIL, BOTH) and has_mail)
    return by_mail, by_robot


def route(session: Session, notices: Sequence[Notice], dedupe: str | None = None) -> list[Notice]:
    """The notices of one change, each on the channels its recipient is reached by, plus one per robot.

    `dedupe` (e.g. "esc:17") gives the robot rows a unique key, as the sweep gives each person's row one.
    """
    return route_many(session, [(notices, dedupe)])[0]


def route_many(session: Session, changes: Sequence[tuple[Sequence[Notice], str | None]]) -> list[list[Notice]]:
    """route() for several changes at once (a sweep's batch): the people, units and robots in three queries."""
    mails = [[n for n in notices if n.channel == EMAIL and (n.to.user_id is not None or n.to.unit_id is not None)]
             for notices, _ in changes]
    if not any(mails):
        return [list(notices) for notices, _ in changes]
    user_ids = {n.to.user_id for mail in mails for n in mail if n.to.user_id is not None}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(user_ids))).scalars()} if user_ids \
        else {}

    def unit_of(n: Notice) -> int | None:
        return users[n.to.user_id].unit_id if n.to.user_id in users else n.to.unit_id

    unit_ids = {u for mail in mails for n in mail if (u := unit_of(n)) is not None}
    units = {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(unit_ids))).scalars()} if unit_ids \
        else {}
    hooks = robots_of(session, unit_ids)
    hook_by_id = {h.id: h for found in hooks.values() for h in found}
    out = []
    for (notices, dedupe), mail in zip(changes, mails, strict=True):
        routed = {id(n) for n in mail}
        mine_out = [n for n in notices if id(n) not in routed]
        robots: dict[tuple, list[Notice]] = {}
        for n in mail:
            unit_id = unit_of(n)
            mine = hooks.get(unit_id, [])
            by_mail, by_robot = reach(users.get(n.to.user_id), units.get(unit_id), bool(mine))
            if by_mail:
                mine_out.append(n)
            for hook in mine if by_robot else []:
                robots.setdefault((hook.id, n.kind, n.subject_type, n.subject_id), []).append(n)
        out.append(mine_out + [robot_notice(hook_by_id[key[0]], units.get(hook_by_id[key[0]].unit_id), group, dedupe)
                               for key, group in robots.items()])
    return out


def robot_notice(hook: UnitWebhook, unit: Unit | None, notices: list[Notice], dedupe: str | None) -> Notice:
    """One row for the robot; a copy (抄送) only when every person of the unit it stands for was copied."""
    first = notices[0]
    name = hook.name or (f"{unit.name}工作群" if unit is not None else "工作群")
    return Notice(first.kind, Recipient(unit_id=hook.unit_id, name=name, endpoint_id=hook.id), first.subject_type,
                  first.subject_id, first.payload, dedupe_key=f"{dedupe}:robot:{hook.id}" if dedupe else None,
                  channel=ROBOT, copy=all(n.copy for n in notices))
