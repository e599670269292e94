"""文号 for 督办文书: a per-kind, per-year counter taken under a row lock, so numbers are unique and gapless,
also with several processes on PostgreSQL (the counter row is locked FOR UPDATE; SQLite serialises writers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from engine.db import is_postgres, upsert_insert
from workflows.supervision_models import DocumentCounter


def next_number(session: Session, kind: str, year: int) -> int:
    """The next number of `kind` in `year`, inside the caller's transaction (a rollback gives it back)."""
    return next_numbers(session, kind, year, 1)[0]


def next_numbers(session: Session, kind: str, year: int, count: int) -> list[int]:
    """The next `count` consecutive numbers of `kind` in `year`, under one lock of the counter."""
    insert = upsert_insert(session)
    session.execute(insert(DocumentCounter).values(kind=kind, year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["kind", "year"]))
    stmt = select(DocumentCounter).where(DocumentCounter.kind == kind, DocumentCounter.year == year)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    counter = session.execute(stmt).scalars().one()
    first = counter.last + 1
    counter.last += count
    session.add(counter)
    session.flush()
    return list(range(first, first + count))
