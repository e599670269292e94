"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import migrations.models  # noqa: F401
from migrations.runner import current_heads


def test_migrated_schema_equals_the_models(db):
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_one_head_and_the_database_is_at_it(db):
    heads = current_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"
    with db.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == set(heads)
