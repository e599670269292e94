"""Error pages for people: the status and a Chinese sentence, instead of JSON, on every page path; and the two
refusals that arrive before a form's handler runs (an expired session, a body over the size limit) answered
on the form's own page, so nothing typed and no place is lost."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.utils.scope.state import ScopeState

from web.errors import HTTP_CHINESE
from web.ui.common import vocabulary

CSRF_MESSAGE = "页面已过期：请刷新页面后重新提交；如已退出登录，请重新登录。"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACTION_PATH = re.compile(r"^/measures/(\d+)/actions/([a-z_]+)$")
UPLOAD_PATH = re.compile(r"^/measures/(\d+)/(?:actions/([a-z_]+)|evidence)$")
PROBLEM_UPLOAD_PATH = re.compile(r"^/problems/(\d+)/actions/([a-z_]+)$")
FORM_UPLOAD_PATHS = re.compile(f"{UPLOAD_PATH.pattern}|{PROBLEM_UPLOAD_PATH.pattern}")  # forms that carry files
DRAFT_PREFIX = "draft."
NOT_KEPT = frozenset({"_csrf_token", "files"})
EXPIRED = "您的登录已过期。请重新登录：登录后将回到原来的表单，您填写的内容已保留。"
TITLES = {401: "请先登录", 403: "无权查看或办理", 404: "找不到该页面或记录", 409: "操作冲突", 413: "内容过大",
          415: "文件类型不支持", 422: "内容不完整", 429: "操作过于频繁", 500: "系统出错了", 503: "系统暂时不可用"}


def http_message(status: int, method: str) -> str:
    """Litestar's own refusals in people's words: a 403 on a page's form is the CSRF check (our own refusals
    arrive as WorkflowErrors, not here)."""
    if status == 403 and method not in SAFE_METHODS:
        return CSRF_MESSAGE
    return HTTP_CHINESE.get(status, "操作失败，请稍后重试")


def html_error(status: int, message: str) -> Template:
    return Template(template_name="error.html", status_code=status,
                    context={"status": status, "title": TITLES.get(status, "无法完成"), "message": message,
                             "me": None, "nav": [], **vocabulary()})


def draft_of(request: Request) -> list[tuple[str, str]]:
    """What the refused form carried (text fields only, never the CSRF token or files), as (name, value)."""
    form = ScopeState.from_scope(request.scope).form
    if not isinstance(form, dict):
        return []
    out = []
    for name, value in form.items():
        values = value if isinstance(value, list) else [value]
        out += [(DRAFT_PREFIX + name, v) for v in values if isinstance(v, str) and name not in NOT_KEPT]
    return out


def expired_mid_form(request: Request) -> Template | None:
    """A form sent after the session ended: the sign-in page, carrying the typed text back to the form."""
    found = ACTION_PATH.match(request.url.path)
    if request.method != "POST" or found is None:
        return None
    measure_id, action = found.groups()
    return Template(template_name="login.html", status_code=401,
                    context={"me": None, "nav": [], "error": EXPIRED, "username": "", **vocabulary(),
                             "next": f"/measures/{measure_id}", "draft_action": action, "draft": draft_of(request)})


def too_large_on_form(request: Request, rt: Any) -> Template | None:
    """A body over the limit on a measure's or a problem's form: its page again (not a dead end), naming the limit,
    with the text typed into the form when web.oversize could read it past the files."""
    from web.deps import user_from_request
    from web.oversize import salvaged
    from web.ui import measure, problems
    from web.ui.forms import typed_from
    from web.ui.measure_view import Failure
    from workflows import accounts
    from workflows.access import Access
    from workflows.problems.table import PROBLEM
    from workflows.reform.table import REFORM_MEASURE

    if request.method != "POST":
        return None
    if found := UPLOAD_PATH.match(request.url.path):
        definition, render = REFORM_MEASURE, measure.render
    elif found := PROBLEM_UPLOAD_PATH.match(request.url.path):
        definition, render = PROBLEM, problems.render
    else:
        return None
    user = user_from_request(request)
    if user is None:
        return None
    subject_id, action = int(found.group(1)), found.group(2) or "upload"
    limit = rt.settings.max_upload_bytes // (1024 * 1024)
    size = request.headers.get("content-length", "")
    sent = f"（本次提交约 {int(size) / (1024 * 1024):.1f} MB）" if size.isdigit() else ""
    message = (f"上传未完成：所选文件超过单个文件 {limit} MB 的大小限制{sent}，文件未保存，此次提交未生效。"
               f"请压缩或拆分为不超过 {limit} MB 的文件后重新选择。")
    act, form = definition.action(action), salvaged(request.scope)
    typed = typed_from(act, form) if act is not None and form is not None else {}
    return render(rt, user, Access(accounts.actor_for(user)), subject_id, Failure(action, message, typed), 413)
