"""APScheduler inside `reform serve`: it only ticks; the sweep and the outbox are idempotent database work.

Choices (see STACK-NOTES.md, APScheduler):
- Memory job store, one scheduler per process, never shared. Several processes (`reform serve --workers N`)
  each tick; on PostgreSQL a sweep tick first tries a session advisory lock and skips when another process
  holds it, so one sweep runs at a time. Exactly-once still comes from the database (UNIQUE escalation key,
  SKIP LOCKED claims of the outbox), not from the lock: a crash mid-sweep releases it and the next tick redoes.
- max_instances=1: a slow sweep is never overlapped by the next tick of the same process.
- coalesce=True: after the loop was blocked or the machine slept, missed runs collapse into ONE run;
  the sweep catches up by itself, so running it five times would only add work.
- misfire_grace_time=None: a late run is always run, however late. Skipping it (a small grace time
  silently skipped a 7.5 s-late run) would only delay escalations and mail to the next tick.
- First runs shortly after start-up (not one interval later): a restart after downtime catches up at once.
- Each job runs the synchronous work in a thread (the event loop keeps serving requests); an exception is
  logged and the job stays scheduled.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.settings import SHANGHAI

log = logging.getLogger("reform.scheduler")
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
FIRST_RUN_DELAY = timedelta(seconds=5)


_calendar_warned: dict[str, object] = {}  # the day this process last logged the missing notice


def warn_calendar(rt) -> None:
    """Once a day per process, while next year's (or this year's) holiday notice is missing."""
    missing = rt.calendar_missing()
    today = rt.clock.now().astimezone(SHANGHAI).date()
    if missing and _calendar_warned.get("on") != today:
        _calendar_warned["on"] = today
        log.warning("calendar: the holiday schedule of %s has not been imported; its working days are provisional "
                    "(reform calendar import FILE, or 管理 · 工作日历)", missing)


def run_sweep(rt) -> None:
    with rt.exclusive("sweep") as mine:
        if not mine:  # another worker process is sweeping this tick
            return
        result = rt.sweep()
    warn_calendar(rt)
    if result.fired or result.superseded:
        log.info("sweep: fired %s, superseded %s, %d notices", dict(result.fired), dict(result.superseded),
                 result.notices)
    for measure_id, message in result.calendar_errors + result.errors:
        log.error("sweep: measure %s: %s", measure_id, message)


def run_flush(rt) -> None:
    result = rt.flush()
    if result.sent or result.failed or result.deferred:
        log.info("outbox: sent %d rows in %d emails, failed %d, deferred %d", result.sent, result.emails,
                 result.failed, result.deferred)


def in_thread(work, rt):
    async def job() -> None:
        try:
            await asyncio.to_thread(work, rt)
        except Exception:  # logged, and the scheduler keeps the job for the next tick
            log.exception("scheduled job %s failed", work.__name__)

    job.__name__ = work.__name__
    return job


def start_scheduler(rt) -> AsyncIOScheduler:
    """Start inside the running loop (the app lifespan); the caller calls .shutdown(wait=False)."""
    scheduler = AsyncIOScheduler(timezone=SHANGHAI, job_defaults=JOB_DEFAULTS)
    first = datetime.now(SHANGHAI) + FIRST_RUN_DELAY
    scheduler.add_job(in_thread(run_sweep, rt), "interval", id="sweep", name="escalation sweep",
                      seconds=rt.settings.sweep_interval_seconds, next_run_time=first)
    scheduler.add_job(in_thread(run_flush, rt), "interval", id="outbox", name="outbox delivery",
                      seconds=rt.settings.outbox_interval_seconds, next_run_time=first + FIRST_RUN_DELAY)
    scheduler.start()
    return scheduler
