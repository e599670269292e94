"""`reform serve` on a database that `reform init` has not brought to this code's migration refuses to start, in
Chinese, instead of answering every sign-in with a 500 (an upgrade whose `reform init` was forgotten)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from migrations.runner import behind, current_heads, upgrade

BIN = Path(sys.executable).parent


def serve(url: str) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("REFORM_")}, "REFORM_DATABASE_URL": url,
           "REFORM_SECRET_KEY": "s" * 40}
    return subprocess.run([str(BIN / "reform"), "serve", "--port", "1", "--no-scheduler"], env=env,
                          capture_output=True, text=True, timeout=60)


def test_an_empty_database_is_refused_with_what_to_do(tmp_path):
    done = serve(f"sqlite:///{tmp_path / 'empty.db'}")
    assert done.returncode == 2 and "数据库尚未初始化" in done.stderr and "reform init" in done.stderr


def test_a_database_one_migration_behind_is_refused_and_init_mends_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0012_history_seq")
    why = behind(engine)
    assert why is not None and "0012_history_seq" in why and current_heads()[0] in why
    done = serve(url)
    assert done.returncode == 2 and "0012_history_seq" in done.stderr
    upgrade(engine)
    assert behind(engine) is None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == current_heads()[0]
    engine.dispose()
