"""The one small tree of errors a person can cause: each has a code, the fields it is about, and a Chinese message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: a machine code and the sentence a person reads."""

    code: str  # required | too_long | out_of_range | bad_format | not_a_choice | rule
    message: str


class WorkflowError(Exception):
    """Base of every failure a person can cause (bad input, wrong state, not theirs); never a bug.

    `message` speaks Chinese to people; `detail` names the ids for the log and for developers.
    """

    code = "error"
    default = "操作失败"

    def __init__(self, message: str | None = None, *, detail: str = "",
                 fields: Mapping[str, FieldProblem] | None = None, **params: Any) -> None:
        self.message = message or self.default.format(**params)
        self.detail = detail or self.message
        self.fields: dict[str, FieldProblem] = dict(fields or {})
        self.params = params
        super().__init__(self.detail)


class BadRequest(WorkflowError):
    """A filter, parameter or file a person got wrong (not a workflow field)."""

    code = "bad_request"
    default = "请求有误，请检查后重试"


class Unauthenticated(WorkflowError):
    code = "unauthorized"
    default = "请先登录"


class PermissionDenied(WorkflowError):
    code = "forbidden"
    default = "无权执行此操作"


class NotFound(WorkflowError):
    code = "not_found"
    default = "找不到该记录"


class TransitionNotAllowed(WorkflowError):
    """The action exists but may not happen now: the state, or a condition of the table."""

    code = "transition_not_allowed"
    default = "当前状态下不能执行此操作"


class Conflict(WorkflowError):
    """The request would duplicate something that exists (a second 催办 the same day, say)."""

    code = "conflict"
    default = "操作冲突，请刷新后重试"


class StaleVersion(WorkflowError):
    code = "stale_version"
    default = "该事项已被他人更新，请刷新后重试（您填写的内容已保留）"

    def __init__(self, subject_id: object, expected: int | None, actual: int | None) -> None:
        super().__init__(detail=f"subject {subject_id}: version {expected} is stale, current version is {actual}")
        self.subject_id, self.expected, self.actual = subject_id, expected, actual


class InvalidFields(WorkflowError):
    """One or more fields are missing or invalid; each names its problem."""

    code = "invalid_fields"
    default = "请检查标出的各项"

    def __init__(self, action: str, fields: Mapping[str, FieldProblem], labels: Mapping[str, str] | None = None
                 ) -> None:
        named = "、".join((labels or {}).get(name, name) for name in fields)
        first = next(iter(fields.values())).message if len(fields) == 1 else ""
        message = first or (f"请检查标出的各项：{named}" if named else self.default)
        detail = f"action {action!r}: " + ", ".join(f"{k}: {p.code}" for k, p in fields.items())
        super().__init__(message, detail=detail, fields=fields)
        self.action = action


class TooLarge(WorkflowError):
    code = "too_large"
    default = "文件超过大小限制"


class UnsupportedType(WorkflowError):
    code = "unsupported_type"
    default = "不支持的文件类型（仅限 PDF、OFD、Word、Excel、JPEG、PNG）"


class TooManyAttempts(WorkflowError):
    code = "too_many_attempts"
    default = "登录失败次数过多，请 10 分钟后再试"


class DefinitionError(ValueError):
    """A workflow table that cannot be run (a bug in the table, not a person's error); lists every problem."""

    def __init__(self, workflow: str, problems: list[str]) -> None:
        super().__init__(f"workflow {workflow!r} is invalid:\n- " + "\n- ".join(problems))
        self.workflow, self.problems = workflow, problems
