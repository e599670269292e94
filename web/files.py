"""Evidence up and down, the same for the API and the pages: checked per object, stored by content."""

from __future__ import annotations

from typing import BinaryIO

from litestar.response import File

from runtime.core import Runtime
from workflows import evidence
from workflows.access import Access
from workflows.reform.views import EvidenceItem, evidence_item


def receive_evidence(rt: Runtime, access: Access, measure_id: int, filename: str, stream: BinaryIO) -> EvidenceItem:
    """Check who, keep the file (outside any transaction), record it as unattached evidence."""
    with rt.read() as session:
        evidence.check_uploader(session, access, measure_id)  # nothing is stored for someone who may not
    stored = rt.evidence_store.receive(stream, filename)
    with rt.write() as session:
        evidence.check_uploader(session, access, measure_id)
        return evidence_item(evidence.record(session, measure_id, access, stored, rt.clock.now()))


def receive_problem_evidence(rt: Runtime, access: Access, problem_id: int, filename: str, stream: BinaryIO
                             ) -> EvidenceItem:
    """整改 evidence of a problem: by the measure's lead units while the problem awaits their rectification."""
    with rt.read() as session:
        problem = check_rectifier(rt, session, access, problem_id)
    stored = rt.evidence_store.receive(stream, filename)
    with rt.write() as session:
        problem = check_rectifier(rt, session, access, problem_id)
        return evidence_item(evidence.record(session, problem.measure_id, access, stored, rt.clock.now(),
                                             problem_id=problem_id))


def check_rectifier(rt: Runtime, session, access: Access, problem_id: int):
    from engine.errors import TransitionNotAllowed
    from workflows.problems.table import PROBLEM

    problem = rt.problems.get(session, access, problem_id)
    access.require_lead(session, problem.measure_id, "上传整改佐证材料")
    if not PROBLEM.has_tag(problem.state, "owes_rectification"):
        raise TransitionNotAllowed(f"“{PROBLEM.label(problem.state)}”状态下不能上传整改材料",
                                   detail=f"problem {problem_id}: evidence refused in state {problem.state}")
    return problem


def evidence_file(rt: Runtime, access: Access, evidence_id: int) -> File:
    with rt.read() as session:
        ev, path = evidence.for_download(session, rt.evidence_store, access, evidence_id)
    return File(path, filename=ev.filename, media_type=ev.content_type,
                headers={"content-disposition": evidence.content_disposition(ev.filename),
                         "x-content-type-options": "nosniff"})
