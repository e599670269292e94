"""/health says when the last sweep ran (from the database, whichever process ran it), how the outbox and the
calendar stand, and turns "degraded" after three missed sweeps; /metrics serves the same in Prometheus text,
counted in the database, to an admin's token or REFORM_METRICS_TOKEN only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from runtime.calendar import import_notice
from runtime.core import Runtime
from tests.mail_support import mail_runtime, running_sink
from tests.test_calendar_import import NOTICE_2027
from tests.test_mail_delivery import overdue_world
from tests.world import bj, headers
from tests.world import esc_measure as measure
from web.app import create_app
from workflows.accounts_models import User


def get_health(rt) -> dict:
    with TestClient(create_app(rt)) as c:
        resp = c.get("/health")
    assert resp.status_code == 200
    return resp.json()


def test_health_reports_scheduler_outbox_and_calendar(rt):
    fresh = get_health(rt)
    assert fresh == {"status": "ok", "database": "ok",
                     "scheduler": {"last_sweep_at": None, "interval_seconds": 300},
                     "outbox": {"queued": 0, "failed": 0, "oldest_queued_seconds": None},
                     "calendar": {"known_until": 2026},
                     "notices": {"unaddressed": 0, "silent_rungs": 0, "rows_without_address": 0}}
    measure(rt, date(2022, 6, 10))
    rt.sweep()
    rt.clock.advance(timedelta(seconds=90))
    found = get_health(rt)
    assert found["scheduler"]["last_sweep_at"] == "2022-06-20T09:00:00+08:00"
    assert found["outbox"] == {"queued": 2, "failed": 0, "oldest_queued_seconds": 90.0}
    assert found["status"] == "ok"


def test_a_database_that_does_not_answer_is_degraded_503(rt, tmp_path):
    from engine.db import make_engine

    away = Runtime(config=rt.config, engine=make_engine(f"sqlite:///{tmp_path}/no/such/dir/reform.db"),
                   clock=rt.clock)
    with TestClient(create_app(away)) as c:
        resp = c.get("/health")
    assert resp.status_code == 503
    assert (resp.json()["status"], resp.json()["database"]) == ("degraded", "error: OperationalError")


def test_a_sweep_by_another_process_counts_and_three_missed_intervals_degrade(rt):
    other = Runtime(config=rt.config, engine=rt.engine, clock=rt.clock)  # another process, same database
    other.sweep()
    with TestClient(create_app(rt)) as c:
        assert c.get("/health").json()["scheduler"]["last_sweep_at"] == "2022-06-20T09:00:00+08:00"
        rt.clock.advance(timedelta(seconds=3 * 300))
        assert c.get("/health").json()["status"] == "ok"
        rt.clock.advance(timedelta(seconds=1))
        late = c.get("/health")
        assert late.status_code == 200 and late.json()["status"] == "degraded"
        rt.sweep()
        assert c.get("/health").json()["status"] == "ok"


def test_a_scheduler_that_never_swept_is_noticed_too(rt):
    with TestClient(create_app(rt)) as c:
        assert c.get("/health").json()["status"] == "ok"  # just started
        rt.clock.advance(timedelta(seconds=3 * 300 + 1))
        assert c.get("/health").json()["status"] == "degraded"


def test_the_missing_calendar_is_in_health_from_the_first_of_november(rt):
    rt.clock.set(bj("2026-10-31 09:00"))
    assert get_health(rt)["calendar"] == {"known_until": 2026}
    rt.clock.set(bj("2026-11-01 09:00"))
    assert get_health(rt)["calendar"] == {"known_until": 2026, "next_year_missing": 2027}
    later = replace(rt.config, settings=rt.settings.model_copy(update={"calendar_warn_from": "12-01"}))
    rt = Runtime(config=later, engine=rt.engine, clock=rt.clock)
    assert get_health(rt)["calendar"] == {"known_until": 2026}


def metric_values(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_need_an_admin_token_or_the_metrics_token(rt):
    overdue_world(rt)  # its people: clerk, rev, admin
    with rt.read() as session:
        users = {u.username: u for u in session.exec(select(User))}
    with TestClient(create_app(rt)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        refused = c.get("/metrics", headers=headers(rt, users["rev"]))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        ok = c.get("/metrics", headers=headers(rt, users["admin"]))
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
    token_rt = Runtime(config=replace(rt.config, settings=rt.settings.model_copy(
        update={"metrics_token": "scrape-secret-0123456789"})), engine=rt.engine, clock=rt.clock)
    with TestClient(create_app(token_rt)) as c:
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"}).status_code == 200
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-secret-x"}).status_code == 401


def test_metrics_are_counted_in_the_database(rt):
    mail_rt = mail_runtime(rt)
    overdue_world(mail_rt)  # four L2 rungs, eight notices
    import_notice(rt, NOTICE_2027, "admin")  # one audited action
    with running_sink(mail_rt):
        mail_rt.flush()
    with mail_rt.read() as session:
        admin = session.exec(select(User).where(User.username == "admin")).one()
    other = Runtime(config=rt.config, engine=rt.engine, clock=rt.clock)  # another process answers the scrape
    with TestClient(create_app(other)) as c:
        values = metric_values(c.get("/metrics", headers=headers(rt, admin)).text)
    assert values[("reform_escalations_total", (("level", "L2"),))] == 4
    assert values[("reform_escalations_total", (("level", "L0"),))] == 0
    assert values[("reform_notices_sent_total", ())] == 8 and values[("reform_notices_failed_total", ())] == 0
    assert values[("reform_outbox_rows", (("status", "sent"),))] == 8
    assert values[("reform_scheduler_last_sweep_timestamp_seconds", ())] == bj("2022-06-20 09:00").timestamp()
    assert values[("reform_calendar_known_until_year", ())] == 2027 and values[("reform_up", ())] == 1
    assert values[("reform_actions_total", (("action", "import"), ("workflow", "calendar")))] == 1
