"""The one place where domain errors become HTTP statuses, JSON bodies and Chinese messages."""

from __future__ import annotations

from engine.errors import (
    MissingField,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionNotAllowed,
    WorkflowError,
)
from workflows.evidence import FileTooLarge, FileTypeRefused


class InputError(WorkflowError, ValueError):
    """Bad input from a person that is not a workflow field (a filter, a date, a file)."""

    code = "bad_request"


class Unauthenticated(WorkflowError):
    code = "unauthorized"


class TooLarge(WorkflowError):
    code = "too_large"


class UnsupportedType(WorkflowError):
    code = "unsupported_type"


class TooManyAttempts(WorkflowError):
    """Too many failed sign-ins from one address; try again later."""

    code = "too_many_attempts"


STATUS = {
    TooManyAttempts: 429,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    StaleVersion: 409,
    TransitionNotAllowed: 409,
    TooLarge: 413,
    UnsupportedType: 415,
    FileTooLarge: 413,
    FileTypeRefused: 415,
    MissingField: 422,
    InputError: 400,
}

CHINESE = {
    TooManyAttempts: "登录失败次数过多，请 10 分钟后再试",
    Unauthenticated: "请先登录",
    PermissionDenied: "无权执行此操作",
    NotFound: "找不到该记录",
    StaleVersion: "该事项已被他人更新，请刷新后重试（您填写的内容已保留）",
    TransitionNotAllowed: "当前状态下不能执行此操作",
    TooLarge: "文件超过大小限制",
    UnsupportedType: "不支持的文件类型（仅限 PDF、OFD、Word、Excel、JPEG、PNG）",
    FileTooLarge: "文件超过大小限制",
    FileTypeRefused: "不支持的文件类型（仅限 PDF、OFD、Word、Excel、JPEG、PNG）",
    MissingField: "请填写必填项",
    InputError: "输入有误",
}


def status_for(exc: WorkflowError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def chinese_for(exc: WorkflowError) -> str:
    if getattr(exc, "for_people", False):  # the error already speaks Chinese to a person
        return str(exc)
    for cls in type(exc).__mro__:
        if cls in CHINESE:
            base = CHINESE[cls]
            break
    else:
        base = "操作失败"
    if isinstance(exc, MissingField):
        return f"{base}：{'、'.join(exc.fields)}"
    if isinstance(exc, TransitionNotAllowed) and "refused:" in str(exc):
        return str(exc).split("refused:", 1)[1].strip()
    return base


def error_body(exc: WorkflowError) -> dict:
    body = {"error": exc.code, "detail": str(exc), "message": chinese_for(exc)}
    if isinstance(exc, MissingField):
        body["fields"] = exc.problems
    return body
