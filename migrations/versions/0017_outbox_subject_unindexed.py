"""outbox: drop the index on subject_id. 0011 kept it for the look-up of rungs fired with nobody to tell; since
0010 those are marked on the escalation itself (escalation.silent, with its own partial index), and no query reads
the outbox by subject any more (the 邮件 page lists by status, the claim by due time). Every row written, taken
and marked sent still added an entry to it: a flush of 2,000 rows wrote 4,000, which slowed the sending on
PostgreSQL by about 4 % of a raw SMTP loop's time.

Revision ID: 0017_outbox_subject_unindexed
Revises: 0016_admin_trail_index
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017_outbox_subject_unindexed'
down_revision: str | None = '0016_admin_trail_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_outbox_subject_id', table_name='outbox')


def downgrade() -> None:
    op.create_index('ix_outbox_subject_id', 'outbox', ['subject_id'], unique=False)
