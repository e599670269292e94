"""outbox_idx: the outbox keeps only the indexes its queries use, two of them partial (rows due, rows failed)

Each claim and each mark of a batch updates its 2,000 rows, and every index of the table took a new entry per
row: ten indexes, seven of which no query read (kind, channel, user, unit, recipient, status, next attempt over
every row ever sent). Kept: the key, dedupe_key (unique: a notice is queued once) and subject_id (the silent
rungs' look-up). Added: next_attempt_at over the rows waiting or being sent (the claim, the operator's flush,
/health's oldest queued) and the ids of failed rows (the 邮件 page, retry).

Revision ID: 0011_outbox_idx
Revises: 0010_sweep_next
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_outbox_idx'
down_revision: str | None = '0010_sweep_next'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# as engine.outbox.DUE_ROWS and FAILED_ROWS at this revision (a migration does not follow later edits of the model)
DUE_ROWS = "status IN ('queued', 'sending')"
FAILED_ROWS = "status = 'failed'"
DROPPED = ('kind', 'channel', 'user_id', 'unit_id', 'recipient', 'status', 'next_attempt_at')


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in DROPPED:
            batch_op.drop_index(f'ix_outbox_{column}')
    op.create_index('ix_outbox_due', 'outbox', ['next_attempt_at'], unique=False,
                    postgresql_where=sa.text(DUE_ROWS), sqlite_where=sa.text(DUE_ROWS))
    op.create_index('ix_outbox_failed', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text(FAILED_ROWS), sqlite_where=sa.text(FAILED_ROWS))


def downgrade() -> None:
    op.drop_index('ix_outbox_failed', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in reversed(DROPPED):
            batch_op.create_index(f'ix_outbox_{column}', [column], unique=False)
