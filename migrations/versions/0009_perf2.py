"""perf2: the data version, a PostgreSQL sequence moved after every change (engine.db.DATA_VERSION), under which
the whole-ledger figures are kept; SQLite has none (its figures are computed per request).

Revision ID: 0009_perf2
Revises: 0008_perfwrite
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0009_perf2'
down_revision: str | None = '0008_perfwrite'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA_VERSION = "reform_data_version"  # as engine.db.DATA_VERSION at this revision


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS {DATA_VERSION}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SEQUENCE IF EXISTS {DATA_VERSION}")
