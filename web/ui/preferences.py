"""通知方式: how each person is told (email, their unit's group robot, or both), and what reaches them now."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Template

from engine.errors import WorkflowError
from web.throttle import client_address
from web.ui.common import RT, Form, Me, page
from workflows import audit_log, webhooks
from workflows.accounts_models import User
from workflows.directory import robots_of
from workflows.models import BOTH, REACH_LABELS, Unit
from workflows.routing import reach


def context(rt, user) -> dict:
    """The choices, the unit's default, and what the choice means with the addresses this person has."""
    with rt.read() as session:
        unit = session.get(Unit, user.unit_id) if user.unit_id else None
        robots = robots_of(session, [unit.id]).get(unit.id, []) if unit else []
        fresh = session.get(type(user), user.id)
        by_mail, by_robot = reach(fresh, unit, bool(robots))
    return {"reach_labels": REACH_LABELS, "choice": fresh.reach or "", "unit": unit, "robots": robots,
            "unit_choice": REACH_LABELS.get(unit.reach if unit else BOTH, ""), "by_mail": by_mail,
            "by_robot": by_robot, "email": fresh.email}


@get("/notifications", sync_to_thread=True)
def preferences_page(rt: RT, user: Me) -> Template:
    return page(rt, user, "preferences.html", error=None, done=None, **context(rt, user))


@post("/notifications", sync_to_thread=True)
def preferences_save(rt: RT, user: Me, request: Request, data: Form) -> Template:
    try:
        with rt.write() as session:
            was = session.get(User, user.id).reach
            fresh = webhooks.set_user_reach(session, user.id, data.get("reach", ""))
            if fresh.reach != was:  # a person's own choice, in the audit history as an admin's change would be
                audit_log.record(session, audit_log.USER, user.id, "reach_changed", by=user.username, by_id=user.id,
                                 at=rt.clock.now(), address=client_address(request),
                                 data={"before": was or "", "after": fresh.reach or ""})
    except WorkflowError as exc:
        return page(rt, user, "preferences.html", 400, error=exc.message, done=None, **context(rt, user))
    return page(rt, user, "preferences.html", error=None, done="通知方式已保存。", **context(rt, user))


ROUTES: list = [preferences_page, preferences_save]
