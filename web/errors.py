"""The one place where errors become HTTP statuses, JSON bodies and the sentences people read."""

from __future__ import annotations

import msgspec

from engine.errors import (
    BadRequest,
    Conflict,
    InvalidFields,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TooLarge,
    TooManyAttempts,
    TransitionNotAllowed,
    Unauthenticated,
    UnsupportedType,
    WorkflowError,
)

STATUS = {
    BadRequest: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    StaleVersion: 409,
    TransitionNotAllowed: 409,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedType: 415,
    InvalidFields: 422,
    TooManyAttempts: 429,
}
# Errors Litestar raises itself (routing, body size, parameter parsing), in the words of people.
HTTP_CHINESE = {
    400: "请求有误，请检查后重试",
    401: "请先登录",
    403: "无权访问此页面或执行此操作",
    404: "找不到该页面或记录",
    405: "不支持该请求方式",
    409: "操作冲突，请刷新后重试",
    413: "上传的内容超过大小限制",
    415: "不支持的文件类型（仅限 PDF、OFD、Word、Excel、JPEG、PNG）",
    422: "提交的内容不完整或格式有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统内部错误，已记录日志，请稍后重试或联系系统管理员",
    503: "数据库暂时不可用，请稍后重试；如持续出现请联系系统管理员",
}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "too_large", 415: "unsupported_type", 422: "invalid_fields",
              429: "too_many_attempts", 500: "internal_error", 503: "unavailable"}


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    """Every error answer of the API: a code, the sentence for people, and each field's problem."""

    error: str
    detail: str
    message: str
    fields: dict[str, str] = {}
    codes: dict[str, str] = {}


def status_for(exc: WorkflowError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(exc: WorkflowError) -> ErrorBody:
    return ErrorBody(error=exc.code, detail=exc.message, message=exc.message,
                     fields={name: p.message for name, p in exc.fields.items()},
                     codes={name: p.code for name, p in exc.fields.items()})


def http_body(status: int, message: str | None = None) -> ErrorBody:
    text = message or HTTP_CHINESE.get(status, "操作失败，请稍后重试")
    return ErrorBody(error=HTTP_CODES.get(status, "error"), detail=text, message=text)


def error_responses() -> dict:
    """The error answers every API operation documents (OpenAPI), with their shape."""
    from litestar.openapi.datastructures import ResponseSpec

    return {status: ResponseSpec(data_container=ErrorBody, description=HTTP_CHINESE[status])
            for status in (400, 401, 403, 404, 409, 413, 415, 422, 429)}
