"""Measure endpoints: list, detail, fire an action, upload and download evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File

from engine.db import read_session, write_session
from engine.decide import Actor
from runtime.core import Runtime
from web.files import evidence_file
from workflows import evidence
from workflows.reform import service as measures

RT = NamedDependency[Runtime]
Who = NamedDependency[Actor]
Text = FromQuery[str | None]
StateParam = Annotated[str | None, QueryParameter(name="state")]  # `state` is a name Litestar reserves


@dataclass
class EvidenceForm:
    file: UploadFile


@get("/api/measures", sync_to_thread=True)
def list_measures(rt: RT, actor: Who, state_: StateParam = None, unit: Text = None, light: Text = None,
                  item: Text = None, q: Text = None, key: FromQuery[bool | None] = None,
                  limit: FromQuery[int] = measures.DEFAULT_LIMIT, offset: FromQuery[int] = 0) -> dict:
    query = measures.MeasureQuery(state_, unit, light, item, q, key, limit, offset)
    with read_session(rt.engine) as session:
        return measures.list_measures(session, actor, query, rt.clock.now())


@get("/api/measures/{measure_id:int}", sync_to_thread=True)
def measure_detail(rt: RT, actor: Who, measure_id: FromPath[int]) -> dict:
    with read_session(rt.engine) as session:
        return measures.detail(session, rt.measures, measure_id, actor)


@post("/api/measures/{measure_id:int}/actions/{action:str}", sync_to_thread=True, status_code=200)
def fire_action(rt: RT, actor: Who, measure_id: FromPath[int], action: FromPath[str],
                data: JSONBody[dict[str, Any]]) -> dict:
    with write_session(rt.engine) as session:
        return measures.act(session, rt.measures, measure_id, action, actor, data)


@post("/api/measures/{measure_id:int}/evidence", sync_to_thread=True, status_code=201)
def upload_evidence(rt: RT, actor: Who, measure_id: FromPath[int],
                    data: Annotated[EvidenceForm, Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict:
    upload = data.file
    try:
        return evidence.upload(rt.engine, rt.evidence_store, measure_id, actor, upload.filename, upload.file,
                               rt.clock.now())
    finally:
        upload.file.close()


@get("/api/evidence/{evidence_id:int}", sync_to_thread=True)
def download_evidence(rt: RT, actor: Who, evidence_id: FromPath[int]) -> File:
    return evidence_file(rt, actor, evidence_id)


ROUTES: list = [list_measures, measure_detail, fire_action, upload_evidence, download_evidence]
