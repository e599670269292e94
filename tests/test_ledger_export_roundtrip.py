"""The ledger exported to Excel in the plan's layout imports back with the ledger importer and changes nothing."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import Session, select

from cli.main import main
from config.settings import SHANGHAI
from engine.db import write_session
from engine.history import HistoryRecord
from tests.world import token
from web.app import create_app
from workflows import accounts
from workflows.ledger.importer import import_ledger
from workflows.lights import light_info
from workflows.models import Category, Item, Measure, MeasureUnit, Milestone, Plan, Unit
from workflows.reform.table import STATE_LABELS


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def tracked(rt, ledger, make_user):
    """The Wulong ledger with one measure verified and one with progress and a missed milestone."""
    clerk = make_user("clerk", "unit_staff", "区市场监管局")
    reviewer = make_user("reviewer", "supervisor")
    with Session(rt.engine) as s:
        mine = s.exec(select(Measure).join(MeasureUnit, MeasureUnit.measure_id == Measure.id)
                      .join(Unit, Unit.id == MeasureUnit.unit_id)
                      .where(Unit.name == "区市场监管局", MeasureUnit.position == 0, Measure.state == "assigned")
                      .order_by(Measure.seq)).all()
    done = mine[0]
    busy = next(m for m in mine if m.due_date and m.due_date >= at("2022-08-01 00:00").date())
    for measure_id, action, who, fields in [
        (done.id, "start", clerk, {}), (busy.id, "start", clerk, {}),
        (busy.id, "update_progress", clerk, {"comment": "已完成调研，正在起草", "percent": 40}),
    ]:
        fire(rt, measure_id, action, who, fields)
    with write_session(rt.engine) as s:
        from workflows.models import Evidence

        s.add(Evidence(measure_id=done.id, sha256="a" * 64, filename="佐证.pdf", content_type="application/pdf",
                       size=9, uploaded_by=clerk.id, uploaded_at=rt.clock.now()))
        s.add(Milestone(measure_id=busy.id, due_date=at("2022-06-10 00:00").date(), description="调研",
                        created_by=clerk.id, created_at=rt.clock.now()))
    fire(rt, done.id, "report", clerk, {"comment": "已完成", "evidence": [1]})
    fire(rt, done.id, "approve", reviewer, {})
    return {"done": done.id, "busy": busy.id}


def fire(rt, measure_id, action, user, fields):
    with write_session(rt.engine) as s:
        row = s.get(Measure, measure_id)
        rt.measures.workflow.fire(s, row, action, accounts.actor_for(user), {"comment": action, **fields}, row.version)


def snapshot(engine) -> dict:
    with Session(engine) as s:
        return {"history": s.exec(select(func.count()).select_from(HistoryRecord)).one(),
                "measures": [(m.seq, m.version, m.text, m.due_text, m.note, m.key, m.state)
                             for m in s.exec(select(Measure).order_by(Measure.seq))],
                "items": [(i.item_no, i.title, i.seq) for i in s.exec(select(Item).order_by(Item.seq))],
                "categories": [c.title for c in s.exec(select(Category).order_by(Category.seq))]}


def download(rt, user) -> bytes:
    with TestClient(create_app(rt)) as client:
        resp = client.get("/api/reports/ledger.xlsx", headers=token(rt, user))
    assert resp.status_code == 200
    return resp.content


def test_exported_ledger_imports_back_without_changes(rt, tracked, make_user, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(download(rt, make_user("office", "office")))
    before = snapshot(rt.engine)
    with write_session(rt.engine) as s:
        plan_code = s.exec(select(Plan)).one().code
        dry = import_ledger(s, path, clock=rt.clock, dry_run=True, plan_code=plan_code)
    assert dry.changes == [] and not dry.missing and dry.measures.unchanged == len(before["measures"])
    with write_session(rt.engine) as s:
        real = import_ledger(s, path, clock=rt.clock, plan_code=plan_code)
    assert not real.changed
    assert snapshot(rt.engine) == before


def test_ledger_sheet_has_the_plan_layout_and_tracking_columns(rt, tracked, make_user):
    ws = load_workbook(io.BytesIO(download(rt, make_user("office", "office"))))["任务台账"]
    head = next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")
    assert [ws.cell(head, c).value for c in range(1, 12)] == [
        "序号", "改革事项", "具体举措", "牵头单位", "时间节点", "备注", "状态", "预警", "最新进展", "核验日期", "评估"]
    assert ws.freeze_panes == f"A{head + 1}"
    with Session(rt.engine) as s:
        categories = [c.title for c in s.exec(select(Category).order_by(Category.seq))]
        measures = {m.text: m for m in s.exec(select(Measure))}
    rows = [[ws.cell(r, c).value for c in range(1, 12)] for r in range(head + 1, ws.max_row + 1)]
    assert [r[0] for r in rows if r[0] in categories] == categories  # category rows, in order
    by_text = {r[2]: r for r in rows if r[2]}
    assert len(by_text) == len(measures)
    for text, m in measures.items():
        assert by_text[text][6] == STATE_LABELS[m.state] and by_text[text][4] == m.due_text
    done = next(m for m in measures.values() if m.id == tracked["done"])
    busy = next(m for m in measures.values() if m.id == tracked["busy"])
    assert by_text[done.text][9].date() == done.verified_at.astimezone(SHANGHAI).date()
    assert by_text[busy.text][8] == busy.last_progress
    plain = light_info(busy, rt.clock.now(), rt.config.calendar, rt.light_rules).light
    assert plain == "green" and by_text[busy.text][7] == "黄灯"  # yellow only because its milestone was missed
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert any(r.startswith("A") and r.split(":")[0][1:] != r.split(":")[1][1:] for r in merged)  # an item spans rows


def test_cli_writes_the_ledger_and_a_unit_sees_only_its_measures(rt, tracked, db, tmp_path, monkeypatch, capsys,
                                                                  make_user):
    monkeypatch.setenv("REFORM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REFORM_NOW", "2022-06-20T09:00:00+08:00")
    out = tmp_path / "ledger.xlsx"
    assert main(["report", "ledger", "--out", str(out)]) == 0
    assert main(["report", "ledger", "--plan", "nope", "--out", str(out)]) == 2
    assert "未知方案代码" in capsys.readouterr().err
    ws = load_workbook(out)["任务台账"]
    with Session(rt.engine) as s:
        total = s.exec(select(func.count()).select_from(Measure)).one()
        led = s.exec(select(func.count()).select_from(MeasureUnit).join(Unit, Unit.id == MeasureUnit.unit_id)
                     .where(Unit.name == "区市场监管局")).one()
    assert sum(1 for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value) == total
    clerk_sheet = load_workbook(io.BytesIO(download(rt, make_user("clerk2", "unit_staff", "区市场监管局"))))
    ws = clerk_sheet["任务台账"]
    listed = [ws.cell(r, 4).value for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value]
    assert len(listed) == led and all("区市场监管局" in units for units in listed)
