"""sweep_next: each measure remembers the day its next rung fires, as a sweep last computed it (cleared by every
change), so a sweep reads what changed and what falls due instead of every open measure; `sweep_basis` holds the
ladder and calendar those days were computed with; the fired 通报 rungs that no 情况通报 covers yet get their own index; a rung fired with nobody to tell is marked
(`escalation.silent`) when it fires instead of being looked for among the outbox's rows by every health probe.

Revision ID: 0010_sweep_next
Revises: 0009_perf2
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_sweep_next'
down_revision: str | None = '0009_perf2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# as workflows.models.UNSWEPT at this revision
UNSWEPT = "state IN ('assigned', 'awaiting_signoff', 'in_progress', 'reported') AND sweep_after IS NULL"
TONGBAO_OPEN = "subject_type = 'measure' AND level = 'L3' AND status = 'fired' AND document_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("measure") as batch:
        batch.add_column(sa.Column("sweep_after", sa.Date(), nullable=True))
    op.create_index("ix_measure_unswept", "measure", ["due_date"], postgresql_where=sa.text(UNSWEPT),
                    sqlite_where=sa.text(UNSWEPT))
    op.create_index("ix_measure_sweep_after", "measure", ["sweep_after"],
                    postgresql_where=sa.text("sweep_after IS NOT NULL"), sqlite_where=sa.text("sweep_after IS NOT NULL"))
    op.create_index("ix_escalation_tongbao_open", "escalation", ["measure_id"],
                    postgresql_where=sa.text(TONGBAO_OPEN), sqlite_where=sa.text(TONGBAO_OPEN))
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false()))
    # what the 邮件 page and /health found by looking for each fired rung's notices, found once and kept
    op.execute("UPDATE escalation SET silent = TRUE WHERE status = 'fired' AND level <> 'urge' AND NOT EXISTS "
               "(SELECT 1 FROM outbox o WHERE o.subject_id = escalation.measure_id "
               "AND o.dedupe_key LIKE 'esc:' || CAST(escalation.id AS VARCHAR) || ':%')")
    op.create_index("ix_escalation_silent", "escalation", ["fired_at"], postgresql_where=sa.text("silent"),
                    sqlite_where=sa.text("silent"))
    op.create_table("sweep_basis",
                    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), primary_key=True),
                    sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False))


def downgrade() -> None:
    op.drop_table("sweep_basis")
    op.drop_index("ix_escalation_tongbao_open", table_name="escalation")
    op.drop_index("ix_escalation_silent", table_name="escalation")
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("silent")
    op.drop_index("ix_measure_sweep_after", table_name="measure")
    op.drop_index("ix_measure_unswept", table_name="measure")
    with op.batch_alter_table("measure") as batch:
        batch.drop_column("sweep_after")
