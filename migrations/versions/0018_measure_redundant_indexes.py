"""measure: drop ix_measure_state and ix_measure_plan_id. Each is the leading column of another index, which serves
every query the two did: ix_measure_state_due (state, due_date) and the unique (plan_id, seq). A state change is
not a HOT update (state is indexed), so every action wrote an entry into both for nothing: two of the eleven index
entries an approval writes on PostgreSQL.

Revision ID: 0018_measure_redundant_indexes
Revises: 0017_outbox_subject_unindexed
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018_measure_redundant_indexes'
down_revision: str | None = '0017_outbox_subject_unindexed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_measure_state', table_name='measure')
    op.drop_index('ix_measure_plan_id', table_name='measure')


def downgrade() -> None:
    op.create_index('ix_measure_plan_id', 'measure', ['plan_id'], unique=False)
    op.create_index('ix_measure_state', 'measure', ['state'], unique=False)
