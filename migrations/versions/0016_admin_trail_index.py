"""history: a partial index on the records of people's changes outside the workflows (users, units, sign-in
security, ledger imports, calendars, outbox retries), which 管理 · 操作记录 lists newest first.

Revision ID: 0016_admin_trail_index
Revises: 0015_export_job
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_admin_trail_index'
down_revision: str | None = '0015_export_job'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# as workflows.audit_log.ADMIN_RECORDS was when this was written
ADMIN_RECORDS = "workflow IN ('user', 'unit', 'signin', 'ledger', 'calendar', 'outbox')"


def upgrade() -> None:
    op.create_index('ix_history_admin_seq', 'history', ['seq'], unique=False,
                    postgresql_where=sa.text(ADMIN_RECORDS), sqlite_where=sa.text(ADMIN_RECORDS))


def downgrade() -> None:
    op.drop_index('ix_history_admin_seq', table_name='history')
