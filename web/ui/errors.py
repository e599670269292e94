"""Error pages for people: the status and a Chinese sentence, instead of JSON, on every page path."""

from __future__ import annotations

from litestar.response import Template

from web.errors import HTTP_CHINESE
from web.ui.common import vocabulary

CSRF_MESSAGE = "页面已过期，请返回上一页刷新后重新提交。"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def http_message(status: int, method: str) -> str:
    """Litestar's own refusals in people's words: a 403 on a page's form is the CSRF check (our own refusals
    arrive as WorkflowErrors, not here)."""
    if status == 403 and method not in SAFE_METHODS:
        return CSRF_MESSAGE
    return HTTP_CHINESE.get(status, "操作失败，请稍后重试")


def html_error(status: int, message: str) -> Template:
    return Template(template_name="error.html", status_code=status,
                    context={"status": status, "message": message, "me": None, "nav": [], **vocabulary()})
