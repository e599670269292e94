"""Doing what a subject page's forms ask, and turning each refusal into a Failure that keeps the input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.definition import Action
from engine.errors import InvalidFields, StaleVersion, WorkflowError
from engine.history import HistoryRecord
from runtime.core import Runtime
from web.errors import status_for
from web.files import receive_evidence
from web.kinds import Kind
from web.ui.common import cn_date
from web.ui.forms import body_from, typed_from
from web.ui.measure_view import Failure
from workflows.access import Access
from workflows.directory import display_names

UPLOAD = "upload"


class UploadFailed(Exception):
    """One file of several was refused; the ones before it are kept."""

    def __init__(self, filename: str, cause: WorkflowError) -> None:
        super().__init__(f"{filename}: {cause}")
        self.filename, self.cause = filename, cause

    @property
    def message(self) -> str:
        return f"文件“{self.filename}”未能上传：{self.cause.message}"


def submit_action(rt: Runtime, access: Access, kind: Kind, subject_id: int, act: Action, form: Any,
                  files: list) -> tuple[Failure | None, int]:
    """Upload any new files, then fire the action; (None, 200) when done."""
    typed = typed_from(act, form)
    try:
        new_ids = store_files(rt, access, subject_id, files)
        if new_ids and any(s.kind == "files" for s in act.fields):
            typed["evidence"] = [*typed.get("evidence", []), *(str(i) for i in new_ids)]
        with rt.write() as session:
            kind.fire(rt, session, access, subject_id, act.name, body_from(act, typed, form.get("version")))
    except UploadFailed as exc:
        return Failure(act.name, exc.message, typed), status_for(exc.cause)
    except InvalidFields as exc:
        problems = {name: p.message for name, p in exc.fields.items()}
        return Failure(act.name, exc.message, typed, problems), 422
    except StaleVersion:
        return Failure(act.name, stale_message(rt, kind, subject_id), typed, stale=True), 409
    except WorkflowError as exc:
        return Failure(act.name, exc.message, typed), status_for(exc)
    return None, 200


def upload_files(rt: Runtime, access: Access, measure_id: int, files: list) -> tuple[Failure | None, int]:
    if not files:
        return Failure(UPLOAD, "请先选择要上传的文件"), 422
    try:
        store_files(rt, access, measure_id, files)
    except UploadFailed as exc:
        return Failure(UPLOAD, exc.message), status_for(exc.cause)
    return None, 200


def store_files(rt: Runtime, access: Access, measure_id: int, files: list) -> list[int]:
    """Each file checked and kept as unreported evidence of the measure; their ids."""
    ids = []
    for upload in files:
        try:
            item = receive_evidence(rt, access, measure_id, upload.filename, upload.file)
        except WorkflowError as exc:
            raise UploadFailed(upload.filename, exc) from exc
        ids.append(item.id)
    return ids


def stale_message(rt: Runtime, kind: Kind, subject_id: int) -> str:
    """Say plainly that someone acted first, and who (by name), and what."""
    with rt.read() as session:
        last = session.execute(select(HistoryRecord).where(HistoryRecord.workflow == kind.definition.name,
                                                           HistoryRecord.subject_id == subject_id)
                               .order_by(HistoryRecord.seq.desc()).limit(1)).scalars().first()
        who = display_names(session, [last.actor_name]).get(last.actor_name, last.actor_name) if last else ""
    what = ""
    if last is not None:
        what = f"{who} 已于 {cn_date(last.at, with_time=True)} 办理了“{kind.definition.action_label(last.action)}”。"
    return (f"提交未生效：在您填写期间，此{kind.definition.title}已被他人更新。{what}"
            "下面是最新情况，您填写的内容已保留，请核对后决定是否重新提交。")
