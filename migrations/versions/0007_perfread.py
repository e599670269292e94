"""perfread: indexes for the lights in SQL (state and deadline of measures and milestones)

Revision ID: 0007_perfread
Revises: 0006_notify
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0007_perfread'
down_revision: str | None = '0006_notify'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_measure_state_due', 'measure', ['state', 'due_date'], unique=False)
    op.create_index('ix_milestone_state_due', 'milestone', ['state', 'due_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_milestone_state_due', table_name='milestone')
    op.drop_index('ix_measure_state_due', table_name='measure')
