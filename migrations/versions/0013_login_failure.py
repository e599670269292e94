"""login_failure: failed sign-ins by client address, in the database instead of each process's memory

With `reform serve --workers N` every process kept its own count, so a guessing client had N times the
throttle's allowance (and a restart gave it back). The rows live for the throttle's window.

Revision ID: 0013_login_failure
Revises: 0012_history_seq
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013_login_failure'
down_revision: str | None = '0012_history_seq'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_failure_address_at', 'login_failure', ['address', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failure_address_at', table_name='login_failure')
    op.drop_table('login_failure')
