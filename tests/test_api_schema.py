"""The OpenAPI schema documents every answer: a bounded schemathesis run with every role's token finds no 5xx and
no response that violates the schema (status, content type, body shape), on both databases; ids and integers
beyond what the database holds are answered 404 (in the path) or 400 (in the query), never 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

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


HUGE = 99999999999999999999  # beyond SQLite's 64 and PostgreSQL's 32 bits
ANSWERS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def integer_parameters(operation) -> list[tuple[str, str]]:
    """(location, name) of every parameter whose schema is an integer, alone or as one of its choices."""
    found = []
    for param in operation.iter_parameters():
        schema = param.definition.get("schema", {})
        types = [schema.get("type"), *(choice.get("type") for choice in schema.get("oneOf", []))]
        if "integer" in types:
            found.append((param.location.value, param.name))
    return found


def run_huge_integers(operation, tokens) -> list[str]:
    """Each integer parameter of the operation set to HUGE in turn, with every token: 404 in a path, 400 in a query."""
    problems: list[str] = []

    @settings(BOUND, max_examples=1)
    @given(case=operation.as_strategy())
    def check(case):
        for location, name in integer_parameters(operation):
            container = case.path_parameters if location == "path" else case.query
            container[name] = HUGE
            for headers in tokens:
                resp = case.call_and_validate(headers=headers, checks=ANSWERS)
                wanted = 404 if location == "path" else 400
                if resp.status_code != wanted:
                    problems.append(f"{operation.method.upper()} {operation.path} {name}={HUGE}: {resp.status_code}")
            container[name] = 1

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported with the operation
        problems.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc)[:600]}")
    return problems


def test_integers_beyond_the_database_are_refused_not_crashed(rt):
    world = build(rt)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(rt))
    tokens = [world.auth(name) for name in ROLES]
    operations = [result.ok() for result in schema.get_all_operations()]
    with_integers = [op for op in operations if integer_parameters(op)]
    assert len(with_integers) >= 10  # ids in paths, offset, limit, measure=, category=
    problems = [p for op in with_integers for p in run_huge_integers(op, tokens)]
    assert problems == [], "\n".join(problems)


def test_every_answer_is_documented(rt):
    world = build(rt)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(rt))
    tokens = [world.auth(name) for name in ROLES]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures = [f for f in (run_operation(op, tokens) for op in operations) if f]
    assert failures == [], "\n\n".join(failures)


def test_the_run_reports_a_server_error(rt, monkeypatch):
    from runtime.core import Runtime

    world = build(rt)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(rt))
    listing = next(op.ok() for op in schema.get_all_operations() if op.ok().path == "/api/measures")
    assert run_operation(listing, [world.auth("office")]) is None

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Runtime, "measure_list", broken)  # the list's answer, kept or not
    failure = run_operation(listing, [world.auth("office")])
    assert failure is not None and failure.startswith("GET /api/measures") and "ST10" in failure
