"""What every page handler shares: dependency types, the page renderer, redirects and Chinese labels."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from engine.db import read_session
from engine.decide import Actor
from engine.errors import PermissionDenied, WorkflowError
from runtime.core import Runtime
from web.errors import chinese_for, status_for
from workflows.accounts_models import User
from workflows.models import Unit
from workflows.reform.table import ACTION_LABELS, STATE_LABELS

RT = NamedDependency[Runtime]
Me = NamedDependency[User]
Who = NamedDependency[Actor]
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

ROLE_LABELS = {"unit_staff": "单位经办人", "unit_head": "单位负责人", "supervisor": "督查办",
               "office": "营商办", "admin": "系统管理员"}
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
MAIL_ROLES = frozenset({"supervisor", "office", "admin"})
FORM_PATH = re.compile(r"^(/measures/\d+)/(?:actions/.*|evidence)$")


def unit_name(rt: Runtime, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    with read_session(rt.engine) as session:
        unit = session.get(Unit, unit_id)
        return unit.name if unit else ""


def page(rt: Runtime, user: User | None, template: str, status: int = 200, **context: Any) -> Template:
    """Render a page inside the layout, with the person and the labels every page uses."""
    base = {"me": user, "me_unit": unit_name(rt, user.unit_id) if user else "", "role_labels": ROLE_LABELS,
            "state_labels": STATE_LABELS, "action_labels": ACTION_LABELS, "light_labels": LIGHT_LABELS,
            "mail_roles": MAIL_ROLES, "demo": rt.settings.demo}
    return Template(template_name=template, context=base | context, status_code=status)


def failed(rt: Runtime, user: User | None, template: str, exc: WorkflowError, **context: Any) -> Template:
    """The same page again with the error in Chinese and the matching status."""
    return page(rt, user, template, status_for(exc), error=chinese_for(exc), **context)


def see_other(url: str) -> Redirect:
    """After a POST: the browser fetches the next page with GET."""
    return Redirect(url, status_code=303)


def require_role(user: User, roles: frozenset[str] | set[str], what: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"user {user.username!r} (role {user.role}) may not open {what}")


def safe_next(target: str | None) -> str:
    """Only a path on this site (never an open redirect); a form's address becomes its page's."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return FORM_PATH.sub(r"\1", target)
