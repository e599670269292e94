"""perfwrite: a hash chain per subject and a global chain of Merkle checkpoints, so writes run in parallel

The records written so far form one global chain; a `legacy` checkpoint seals them as the log's first
stretch (its root is that chain's last hash), and records after it link to their own subject's previous one.
measure.ladder_done and a partial index let the sweep select only measures whose deadline ladder is not through.

Revision ID: 0008_perfwrite
Revises: 0007_perfread
"""
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008_perfwrite'
down_revision: str | None = '0007_perfread'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
# as workflows.models.LADDER_PENDING at this revision (a migration does not follow later edits of the model)
LADDER_PENDING = ("state IN ('assigned', 'awaiting_signoff', 'in_progress') AND extension_date IS NULL "
                  "AND due_date IS NOT NULL AND (ladder_done IS NULL OR ladder_done <> deadline_version)")


def upgrade() -> None:
    op.create_table('history_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('upto_seq', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('root', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gaps', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('upto_seq')
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_subject_id'))
        batch_op.create_index('ix_history_subject_seq', ['workflow', 'subject_id', 'seq'], unique=False)
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ladder_done', sa.Integer(), nullable=True))
    op.create_index('ix_measure_ladder_pending', 'measure', ['due_date'], unique=False,
                    postgresql_where=sa.text(LADDER_PENDING), sqlite_where=sa.text(LADDER_PENDING))
    _mark_ladders_done()
    _seal_legacy_chain()


def _mark_ladders_done() -> None:
    """Measures whose due ladder already has its top rung recorded for their current deadline (the configured
    ladder's last `due` level) are through; the others stay for the sweep."""
    try:
        from config.loader import load_config
        from config.settings import get_settings

        due = load_config(get_settings()).ladder.anchored("due")
    except Exception:  # noqa: BLE001 - without the ladder the first sweep looks at every measure once
        return
    if not due:
        return
    op.get_bind().execute(sa.text(
        "UPDATE measure SET ladder_done = deadline_version WHERE EXISTS (SELECT 1 FROM escalation e "
        "WHERE e.subject_type = 'measure' AND e.subject_id = measure.id AND e.level = :top "
        "AND e.deadline_version = measure.deadline_version)"), {"top": due[-1].code})


def _seal_legacy_chain() -> None:
    """The existing global chain becomes the log's first stretch; on PostgreSQL the numbers its ids used up
    (new records are numbered by the id sequence) are declared unused, so nothing looks missing after it."""
    conn = op.get_bind()
    count, upto = conn.execute(sa.text("SELECT COUNT(*), MAX(seq) FROM history")).one()
    if not count:
        return
    head = conn.execute(sa.text("SELECT hash FROM history WHERE seq = :s"), {"s": upto}).scalar()
    top = upto
    if conn.dialect.name == "postgresql":
        top = max(upto, conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM history")).scalar())
        conn.execute(sa.text("SELECT setval('history_id_seq', :n, false)"), {"n": top + 1})
    gaps = [[upto + 1, top]] if top > upto else []
    at = datetime.now(UTC).replace(microsecond=0)
    body = {"kind": "legacy", "first": 1, "upto": top, "count": count, "root": head, "gaps": gaps,
            "at": at.isoformat(), "prev": GENESIS}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    conn.execute(sa.text("INSERT INTO history_checkpoint (kind, first_seq, upto_seq, count, root, gaps, at, "
                         "prev_hash, hash) VALUES ('legacy', 1, :upto, :count, :root, :gaps, :at, :prev, :hash)"),
                 {"upto": top, "count": count, "root": head, "gaps": json.dumps(gaps), "at": at, "prev": GENESIS,
                  "hash": digest})


def downgrade() -> None:
    op.drop_index('ix_measure_ladder_pending', table_name='measure')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('ladder_done')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_subject_seq')
        batch_op.create_index(batch_op.f('ix_history_subject_id'), ['subject_id'], unique=False)
    op.drop_table('history_checkpoint')
