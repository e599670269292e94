"""The scheduler ticks with the chosen job options and survives a failing job."""

from __future__ import annotations

import asyncio
import logging

from web.scheduler import JOB_DEFAULTS, in_thread, start_scheduler


def test_scheduler_jobs_coalesce_run_alone_and_never_skip_a_late_run(rt):
    async def started():
        scheduler = start_scheduler(rt)
        try:
            return {job.id: (job.coalesce, job.max_instances, job.misfire_grace_time, job.trigger.interval)
                    for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)

    jobs = asyncio.run(started())
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    assert {k: v[:3] for k, v in jobs.items()} == {"sweep": (True, 1, None), "outbox": (True, 1, None)}
    assert jobs["sweep"][3].total_seconds() == rt.settings.sweep_interval_seconds
    assert jobs["outbox"][3].total_seconds() == rt.settings.outbox_interval_seconds


def test_a_failing_job_is_logged_and_does_not_raise(rt, caplog):
    calls = []

    def broken(runtime) -> None:
        calls.append(runtime)
        raise RuntimeError("database went away")

    with caplog.at_level(logging.ERROR, logger="reform.scheduler"):
        asyncio.run(in_thread(broken, rt)())
    assert calls == [rt] and "scheduled job broken failed" in caplog.text and "database went away" in caplog.text


def test_the_app_lifespan_starts_and_stops_the_scheduler(rt):
    from litestar.testing import TestClient

    from web.app import create_app

    with TestClient(create_app(rt, scheduler=True)) as c:
        assert c.get("/health").json()["status"] == "ok"
