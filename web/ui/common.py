"""What every page handler shares: dependency types, the page renderer, redirects and the vocabulary."""

from __future__ import annotations

import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import MediaType, Request, Response
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from engine.errors import WorkflowError
from runtime.core import Runtime
from web.errors import status_for
from workflows.access import Access
from workflows.accounts_models import User
from workflows.dates import cn_date
from workflows.lights import LIGHT_LABELS
from workflows.models import Unit
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG

RT = NamedDependency[Runtime]
Me = NamedDependency[User]
Who = NamedDependency[Access]
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORM_PATH = re.compile(r"^(/measures/\d+)/(?:actions/.*|evidence)$")
# (path, label, role group that sees it, or None for everyone signed in)
NAV = (("/", "工作台", None), ("/ledger", "台账", None), ("/overview", "总览", None), ("/reports", "报表", None),
       ("/problems", "问题", None), ("/documents", "文书", None), ("/cockpit", "驾驶舱", "cockpit"),
       ("/mail", "邮件", "outbox"), ("/admin", "管理", "administration"), ("/help", "帮助", None))


def nav_for(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(path, label) for path, label, group in NAV if group is None or ORG.in_group(user.role, group)]


def unit_name(rt: Runtime, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    with rt.read() as session:
        unit = session.get(Unit, unit_id)
        return unit.name if unit else ""


def vocabulary() -> dict[str, Any]:
    """The words every template may use, all from the declarations."""
    return {"role_labels": ORG.labels, "state_labels": REFORM_MEASURE.state_labels,
            "action_labels": REFORM_MEASURE.action_labels, "light_labels": LIGHT_LABELS,
            "states": {s.name: s for s in REFORM_MEASURE.states}, "cn_date": cn_date}


def page(rt: Runtime, user: User | None, template: str, status: int = 200, **context: Any) -> Template:
    """Render a page inside the layout, with the person, the navigation and the vocabulary."""
    base = {"me": user, "me_unit": unit_name(rt, user.unit_id) if user else "", "nav": nav_for(user),
            "me_sees_all": bool(user) and ORG.in_group(user.role, "see_all"), "demo": rt.settings.demo,
            **vocabulary()}
    return Template(template_name=template, context=base | context, status_code=status)


def kept_page(request: Request, rt: Runtime, session, user: User, template: str, key: tuple, **context: Any
              ) -> Response:
    """A page every part of which follows from `key` (the data version comes with rt.answers), the reader and
    this browser session's CSRF token (the sign-out form holds it): drawn once per those, then kept, so a reader
    refreshing it costs the sign-in check and the version. Only for pages that show nothing else of the moment."""
    token = ScopeState.from_scope(request.scope).csrf_token or ""

    def draw() -> bytes:  # kept encoded: a big page's UTF-8 encoding cost as much as the rest of a refresh
        layout = page(rt, user, template, **context)
        return request.app.template_engine.engine.get_template(template).render(
            **layout.create_template_context(request)).encode()

    html = rt.answers.get(session, ("page", template, request.url.path, *key, user.id, token), draw)
    return Response(html, media_type=MediaType.HTML)


def fragment(request: Request, template: str, **context: Any) -> Markup:
    """A part of a page rendered on its own, with the vocabulary: the same for every reader of the same figures,
    so it is kept with them (never a part holding a form's token)."""
    engine = request.app.template_engine.engine  # type: ignore[union-attr]
    return Markup(engine.get_template(template).render(**vocabulary(), **context))


def failed(rt: Runtime, user: User | None, template: str, exc: WorkflowError, **context: Any) -> Template:
    """The same page again with the error in Chinese and the matching status."""
    return page(rt, user, template, status_for(exc), error=exc.message, **context)


def see_other(url: str) -> Redirect:
    """After a POST: the browser fetches the next page with GET."""
    return Redirect(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site (never an open redirect); a form's address becomes its page's."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return FORM_PATH.sub(r"\1", target)
