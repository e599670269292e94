"""`make bench` builds its synthetic ledger on a database that `reform init` has already written to.

`reform init` records the first admin and the units it configures in the history; the bulk records that follow
must be numbered after them, or the build stops on the history's primary key (as it did on a fresh machine).
"""

from __future__ import annotations

from sqlalchemy import text

from bench.dbs import sqlite_url
from bench.ledgergen import Spec
from bench.synthetic import _populate
from engine.db import make_engine


def test_a_small_synthetic_ledger_builds_after_init_and_verifies(tmp_path):
    url = sqlite_url(tmp_path / "bench.db")
    said: list[str] = []
    phases = _populate(url, Spec(n=120, units=12), said.append, verify=True)  # raises if `audit verify` fails
    assert phases["audit_verify"] > 0
    assert any("audit chain ok" in line for line in said), said
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            imported = conn.execute(text("SELECT COUNT(*) FROM history WHERE action = 'import'")).scalar()
            init_records = conn.execute(text("SELECT COUNT(*) FROM history WHERE workflow <> 'reform_measure' "
                                             "AND workflow <> 'document'")).scalar()
            measures = conn.execute(text("SELECT COUNT(*) FROM measure")).scalar()
    finally:
        engine.dispose()
    assert measures == 120 and imported == 120
    assert init_records >= 1  # what `reform init` recorded is kept, before the bulk records
