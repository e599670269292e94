"""Measures imported before 举措编号 existed get their keys from the migration, in plan order, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.db import make_engine
from migrations.runner import upgrade
from tests.conftest import fresh_pg_database

ROWS = [(1, "1"), (2, "1"), (3, "33"), (4, "2"), (5, "33")]  # (seq, item number): items repeat and interleave


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with fresh_pg_database("reform_keys") as found:
            yield found


def test_the_migration_gives_existing_measures_their_keys_in_plan_order(url):
    engine = make_engine(url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            for plan_id, code in ((1, "wulong-2022"), (2, "t-2023")):
                conn.execute(text("INSERT INTO plan (id, code, title, doc_no, issuer) VALUES (:i, :c, 't', '', '')"),
                             {"i": plan_id, "c": code})
            conn.execute(text("INSERT INTO category (id, plan_id, seq, title) VALUES (1, 1, 1, 'c'), (2, 2, 1, 'c')"))
            items = {}
            for n, (plan, no) in enumerate([(1, "1"), (1, "33"), (1, "2"), (2, "1")], start=1):
                conn.execute(text("INSERT INTO item (id, plan_id, category_id, seq, item_no, title, state, version) "
                                  "VALUES (:i, :p, :p, :i, :no, :t, 'listed', 0)"),
                             {"i": n, "p": plan, "no": no, "t": f"事项{no}"})
                items[(plan, no)] = n
            rows = [(1, seq, no) for seq, no in ROWS] + [(2, 1, "1")]
            for mid, (plan, seq, no) in enumerate(rows, start=1):
                conn.execute(text(
                    "INSERT INTO measure (id, plan_id, item_id, seq, text, due_text, deadline_version, key, note, "
                    "declared_done, state, version, last_progress, extension_reason, typical_case, case_text) VALUES "
                    "(:id, :p, :item, :seq, 'x', '', 1, false, '', false, 'assigned', 1, '', '', false, '')"),
                    {"id": mid, "p": plan, "item": items[(plan, no)], "seq": seq})
        upgrade(engine)
        with engine.connect() as conn:
            keys = [k for (k,) in conn.execute(text("SELECT key_code FROM measure ORDER BY id"))]
    finally:
        engine.dispose()
    assert keys == ["WL22-001-1", "WL22-001-2", "WL22-033-1", "WL22-002-1", "WL22-033-2", "T23-001-1"]
