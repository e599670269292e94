"""The Litestar application: JSON API, web pages, sessions, CSRF, error mapping and the scheduler."""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from engine.errors import WorkflowError
from runtime.core import Runtime, build_runtime
from web.deps import DEPENDENCIES, api_guard
from web.errors import Unauthenticated, chinese_for, error_body, status_for
from web.ui.errors import html_error
from web.ui.errors import message_for as html_message_for

HERE = Path(__file__).resolve().parent
log = logging.getLogger("reform.web")

# Each module exposes ROUTES (a list of handlers or routers); one module per area of the system.
ROUTE_MODULES = (
    "web.api.auth",
    "web.api.measures",
    "web.api.escalations",
    "web.api.reports",
    "web.ui.routes",
    "web.ui.reports",
)


def collect_routes() -> list:
    handlers: list = [health]
    for name in ROUTE_MODULES:
        handlers.extend(importlib.import_module(name).ROUTES)
    return handlers


@get("/health", media_type=MediaType.JSON, sync_to_thread=True, include_in_schema=True)
def health(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Response({"status": "ok", "database": "ok"})
    except Exception as exc:  # the operator needs to see this, not a 500 page
        return Response({"status": "degraded", "database": f"error: {type(exc).__name__}"}, status_code=503)


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api", "/schema", "/health"))


def handle_workflow_error(request: Request, exc: WorkflowError) -> Response:
    if isinstance(exc, Unauthenticated) and wants_html(request):
        return Redirect(f"/login?next={request.url.path}")
    if wants_html(request):  # a person in a browser: a Chinese error page
        return html_error(status_for(exc), chinese_for(exc))
    return Response(error_body(exc), status_code=status_for(exc), media_type=MediaType.JSON)


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and wants_html(request):
        return Redirect("/login")
    if wants_html(request):
        return html_error(exc.status_code, html_message_for(exc.status_code, str(exc.detail)))
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_type",
            422: "invalid"}.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    body = {"error": code, "detail": detail}
    if getattr(exc, "extra", None):
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code, media_type=MediaType.JSON)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    """A bug or an outage: logged with its traceback for the operator, a plain sentence for the person."""
    if isinstance(exc, OperationalError):
        status, message = 503, "数据库暂时不可用，请稍后重试；如持续出现请联系系统管理员"
    else:
        status, message = 500, "系统内部错误，已记录日志，请稍后重试或联系系统管理员"
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    if wants_html(request):
        return html_error(status, message)
    code = "unavailable" if status == 503 else "internal_error"
    return Response({"error": code, "detail": type(exc).__name__, "message": message}, status_code=status,
                    media_type=MediaType.JSON)


def create_app(runtime: Runtime | None = None, *, scheduler: bool = False) -> Litestar:
    rt = runtime or build_runtime()
    secret = rt.settings.session_secret()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        jobs = None
        if scheduler:
            from web.scheduler import start_scheduler

            jobs = start_scheduler(rt)
        try:
            yield
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)

    session_config = CookieBackendConfig(secret=secret, key="reform_session", httponly=True,
                                         samesite="lax", secure=rt.settings.https, max_age=12 * 3600)
    return Litestar(
        route_handlers=[*collect_routes(),
                        create_static_files_router(path="/static", directories=[HERE / "static"])],
        dependencies=DEPENDENCIES,
        guards=[api_guard],
        middleware=[session_config.middleware],
        csrf_config=CSRFConfig(secret=secret.hex(), cookie_name="reform_csrf", header_name="x-csrftoken",
                               cookie_samesite="lax", cookie_secure=rt.settings.https,
                               exclude=["/api", "/schema", "/health"]),
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        exception_handlers={WorkflowError: handle_workflow_error, HTTPException: handle_http_error,
                            Exception: handle_unexpected},
        openapi_config=OpenAPIConfig(title="reform 改革事项督办 API", version="0.1.0", path="/schema"),
        request_max_body_size=rt.settings.max_upload_bytes + 1024 * 1024,
        lifespan=[lifespan],
        state=State({"runtime": rt}),
        debug=False,
    )
