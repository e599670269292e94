"""operations: imported calendar years, job runs for /health, the measures' stable keys (举措编号)

Revision ID: 0004_ops
Revises: 0003_lead
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from engine.db import AwareDateTime

revision: str = '0004_ops'
down_revision: str | None = '0003_lead'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_year',
                    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
                    sa.Column('imported_at', AwareDateTime(), nullable=False),
                    sa.Column('imported_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('year'))
    op.create_table('calendar_day',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
                    sa.Column('festival', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                    sa.ForeignKeyConstraint(['year'], ['calendar_year.year']),
                    sa.PrimaryKeyConstraint('day'))
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_day_year'), ['year'], unique=False)
    op.create_table('job_run',
                    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
                    sa.Column('last_run_at', AwareDateTime(), nullable=False),
                    sa.Column('runs', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('name'))
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    backfill_keys()
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_measure_key_code', ['plan_id', 'key_code'])


def downgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint('uq_measure_key_code', type_='unique')
        batch_op.drop_column('key_code')
    op.drop_table('job_run')
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_day_year'))
    op.drop_table('calendar_day')
    op.drop_table('calendar_year')


# -- the keys of measures imported before keys existed, in plan order (the rule of workflows/ledger/keys.py then)

KNOWN_PREFIXES = {"wulong-2022": "WL22"}


def key_prefix(plan_code: str) -> str:
    if plan_code in KNOWN_PREFIXES:
        return KNOWN_PREFIXES[plan_code]
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", plan_code) if p]
    letters = "".join(p for p in parts if not p.isdigit()).upper()[:4] or "P"
    years = [p for p in parts if p.isdigit()]
    return letters + (years[-1][-2:] if years else "")


def backfill_keys() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT m.id, p.code, i.item_no FROM measure m JOIN plan p ON p.id = m.plan_id "
        "JOIN item i ON i.id = m.item_id ORDER BY m.plan_id, m.seq, m.id")).all()
    counters: dict[tuple[str, str], int] = {}
    for measure_id, plan_code, item_no in rows:
        n = counters[(plan_code, item_no)] = counters.get((plan_code, item_no), 0) + 1
        number = int(item_no) if item_no.isdigit() else 0
        key = f"{key_prefix(plan_code)}-{number:03d}-{n}"
        conn.execute(sa.text("UPDATE measure SET key_code = :k WHERE id = :i"), {"k": key, "i": measure_id})
