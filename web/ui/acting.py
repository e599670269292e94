"""Doing what a measure page's forms ask, and turning each refusal into a Failure that keeps the input."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from engine.db import read_session, write_session
from engine.decide import Actor
from engine.definition import Action
from engine.errors import MissingField, StaleVersion, WorkflowError
from engine.history import HistoryRecord
from runtime.core import Runtime
from web.errors import chinese_for, status_for
from web.ui.forms import body_from, missing_message, typed_from
from web.ui.measure_view import Failure
from workflows import evidence
from workflows.reform import service as measures
from workflows.reform.table import ACTION_LABELS, REFORM_MEASURE
from workflows.reform.views import instant

UPLOAD = "upload"


class UploadFailed(Exception):
    """One file of several was refused; the ones before it are kept."""

    def __init__(self, filename: str, cause: WorkflowError) -> None:
        super().__init__(f"{filename}: {cause}")
        self.filename, self.cause = filename, cause

    @property
    def message(self) -> str:
        return f"文件“{self.filename}”未能上传：{chinese_for(self.cause)}"


def submit_action(rt: Runtime, actor: Actor, measure_id: int, act: Action, form: Any,
                  files: list) -> tuple[Failure | None, int]:
    """Upload any new files, then fire the action; (None, 200) when done."""
    typed = typed_from(act, form)
    try:
        new_ids = store_files(rt, actor, measure_id, files)
        if new_ids and any(s.kind == "files" for s in act.fields):
            typed["evidence"] = [*typed.get("evidence", []), *(str(i) for i in new_ids)]
        with write_session(rt.engine) as session:
            measures.act(session, rt.measures, measure_id, act.name, actor, body_from(act, typed, form.get("version")))
    except UploadFailed as exc:
        return Failure(act.name, exc.message, typed), status_for(exc.cause)
    except MissingField as exc:
        return Failure(act.name, missing_message(act, exc), typed, exc.problems), 422
    except StaleVersion as exc:
        return Failure(act.name, stale_message(rt, measure_id, exc), typed, stale=True), 409
    except WorkflowError as exc:
        return Failure(act.name, chinese_for(exc), typed), status_for(exc)
    return None, 200


def upload_files(rt: Runtime, actor: Actor, measure_id: int, files: list) -> tuple[Failure | None, int]:
    if not files:
        return Failure(UPLOAD, "请先选择要上传的文件"), 422
    try:
        store_files(rt, actor, measure_id, files)
    except UploadFailed as exc:
        return Failure(UPLOAD, exc.message), status_for(exc.cause)
    return None, 200


def store_files(rt: Runtime, actor: Actor, measure_id: int, files: list) -> list[int]:
    """Each file checked and kept as unreported evidence of the measure; their ids."""
    store = rt.evidence_store
    ids = []
    for upload in files:
        try:
            item = evidence.upload(rt.engine, store, measure_id, actor, upload.filename, upload.file,
                                   rt.clock.now())
        except WorkflowError as exc:
            raise UploadFailed(upload.filename, exc) from exc
        ids.append(item["id"])
    return ids


def stale_message(rt: Runtime, measure_id: int, exc: StaleVersion) -> str:
    """Say plainly that someone acted first, and who, and what."""
    with read_session(rt.engine) as session:
        last = session.exec(select(HistoryRecord).where(HistoryRecord.workflow == REFORM_MEASURE.name,
                                                        HistoryRecord.subject_id == measure_id)
                            .order_by(HistoryRecord.seq.desc()).limit(1)).first()
    what = ""
    if last is not None:
        when = (instant(last.at) or "")[:16].replace("T", " ")
        what = f"{last.actor_name} 已于 {when} 执行了“{ACTION_LABELS.get(last.action, last.action)}”。"
    return (f"提交未生效：在您填写期间，此举措已被他人更新。{what}"
            "下面是最新情况，您填写的内容已保留，请核对后决定是否重新提交。")
