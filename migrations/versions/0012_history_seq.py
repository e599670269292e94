"""history_seq: the record number is indexed once (its unique constraint), not twice

`history.seq` had the unique constraint's index and a plain index beside it over the same column: every action's
record paid for both, and no query could use one the other does not serve.

Revision ID: 0012_history_seq
Revises: 0011_outbox_idx
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0012_history_seq'
down_revision: str | None = '0011_outbox_idx'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_history_seq', table_name='history')


def downgrade() -> None:
    op.create_index('ix_history_seq', 'history', ['seq'], unique=False)
