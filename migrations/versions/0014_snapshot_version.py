"""snapshot_version: the data version is the snapshot of finished transactions (pg_current_snapshot), read by the
figures' cache; the sequence each writing connection moved on its way back to the pool (one more round trip per
change) is dropped.

Revision ID: 0014_snapshot_version
Revises: 0013_login_failure
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0014_snapshot_version'
down_revision: str | None = '0013_login_failure'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA_VERSION = "reform_data_version"  # the sequence 0009_perf2 created


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SEQUENCE IF EXISTS {DATA_VERSION}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS {DATA_VERSION}")
