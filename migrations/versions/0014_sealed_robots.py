"""sealed_robots: a group robot's URL (its token) and 加签 secret are stored sealed (engine.sealing), so their
columns become TEXT (a sealed value is longer than the plain one), and one robot per URL is kept by the URL's
keyed digest, as the ciphertext differs at every write. Rows written before stay readable as they are;
`reform init` seals them (a migration has no key).

Revision ID: 0014_sealed_robots
Revises: 0013_login_failure
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_sealed_robots'
down_revision: str | None = '0013_login_failure'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0006 created the constraint unnamed: PostgreSQL named it, SQLite's batch mode copies the table without it
_OLD_UNIQUE = "unit_webhook_unit_id_url_key"
_NAMING = {"uq": "%(table_name)s_%(column_0_name)s_%(column_1_name)s_key"}


def upgrade() -> None:
    with op.batch_alter_table('unit_webhook', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.add_column(sa.Column('url_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.drop_constraint(_OLD_UNIQUE, type_='unique')
        batch_op.alter_column('url', existing_type=sqlmodel.sql.sqltypes.AutoString(length=1000), type_=sa.Text(),
                              existing_nullable=False)
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=255), type_=sa.Text(),
                              existing_nullable=False)
        batch_op.create_unique_constraint('uq_unit_webhook_url_digest', ['unit_id', 'url_digest'])


def downgrade() -> None:
    with op.batch_alter_table('unit_webhook', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('uq_unit_webhook_url_digest', type_='unique')
        batch_op.alter_column('secret', existing_type=sa.Text(), type_=sqlmodel.sql.sqltypes.AutoString(length=255),
                              existing_nullable=False)
        batch_op.alter_column('url', existing_type=sa.Text(), type_=sqlmodel.sql.sqltypes.AutoString(length=1000),
                              existing_nullable=False)
        batch_op.create_unique_constraint(_OLD_UNIQUE, ['unit_id', 'url'])
        batch_op.drop_column('url_digest')
