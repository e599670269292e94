"""When each periodic job last ran, kept in the database so every process (and /health) reads the same answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, select
from sqlmodel import Field, Session, SQLModel

from engine.db import AwareDateTime, upsert_insert, utc


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"

    name: str = Field(primary_key=True, max_length=32)
    last_run_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    runs: int = 0


def record_run(session: Session, name: str, at: datetime) -> None:
    """Upsert, so two processes finishing a sweep at once never collide."""
    insert = upsert_insert(session)
    stmt = insert(JobRun).values(name=name, last_run_at=utc(at), runs=1)
    table = JobRun.__table__
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={
        "last_run_at": stmt.excluded.last_run_at, "runs": table.c.runs + 1})
    session.execute(stmt)


def last_run(session: Session, name: str) -> datetime | None:
    found = session.execute(select(JobRun.last_run_at).where(JobRun.name == name)).scalar()
    return utc(found) if found else None
