"""/health for load balancers and people, /metrics for Prometheus (an admin's token or REFORM_METRICS_TOKEN)."""

from __future__ import annotations

import hmac
from datetime import datetime

import msgspec
from litestar import MediaType, Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from config.settings import SHANGHAI
from engine.errors import PermissionDenied, Unauthenticated
from runtime import health as figures_of
from runtime.core import Runtime
from web.deps import bearer_token
from workflows import accounts
from workflows.roles import ORG


class SchedulerHealth(msgspec.Struct, frozen=True, kw_only=True):
    last_sweep_at: datetime | None
    interval_seconds: int


class OutboxHealth(msgspec.Struct, frozen=True, kw_only=True):
    queued: int
    failed: int
    oldest_queued_seconds: float | None


class CalendarHealth(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    known_until: int | None
    next_year_missing: int | None = None  # only from REFORM_CALENDAR_WARN_FROM on, while that year is provisional


class NoticeHealth(msgspec.Struct, frozen=True, kw_only=True):
    """People the system meant to tell and could not: rungs with nobody to tell, rows with nowhere to go."""

    unaddressed: int
    silent_rungs: int
    rows_without_address: int


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str  # ok, or degraded: the database is away (503) or no sweep for 3 intervals (200)
    database: str
    scheduler: SchedulerHealth | None = None
    outbox: OutboxHealth | None = None
    calendar: CalendarHealth | None = None
    notices: NoticeHealth | None = None


def beijing(instant: datetime | None) -> datetime | None:
    return instant.astimezone(SHANGHAI) if instant else None


def started_at(request: Request) -> datetime:
    return request.app.state.started_at


@get("/health", media_type=MediaType.JSON, sync_to_thread=True, summary="运行状况：数据库、预警扫描、发件箱与工作日历")
def health(request: Request) -> Health:
    rt: Runtime = request.app.state.runtime
    try:
        f = figures_of.figures(rt, started_at(request))
    except SQLAlchemyError as exc:  # the operator needs to see this, not a 500 page
        return Response(Health(status="degraded", database=f"error: {type(exc).__name__}"), status_code=503)
    return Health(status=f.status, database="ok",
                  scheduler=SchedulerHealth(last_sweep_at=beijing(f.last_sweep_at),
                                            interval_seconds=rt.settings.sweep_interval_seconds),
                  outbox=OutboxHealth(queued=f.outbox["queued"], failed=f.outbox["failed"],
                                      oldest_queued_seconds=f.oldest_queued_seconds),
                  calendar=CalendarHealth(known_until=f.known_until, next_year_missing=f.next_year_missing),
                  notices=NoticeHealth(unaddressed=f.silent_rungs + f.rows_without_address,
                                       silent_rungs=f.silent_rungs, rows_without_address=f.rows_without_address))


def check_scraper(rt: Runtime, request: Request) -> None:
    """REFORM_METRICS_TOKEN, or an admin's API token; 401 without a valid token, 403 for anyone else's."""
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated("需要令牌：Authorization: Bearer …", detail="metrics need a bearer token")
    expected = rt.settings.metrics_token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return
    with rt.read() as session:
        user = accounts.user_for_token(session, token, rt.clock.now())
    if user is None:
        raise Unauthenticated("令牌无效或已过期", detail="invalid metrics token")
    if not ORG.in_group(user.role, "administration"):
        raise PermissionDenied("只有系统管理员可以读取运行指标", detail=f"user {user.username!r} may not read metrics")


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    check_scraper(rt, request)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(rt, started_at(request)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Collector:
    def __init__(self, rt: Runtime, started: datetime) -> None:
        self.rt, self.started = rt, started

    def collect(self):
        f = figures_of.figures(self.rt, self.started)
        with self.rt.read() as session:
            c = figures_of.counters(session)
        yield from _gauges(f)
        actions = CounterMetricFamily("reform_actions", "Actions recorded in the audit history",
                                      labels=["workflow", "action"])
        for (workflow, action), n in sorted(c.actions.items()):
            actions.add_metric([workflow, action], n)
        escalations = CounterMetricFamily("reform_escalations", "Escalations fired, by level", labels=["level"])
        for level in self.rt.config.ladder.levels:
            escalations.add_metric([level.code], c.escalations.get(level.code, 0))
        yield actions
        yield escalations
        yield CounterMetricFamily("reform_notices_sent", "Outbox rows delivered", value=c.notices_sent)
        yield CounterMetricFamily("reform_notices_failed", "Outbox rows that ended failed (retried ones included)",
                                  value=c.notices_failed)


def _gauges(f: figures_of.Figures):
    yield GaugeMetricFamily("reform_up", "1 when the status is ok, 0 when degraded", value=int(f.status == "ok"))
    yield GaugeMetricFamily("reform_scheduler_last_sweep_timestamp_seconds", "When the last sweep ran (Unix time)",
                            value=f.last_sweep_at.timestamp() if f.last_sweep_at else 0)
    rows = GaugeMetricFamily("reform_outbox_rows", "Outbox rows by status", labels=["status"])
    for status, n in f.outbox.items():
        rows.add_metric([status], n)
    yield rows
    yield GaugeMetricFamily("reform_outbox_oldest_queued_seconds", "Age of the oldest queued outbox row",
                            value=f.oldest_queued_seconds or 0)
    yield GaugeMetricFamily("reform_calendar_known_until_year", "The last year with an official holiday schedule",
                            value=f.known_until or 0)
    yield GaugeMetricFamily("reform_calendar_next_year_missing", "1 when a year's holiday notice should be imported",
                            value=int(f.next_year_missing is not None))
