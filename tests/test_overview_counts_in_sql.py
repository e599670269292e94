"""总览 and 驾驶舱 count in SQL exactly what the Python light rule gives measure by measure (Wulong 2022 ledger)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tests.world import bj
from web.ui.overview_data import OVERDUE_SHOWN, overview
from workflows import accounts
from workflows.cockpit import build
from workflows.models import Measure
from workflows.reform.table import REFORM_MEASURE


def rt_access(rt, user):
    from workflows.access import access_for

    return access_for(accounts.actor_for(user))


def test_overview_counts_equal_the_rule_measure_by_measure(rt, ledger):
    with rt.write() as session:  # spread the deadlines so every light occurs
        for n, m in enumerate(session.execute(select(Measure).order_by(Measure.id)).scalars()):
            m.due_date = m.due_date and m.due_date.replace(day=1 + n % 28, month=1 + n % 12)
    rt.clock.set(bj("2022-06-20 09:00"))
    office, unit = rt_access(rt, _user(rt, "office", None)), rt_access(rt, _user(rt, "unit_staff", "区财政局"))
    for access in (office, unit):
        with rt.read() as session:
            every = rt.measures.every(session, access)
            ov = overview(rt, session, access, rt.clock.now())
            cockpit = build(session, access, rt.measures.light_sql(rt.clock.now()), rt.instructions)
        assert every, "the ledger has measures this actor sees"
        lights = Counter(str(m.light) if m.light else None for m in every)
        assert ov.lights == dict(lights) and lights["red"]
        assert access is unit or (lights["yellow"] and lights["green"])
        assert ov.total == len(every)
        assert ov.by_state == {s: sum(1 for m in every if m.state == s) for s in REFORM_MEASURE.state_names}
        by_unit: dict[str, Counter] = {}
        by_category: dict[str, Counter] = {}
        for m in every:
            by_unit.setdefault(m.primary_unit or "（无）", Counter())[m.state] += 1
            by_category.setdefault(m.category, Counter())[m.state] += 1
        assert dict(ov.by_unit) == {u: dict(n) for u, n in by_unit.items()}
        assert dict(ov.by_category) == {c: dict(n) for c, n in by_category.items()}
        assert [c for c, _ in ov.by_category] == list(dict.fromkeys(m.category for m in every))  # the plan's order
        assert ov.key_total == sum(1 for m in every if m.key)
        assert ov.reviewer_overdue == sum(1 for m in every if m.light_detail.reviewer_overdue)
        red = sorted((m for m in every if m.light == "red"), key=lambda m: (m.due_date, m.id))
        assert [m.id for m in ov.overdue] == [m.id for m in red][:OVERDUE_SHOWN]
        assert cockpit.overdue == lights["red"]
        soon = [m for m in every if m.light_detail.due_in_workdays is not None
                and m.light_detail.due_in_workdays <= rt.config.ladder.due_soon_within]
        assert cockpit.due_soon == len(soon)


def _user(rt, role: str, unit: str | None):
    with rt.write() as session:
        return accounts.add_user(session, f"u_{role}", role, "correct-horse-1", rt.clock.now(), unit_name=unit,
                                 email=f"u_{role}@wulong.example", display_name=role)
