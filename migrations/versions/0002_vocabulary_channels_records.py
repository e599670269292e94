"""one vocabulary: outbox rows addressed to a person or unit on a channel; milestones and items as records

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='email'))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_unit_id'), ['unit_id'], unique=False)
    # rows queued before the channel seam named an address: find its person (or unit) again
    op.execute('UPDATE outbox SET user_id = (SELECT u.id FROM "user" u WHERE lower(u.email) = lower(outbox.recipient) '
               'ORDER BY u.id LIMIT 1) WHERE user_id IS NULL')
    op.execute('UPDATE outbox SET unit_id = (SELECT n.id FROM unit n WHERE lower(n.head_email) = lower(outbox.recipient) '
               'ORDER BY n.id LIMIT 1) WHERE user_id IS NULL AND unit_id IS NULL')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='planned'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.execute("UPDATE milestone SET state = 'completed' WHERE done_at IS NOT NULL")
    op.execute("UPDATE milestone SET version = (SELECT count(*) FROM history h WHERE h.workflow = 'milestone' "
               "AND h.subject_id = milestone.id) WHERE EXISTS (SELECT 1 FROM history h WHERE h.workflow = 'milestone' "
               "AND h.subject_id = milestone.id)")
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='listed'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE item SET version = (SELECT count(*) FROM history h WHERE h.workflow = 'item' "
               "AND h.subject_id = item.id)")


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('state')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('state')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_unit_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_channel'))
        batch_op.drop_column('unit_id')
        batch_op.drop_column('user_id')
        batch_op.drop_column('channel')
