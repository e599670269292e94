"""Evaluation and replication records, and the typical cases as a publicity list (.xlsx), from the rows."""

from __future__ import annotations

import io

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.sheet_support import header_row, records
from tests.world import bj, june_scenario, token
from web.app import create_app
from workflows.models import Evaluation, MeasureUnit, Replication, Unit


@pytest.fixture
def world(rt):
    w = june_scenario(rt)
    m = w.measures
    w.act(m[0], "evaluate", "office", "2022-06-15 10:00", rating="好", satisfaction=95, typical_case=True,
          case_text="一照多址，企业少跑腿")
    w.act(m[0], "replicate", "office", "2022-06-16 10:00", scope="全市", description="向全市推荐")
    w.act(m[2], "evaluate", "office", "2022-06-16 11:00", rating="一般", satisfaction=70)
    w.act(m[5], "evaluate", "office", "2022-06-17 10:00", rating="较好", satisfaction=85, typical_case=True,
          case_text="电子证照互认，群众少跑路")
    rt.clock.set(bj("2022-06-20 09:00"))
    return w


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


def primary_units(rt) -> dict[int, str]:
    with Session(rt.engine) as s:
        return {mu.measure_id: s.get(Unit, mu.unit_id).name
                for mu in s.exec(select(MeasureUnit).where(MeasureUnit.position == 0))}


def test_evaluation_list_matches_rows_and_filters(client, rt, world):
    headers = token(rt, world.users["office"])
    body = client.get("/api/reports/evaluations", headers=headers).json()
    with Session(rt.engine) as s:
        rows = s.exec(select(Evaluation).order_by(Evaluation.at)).all()
    assert [(e["measure_id"], e["rating"], e["satisfaction"], e["typical_case"]) for e in body["items"]] == [
        (r.measure_id, r.rating, r.satisfaction, r.typical_case) for r in rows]
    typical = client.get("/api/reports/evaluations", params={"typical": "true"}, headers=headers).json()
    assert {e["measure_id"] for e in typical["items"]} == {r.measure_id for r in rows if r.typical_case}
    assert client.get("/api/reports/evaluations", params={"year": "2021"}, headers=headers).json()["total"] == 0
    assert client.get("/api/reports/evaluations", params={"year": "20"}, headers=headers).status_code == 400


def test_replication_list_matches_rows(client, rt, world):
    body = client.get("/api/reports/replications", headers=token(rt, world.users["reviewer"])).json()
    with Session(rt.engine) as s:
        rows = s.exec(select(Replication)).all()
    assert [(r["measure_id"], r["scope"], r["description"], r["at"][:10]) for r in body["items"]] == [
        (r.measure_id, r.scope, r.description, "2022-06-16") for r in rows]


def test_unit_users_see_their_own_records_only(client, rt, world):
    units = primary_units(rt)
    body = client.get("/api/reports/evaluations", headers=token(rt, world.users["cz"])).json()
    assert body["total"] >= 1 and {units[e["measure_id"]] for e in body["items"]} == {"区财政局"}


def test_typical_cases_workbook_is_the_publicity_list(client, rt, world):
    resp = client.get("/api/reports/typical-cases", params={"format": "xlsx"}, headers=token(rt, world.users["office"]))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content))["典型案例"]
    with Session(rt.engine) as s:
        cases = s.exec(select(Evaluation).where(Evaluation.typical_case)).all()
        scopes = {r.measure_id: r.scope for r in s.exec(select(Replication))}
    head = header_row(ws, "序号")
    got = {r["案例说明"]: (r["评估等级"], r["市场主体满意度"], r["复制推广范围"]) for r in records(ws, "序号")}
    assert got == {c.case_text: (c.rating, c.satisfaction, scopes.get(c.measure_id) or None) for c in cases}
    assert ws.freeze_panes == f"A{head + 1}" and f"共 {len(cases)} 个典型案例" in ws.cell(2, 1).value
