"""The Litestar application: JSON API, web pages, sessions (web/sessions.py), CSRF, error mapping, the scheduler."""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from litestar import Litestar, MediaType, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import OperationalError

from engine.errors import Unauthenticated, WorkflowError
from runtime.core import Runtime, build_runtime
from web.api_docs import ApiIndexPlugin
from web.deps import DEPENDENCIES, PasswordChangeRequired, guard
from web.errors import HTTP_CHINESE, ErrorBody, error_body, http_body, status_for
from web.headers import security_headers
from web.ops import health, metrics
from web.oversize import oversize_forms
from web.sessions import SessionCSRFMiddleware, csrf_config
from web.throttle import AddressThrottle
from web.ui.common import cn_date
from web.ui.errors import FORM_UPLOAD_PATHS, expired_mid_form, html_error, http_message, too_large_on_form

HERE = Path(__file__).resolve().parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("reform.web")


def beijing_iso(value: datetime) -> str:
    """Every instant the API answers with, in Beijing time with its offset (as people and CONTRACT.md read them)."""
    return value.astimezone(SHANGHAI).isoformat() if value.tzinfo else value.isoformat()

# Each module exposes ROUTES (a list of handlers or routers); one module per area of the system.
ROUTE_MODULES = (
    "web.api.auth",
    "web.api.subjects",
    "web.api.measures",
    "web.api.escalations",
    "web.api.reports",
    "web.api.supervision",
    "web.api.admin",
    "web.ui.routes",
    "web.ui.reports",
)


def template_globals(engine: JinjaTemplateEngine) -> None:
    """What every template (and every macro, imported with or without context) may call."""
    engine.engine.globals.update(cn_date=cn_date)


def collect_routes() -> list:
    handlers: list = [health, metrics]
    for name in ROUTE_MODULES:
        handlers.extend(importlib.import_module(name).ROUTES)
    return handlers


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api", "/schema", "/health", "/metrics"))


def json_error(body: ErrorBody, status: int) -> Response:
    return Response(body, status_code=status, media_type=MediaType.JSON)


def handle_workflow_error(request: Request, exc: WorkflowError) -> Response:
    if isinstance(exc, Unauthenticated) and wants_html(request):
        return expired_mid_form(request) or Redirect(f"/login?next={request.url.path}")
    if isinstance(exc, PasswordChangeRequired) and wants_html(request):
        return Redirect("/password")
    if wants_html(request):  # a person in a browser: a Chinese error page
        return html_error(status_for(exc), exc.message)
    return json_error(error_body(exc), status_for(exc))


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and wants_html(request):
        return Redirect("/login")
    if exc.status_code == 413 and wants_html(request):
        answer = too_large_on_form(request, request.app.state.runtime)
        if answer is not None:
            return answer
    if wants_html(request):
        return html_error(exc.status_code, http_message(exc.status_code, request.method))
    return json_error(http_body(exc.status_code, _parameter_message(exc)), exc.status_code)


def _parameter_message(exc: HTTPException) -> str | None:
    """A refused query or path parameter, named in Chinese (Litestar's own text is English)."""
    extra = getattr(exc, "extra", None)
    if exc.status_code != 400 or not isinstance(extra, list):
        return None
    names = [str(e.get("key")) for e in extra if isinstance(e, dict) and e.get("key")]
    return f"参数 {'、'.join(names)} 的取值无效" if names else None


def handle_unexpected(request: Request, exc: Exception) -> Response:
    """A bug or an outage: logged with its traceback for the operator, a plain sentence for the person."""
    status = 503 if isinstance(exc, OperationalError) else 500
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    if wants_html(request):
        return html_error(status, HTTP_CHINESE[status])
    return json_error(http_body(status), status)


def create_app(runtime: Runtime | None = None, *, scheduler: bool = False) -> Litestar:
    rt = runtime or build_runtime()
    secret = rt.settings.session_secret()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        import anyio.to_thread

        # as many threads serve requests as the database pool has connections (build_runtime)
        anyio.to_thread.current_default_thread_limiter().total_tokens = rt.settings.threads
        jobs = None
        if scheduler:
            from web.scheduler import start_scheduler

            jobs = start_scheduler(rt)
        try:
            yield
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)

    csrf = csrf_config(secret, rt.settings.https)
    body_limit = rt.settings.max_upload_bytes + 1024 * 1024  # a file at the limit and its form's text
    return Litestar(
        route_handlers=[*collect_routes(),
                        create_static_files_router(path="/static", directories=[HERE / "static"],
                                                   include_in_schema=False)],
        dependencies=DEPENDENCIES,
        guards=[guard],
        middleware=[oversize_forms(body_limit, FORM_UPLOAD_PATHS),  # outside the CSRF check, which reads the form
                    DefineMiddleware(SessionCSRFMiddleware, config=csrf)],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine,
                                       engine_callback=template_globals),
        exception_handlers={WorkflowError: handle_workflow_error, HTTPException: handle_http_error,
                            Exception: handle_unexpected},
        type_encoders={datetime: beijing_iso},
        openapi_config=OpenAPIConfig(title="reform 改革事项督办 API", version="0.2.0", path="/schema",
                                     render_plugins=[ApiIndexPlugin(), JsonRenderPlugin()]),
        request_max_body_size=body_limit,
        lifespan=[lifespan],
        before_send=[security_headers(rt.settings.https)],
        state=State({"runtime": rt, "login_throttle": AddressThrottle(rt.engine), "csrf_config": csrf,
                     "started_at": rt.clock.now()}),
        debug=False,
    )


SCHEDULER_ENV = "REFORM_SERVE_SCHEDULER"


def worker_app() -> Litestar:
    """The application of one `reform serve --workers N` process (uvicorn's factory): its own runtime, pool and
    scheduler (the sweep takes turns across processes, see web/scheduler.py)."""
    import os

    return create_app(build_runtime(), scheduler=os.environ.get(SCHEDULER_ENV, "1") == "1")
