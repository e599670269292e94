"""The supervision tools' endpoints: 批示 and their answers, 催办, the 驾驶舱, problems, 督办文书, 推进会议."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, Router
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from engine.errors import BadRequest
from web.api.common import RT, IdParam, Text, Who, api_get, api_post
from web.files import receive_problem_evidence
from web.responses import attachment
from workflows.cockpit import Cockpit, build
from workflows.documents.service import DOCX_TYPE, DocumentList, DocumentSummary
from workflows.documents.table import KINDS as DOCUMENT_KINDS
from workflows.escalations import EscalationView, escalation_view
from workflows.instructions.views import InstructionView
from workflows.lights import local_day
from workflows.meetings.views import MeetingView
from workflows.models import Escalation
from workflows.problems.service import Origin, ProblemDetail, ProblemList, ProblemQuery, ProblemState
from workflows.reform.binding import URGE
from workflows.reform.views import EvidenceItem

DocumentKind = enum.StrEnum("DocumentKind", [(k, k) for k in DOCUMENT_KINDS])
StateParam = Annotated[ProblemState | None, QueryParameter(name="state")]


@dataclass
class UploadForm:
    file: UploadFile


@api_post("/api/measures/{measure_id:int}/instructions", status_code=201, summary="区领导批示（营商办可代录）")
def instruct(rt: RT, access: Who, measure_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> InstructionView:
    with rt.write() as session:
        return rt.instructions.create(session, access, measure_id, data)


@api_post("/api/instructions/{instruction_id:int}/reply", status_code=200, summary="牵头单位报告批示落实情况")
def reply(rt: RT, access: Who, instruction_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> InstructionView:
    with rt.write() as session:
        return rt.instructions.reply(session, access, instruction_id, data)


@api_post("/api/measures/{measure_id:int}/urge", status_code=201, summary="一键催办（督查办、营商办；每个工作日一次）")
def urge(rt: RT, access: Who, measure_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> EscalationView:
    with rt.write() as session:
        row = access.measure(session, measure_id)
        rt.measures.fire(session, access, measure_id, "urge", {"version": data.get("version", row.version),
                                                               "comment": data.get("comment")})
        day = local_day(rt.clock.now()).toordinal()
        esc = session.execute(select(Escalation).where(Escalation.subject_type == "measure",
                                                       Escalation.subject_id == measure_id, Escalation.level == URGE,
                                                       Escalation.deadline_version == day)).scalars().one()
        return escalation_view(esc, rt.config.ladder)


@api_get("/api/cockpit", summary="驾驶舱：全区试点推进情况（区领导、营商办、督查办）")
def cockpit(rt: RT, access: Who) -> Cockpit:
    access.require("cockpit", "查看驾驶舱")
    lights = rt.measures.light_sql(rt.clock.now())
    with rt.read() as session:
        return rt.figures.get(session, ("cockpit", lights.cut, access),
                              lambda: build(session, access, lights, rt.instructions))


@api_get("/api/problems", summary="问题协调与督查整改：按状态、单位、举措、来源筛选")
def list_problems(rt: RT, access: Who, state_: StateParam = None, unit: Text = None,
                  measure: IdParam = None, origin: FromQuery[Origin | None] = None) -> ProblemList:
    query = ProblemQuery(state=str(state_) if state_ else None, unit=unit, measure=measure,
                         origin=str(origin) if origin else None)
    with rt.read() as session:
        return rt.problems.list(session, access, query)


@api_post("/api/problems", status_code=201, summary="提出问题（牵头单位）或记录督查发现问题（督查办）")
def create_problem(rt: RT, access: Who, data: JSONBody[dict[str, Any]]) -> ProblemDetail:
    with rt.write() as session:
        return rt.problems.create(session, access, data)


@api_post("/api/problems/{problem_id:int}/evidence", status_code=201, summary="上传整改佐证材料")
def problem_evidence(rt: RT, access: Who, problem_id: FromPath[int],
                     data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)]) -> EvidenceItem:
    upload = data.file
    try:
        return receive_problem_evidence(rt, access, problem_id, upload.filename, upload.file)
    finally:
        upload.file.close()


@api_get("/api/documents", summary="督办文书：督办通知单（duban）、情况通报（tongbao）")
def documents(rt: RT, access: Who, kind: FromQuery[DocumentKind | None] = None,
              measure: IdParam = None) -> DocumentList:
    with rt.read() as session:
        return rt.documents.list(session, access, str(kind) if kind else None, measure)


@api_get("/api/documents/{document_id:int}", summary="下载督办文书（.docx）")
def document_file(rt: RT, access: Who, document_id: FromPath[int]) -> Response:
    with rt.read() as session:
        doc, content = rt.documents.content(session, access, document_id)
    return attachment(_Doc(content, f"{doc.number}.docx", f"reform-{doc.kind}-{doc.year}-{doc.seq}.docx"))


@api_post("/api/documents/{document_id:int}/actions/{action:str}", status_code=200,
          summary="修改或印发督办文书（督查办）")
def document_act(rt: RT, access: Who, document_id: FromPath[int], action: FromPath[str],
                 data: JSONBody[dict[str, Any]]) -> DocumentSummary:
    with rt.write() as session:
        return rt.documents.act(session, access, document_id, action, data)


@api_post("/api/meetings", status_code=201, summary="记录推进会议")
def record_meeting(rt: RT, access: Who, data: JSONBody[dict[str, Any]]) -> MeetingView:
    with rt.write() as session:
        return rt.meetings.record(session, access, data)


@api_get("/api/meetings", summary="推进会议记录")
def meetings(rt: RT, access: Who, measure: IdParam = None,
             problem: IdParam = None) -> list[MeetingView]:
    with rt.read() as session:
        if measure is not None:
            access.measure(session, measure)
            return rt.meetings.about(session, "measure", measure)
        if problem is not None:
            rt.problems.get(session, access, problem)
            return rt.meetings.about(session, "problem", problem)
        if not access.sees_all:
            raise BadRequest("请按举措（measure）或问题（problem）查询推进会议")
        return rt.meetings.recent(session)


@dataclass(frozen=True)
class _Doc:
    content: bytes
    filename: str
    ascii_name: str
    media_type: str = DOCX_TYPE


HANDLERS = [instruct, reply, urge, cockpit, list_problems, create_problem, problem_evidence, documents,
            document_file, document_act, record_meeting, meetings]
ROUTES: list = [Router(path="/", route_handlers=HANDLERS)]
