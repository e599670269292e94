"""Exports made in the background: a 任务台账 of a city's ledger takes a minute to write, longer than a request
should wait (or a proxy lets it). The request records a job and answers at once with the job's page; a worker
thread of the process makes the file; the page refreshes itself until it offers the download.

A job is claimed by one UPDATE (queued, or running with its lease run out: the process that ran it died), so
two processes never make the same file and a crash loses nothing but time. The file lives in the data
directory for `export_keep_hours`, for the person who asked only.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Column, Text, or_, update
from sqlmodel import Field, Session, SQLModel, select

from engine.db import AwareDateTime, utc

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUS_LABELS = {QUEUED: "排队中", RUNNING: "正在生成", DONE: "已生成", FAILED: "生成失败"}
LEDGER = "ledger"
LEASE = timedelta(minutes=30)  # longer than the largest export takes; a job running past it is taken again


class ExportJob(SQLModel, table=True):
    __tablename__ = "export_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    user_id: int = Field(index=True)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    measures: int = 0  # how many measures the export covers, counted when it was asked for
    status: str = Field(default=QUEUED, max_length=16)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    file_name: str = Field(default="", max_length=255)  # as the person downloads it (任务台账-20220620.xlsx)
    stored_as: str = Field(default="", max_length=255)  # its name in the exports directory
    size: int = 0
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    @property
    def args(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def waiting(self) -> bool:
        return self.status in (QUEUED, RUNNING)


def ask(session: Session, kind: str, user_id: int, params: dict, measures: int, now: datetime) -> ExportJob:
    """The person's job for this export: the one still being made for the same parameters, else a new one."""
    encoded = json.dumps(params, ensure_ascii=False, sort_keys=True)
    found = session.exec(select(ExportJob).where(ExportJob.user_id == user_id, ExportJob.kind == kind,
                                                 ExportJob.params == encoded,
                                                 ExportJob.status.in_((QUEUED, RUNNING)))).first()
    if found is not None:
        return found
    job = ExportJob(kind=kind, user_id=user_id, params=encoded, measures=measures, created_at=utc(now))
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, now: datetime) -> bool:
    """Take the job to make it: True for the one process that gets it."""
    now = utc(now)
    taken = session.execute(update(ExportJob).where(
        ExportJob.id == job_id,
        or_(ExportJob.status == QUEUED, (ExportJob.status == RUNNING) & (ExportJob.lease_until < now)))
        .values(status=RUNNING, started_at=now, lease_until=now + LEASE, error=""))
    return taken.rowcount == 1


def finish(session: Session, job_id: int, now: datetime, *, file_name: str = "", stored_as: str = "",
           size: int = 0, error: str = "") -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == RUNNING).values(
        status=FAILED if error else DONE, finished_at=utc(now), lease_until=None, file_name=file_name,
        stored_as=stored_as, size=size, error=error))


def stale(job: ExportJob, now: datetime) -> bool:
    """A job no worker is making: queued for a while (the process that took the request ended), or running
    past its lease (the process died)."""
    now = utc(now)
    if job.status == QUEUED:
        return utc(job.created_at) < now - timedelta(seconds=10)
    return job.status == RUNNING and job.lease_until is not None and utc(job.lease_until) < now


def expired(session: Session, now: datetime, keep: timedelta) -> list[ExportJob]:
    """Jobs finished longer ago than `keep` (their files are removed with them)."""
    return list(session.exec(select(ExportJob).where(ExportJob.status.in_((DONE, FAILED)),
                                                     ExportJob.finished_at < utc(now) - keep)))
