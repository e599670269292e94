"""The engine's small tree of named errors; each carries the ids it is about."""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of every workflow failure a person can cause."""

    code = "workflow_error"


class NotFound(WorkflowError, LookupError):
    code = "not_found"


class PermissionDenied(WorkflowError, PermissionError):
    code = "forbidden"


class TransitionNotAllowed(WorkflowError):
    code = "transition_not_allowed"


class StaleVersion(WorkflowError):
    code = "stale_version"

    def __init__(self, subject_id: object, expected: int | None, actual: int | None) -> None:
        super().__init__(f"subject {subject_id}: version {expected} is stale, current version is {actual}")
        self.subject_id, self.expected, self.actual = subject_id, expected, actual


class MissingField(WorkflowError, ValueError):
    code = "missing_field"

    def __init__(self, action: str, fields: list[str], problems: dict[str, str] | None = None) -> None:
        detail = ", ".join(f"{name}: {problems[name]}" if problems and name in problems else name
                           for name in fields)
        super().__init__(f"action {action!r}: missing or invalid fields: {detail}")
        self.action, self.fields, self.problems = action, fields, problems or {}


class DefinitionError(ValueError):
    """A workflow table that cannot be run; lists every problem at once."""

    def __init__(self, workflow: str, problems: list[str]) -> None:
        super().__init__(f"workflow {workflow!r} is invalid:\n- " + "\n- ".join(problems))
        self.workflow, self.problems = workflow, problems
