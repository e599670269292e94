"""The OpenAPI schema documents every answer: a bounded schemathesis run with every role's token finds no 5xx and
no response that violates the schema (status, content type, body shape), on both databases."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.world import build
from web.app import create_app

ROLES = ("clerk", "head", "reviewer", "office", "admin")
BOUND = settings(max_examples=5, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))


def run_operation(operation, tokens) -> str | None:
    """The first failure schemathesis finds in one operation, or None."""

    @BOUND
    @given(case=operation.as_strategy())
    def check(case):
        for headers in tokens:
            case.call_and_validate(headers=headers)

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected and reported per operation below
        return f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc)[:600]}"
    return None


def test_every_answer_is_documented(rt):
    world = build(rt)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(rt))
    tokens = [world.auth(name) for name in ROLES]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures = [f for f in (run_operation(op, tokens) for op in operations) if f]
    assert failures == [], "\n\n".join(failures)


def test_the_run_reports_a_server_error(rt, monkeypatch):
    from workflows.reform.service import MeasureService

    world = build(rt)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(rt))
    listing = next(op.ok() for op in schema.get_all_operations() if op.ok().path == "/api/measures")
    assert run_operation(listing, [world.auth("office")]) is None

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(MeasureService, "list", broken)
    failure = run_operation(listing, [world.auth("office")])
    assert failure is not None and failure.startswith("GET /api/measures") and "ST10" in failure
