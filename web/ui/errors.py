"""Error pages for people: the status and a Chinese sentence, instead of JSON, on every page path."""

from __future__ import annotations

from litestar.response import Template

from web.ui.common import ROLE_LABELS

HTTP_CHINESE = {
    400: "请求有误，请检查后重试",
    401: "请先登录",
    403: "无权访问此页面或执行此操作",
    404: "找不到该页面或记录",
    405: "不支持该请求方式",
    409: "操作冲突，请刷新后重试",
    413: "文件超过大小限制",
    415: "不支持的文件类型（仅限 PDF、OFD、Word、Excel、JPEG、PNG）",
    422: "请填写必填项",
}
CSRF_MESSAGE = "安全校验失败：表单缺少或带有过期的校验码。请返回并刷新页面后重新提交。"


def message_for(status: int, detail: str = "") -> str:
    if status == 403 and "csrf" in detail.lower():
        return CSRF_MESSAGE
    return HTTP_CHINESE.get(status, "操作失败，请稍后重试")


def html_error(status: int, message: str) -> Template:
    return Template(template_name="error.html", status_code=status,
                    context={"status": status, "message": message, "me": None, "role_labels": ROLE_LABELS})
