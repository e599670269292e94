"""Our own names in an IN are written into the statement when it is compiled (engine.db.constants), not bound as
an expanding parameter rendered again at every execution; anything but a plain name is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from engine.db import constants
from workflows.milestones.service import OPEN, missed_clause
from workflows.models import Measure, Milestone


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=["postgresql", "sqlite"])
def test_the_milestone_check_has_no_expanding_parameter(dialect):
    compiled = select(Measure.id).where(missed_clause(date(2022, 6, 20), Measure.id)).compile(dialect=dialect)
    sql = str(compiled)
    assert "POSTCOMPILE" not in sql
    for state in OPEN:
        assert f"'{state}'" in sql
    assert not any(getattr(b, "expanding", False) for b in compiled.binds.values())


def test_the_written_names_select_what_bound_ones_do(rt, ledger):
    from tests.world import bj, people
    from workflows.roles import OFFICE

    owner = people(rt, {"boss": (OFFICE, None)})["boss"]
    with rt.write() as session:
        mid = session.execute(select(Measure.id).order_by(Measure.id)).scalars().first()
        for state in ("planned", "completed"):
            session.add(Milestone(measure_id=mid, due_date=date(2022, 6, 1), description=state, state=state,
                                  created_by=owner.id, created_at=bj("2022-05-30 10:00"), version=0))
    with rt.read() as session:
        bound = session.execute(select(Milestone.description).where(Milestone.state.in_(sorted(OPEN)))).all()
        written = session.execute(select(Milestone.description)
                                  .where(Milestone.state.in_(constants(sorted(OPEN))))).all()
    assert written == bound == [("planned",)]


@pytest.mark.parametrize("bad", ["open'; DROP TABLE measure; --", "a b", "", "状态"])
def test_anything_but_a_plain_name_is_refused(bad):
    with pytest.raises(ValueError):
        constants([bad])
