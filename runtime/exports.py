"""The background exports of this process (workflows.exports): one worker thread makes them, one at a time."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import Conflict, NotFound, WorkflowError
from workflows import exports
from workflows.exports import ExportJob

if TYPE_CHECKING:
    from runtime.core import Runtime
    from workflows.access import Access

log = logging.getLogger("reform.exports")


class Exports:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        return self.rt.settings.exports_dir

    def ledger(self, user_id: int, measures: int, unit: str | None, plan: str | None) -> ExportJob:
        """The person's 任务台账 job (an unfinished one for the same scope is reused), being made."""
        with self.rt.write() as session:
            self._forget_old(session)
            job = exports.ask(session, exports.LEDGER, user_id, {"unit": unit, "plan": plan}, measures,
                              self.rt.clock.now())
        self.submit(job.id)
        return job

    def of(self, access: Access, job_id: int) -> ExportJob:
        """The job, for the person who asked for it only; one no worker is making is given to this process's."""
        with self.rt.read() as session:
            job = session.get(ExportJob, job_id)
        access.require_own(job.user_id if job else None, "找不到该导出任务（导出文件只供申请人下载，保留一天）",
                           f"export {job_id}")
        if exports.stale(job, self.rt.clock.now()):
            self.submit(job.id)
        return job

    def download(self, access: Access, job_id: int):
        """The job's file as a workbook to hand out, for the person who asked only."""
        from runtime.reports import Workbook

        job = self.of(access, job_id)
        return Workbook(self.file(job), job.file_name, f"reform-export-{job.id}.xlsx")

    def file(self, job: ExportJob) -> bytes:
        if job.waiting:
            raise Conflict("导出文件还在生成中，请稍后再取", detail=f"export {job.id} {job.status}")
        path = self.directory / job.stored_as
        if job.status != exports.DONE or not job.stored_as or not path.is_file():
            raise NotFound("导出文件已不在（保留一天），请重新导出", detail=f"export {job.id} file")
        return path.read_bytes()

    def submit(self, job_id: int) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="exports")
            pool = self._pool
        pool.submit(self.run, job_id)

    def run(self, job_id: int) -> None:
        """Make the job's file if this process gets the job; its outcome is recorded whatever happens."""
        rt = self.rt
        with rt.write() as session:
            if not exports.claim(session, job_id, rt.clock.now()):
                return
        try:
            made = self._make(job_id)
        except WorkflowError as exc:  # the person's input (a plan or unit that no longer exists, a lost right)
            self._finish(job_id, error=exc.message)
        except Exception as exc:  # noqa: BLE001 - recorded on the job, logged in full
            log.exception("export %s failed", job_id)
            self._finish(job_id, error=f"生成失败：{type(exc).__name__}，请稍后重试或联系管理员")
        else:
            self._finish(job_id, **made)

    def _make(self, job_id: int) -> dict:
        from runtime import reports as reporting
        from workflows.access import access_for
        from workflows.accounts import actor_for
        from workflows.accounts_models import User

        rt = self.rt
        with rt.read() as session:
            job = session.get(ExportJob, job_id)
            user = session.get(User, job.user_id)
            if user is None or not user.active:
                raise NotFound("申请导出的账号已停用")
            args = job.args
            book = reporting.ledger_workbook(rt, session, access_for(actor_for(user)), args.get("unit"),
                                             args.get("plan"))
        self.directory.mkdir(parents=True, exist_ok=True)
        stored = f"{job_id}-{secrets.token_hex(8)}.xlsx"
        draft = self.directory / f".{stored}.part"
        draft.write_bytes(book.content)
        os.replace(draft, self.directory / stored)  # whole or not at all
        return {"file_name": book.filename, "stored_as": stored, "size": len(book.content)}

    def _finish(self, job_id: int, **outcome) -> None:
        with self.rt.write() as session:
            exports.finish(session, job_id, self.rt.clock.now(), **outcome)

    def _forget_old(self, session) -> None:
        for job in exports.expired(session, self.rt.clock.now(), timedelta(hours=self.rt.settings.export_keep_hours)):
            if job.stored_as:
                (self.directory / job.stored_as).unlink(missing_ok=True)
            session.delete(job)
