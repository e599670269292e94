"""notify: group robots per unit, each person's channels, outbox rows to a unit's endpoint and why a row failed

Revision ID: 0006_notify
Revises: 0005_security
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006_notify'
down_revision: str | None = '0005_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unit_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'url')
    )
    with op.batch_alter_table('unit_webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_webhook_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reach', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='both'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reach', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('failure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
    # rows that failed before the reason had a column: the one reason delivery could name then
    op.execute("UPDATE outbox SET failure = 'no_address' WHERE status = 'failed' AND attempts = 0")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('failure')
        batch_op.drop_column('endpoint_id')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('reach')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('reach')
    with op.batch_alter_table('unit_webhook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_webhook_unit_id'))
    op.drop_table('unit_webhook')
