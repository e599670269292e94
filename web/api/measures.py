"""Measure endpoints besides detail and actions (see web/api/subjects.py): the list, evidence up and down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import File

from web.api.common import RT, Text, Who, api_get, api_post
from web.files import evidence_file, receive_evidence
from workflows.lights import LIGHTS
from workflows.reform.service import DEFAULT_LIMIT, MAX_LIMIT, MeasureQuery
from workflows.reform.views import EvidenceItem, LightColour, MeasureList, MeasureState

StateParam = Annotated[MeasureState | None, QueryParameter(name="state")]  # `state` is a name Litestar reserves
LightParam = Annotated[LightColour | None, QueryParameter(name="light", description="、".join(LIGHTS))]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1)]
After = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1,
                                             description="翻页：上一页最后一条举措的编号（上一页的 next_after）")]
Before = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1,
                                              description="向前翻页：下一页第一条举措的编号（该页的 prev_before）")]
Last = Annotated[bool, QueryParameter(description="末页：按每页 limit 条从头分页时的最后一页")]


@dataclass
class EvidenceForm:
    file: UploadFile


@api_get("/api/measures", summary="举措列表：按状态、单位、灯色、事项、关键词筛选")
def list_measures(rt: RT, access: Who, state_: StateParam = None, unit: Text = None, light: LightParam = None,
                  item: Text = None, q: Text = None, key: FromQuery[bool | None] = None,
                  limit: Limit = DEFAULT_LIMIT, offset: Offset = 0, after: After = None, before: Before = None,
                  last: Last = False) -> MeasureList:
    query = MeasureQuery(state_ and str(state_), unit, light and str(light), item, q, key, limit, offset, after,
                         before, last)
    with rt.read() as session:
        return rt.measure_list(session, access, query)


@api_post("/api/measures/{measure_id:int}/evidence", status_code=201, summary="上传佐证材料")
def upload_evidence(rt: RT, access: Who, measure_id: FromPath[int],
                    data: Annotated[EvidenceForm, Body(media_type=RequestEncodingType.MULTI_PART)]) -> EvidenceItem:
    upload = data.file
    try:
        return receive_evidence(rt, access, measure_id, upload.filename, upload.file)
    finally:
        upload.file.close()


@api_get("/api/evidence/{evidence_id:int}", summary="下载佐证材料")
def download_evidence(rt: RT, access: Who, evidence_id: FromPath[int]) -> File:
    return evidence_file(rt, access, evidence_id)


ROUTES: list = [list_measures, upload_evidence, download_evidence]
