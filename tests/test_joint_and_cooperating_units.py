"""Joint lead units (共同牵头) from the plan are all assessed; 配合单位 come from a sheet's column, are stored,
exported and read back, see the measure and report progress, and are never assessed."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from sqlmodel import Session, select

from runtime import reports
from tests.world import client, headers, people
from workflows.ledger.importer import import_ledger
from workflows.models import COOPERATING, LEAD, Item, Measure, MeasureUnit, Unit
from workflows.reports.formula import Formula

HEADER = ["类别", "序号", "改革事项", "具体举措", "牵头单位", "配合单位", "时间节点", "备注"]
JOINT, HELPERS = "区城市管理局、区住房城乡建委", "区财政局、区税务局"
ROWS = [["一、测试类", "1", "联合审批", "推进联合审批", JOINT, HELPERS, "2022年6月", ""],
        ["一、测试类", "2", "单项事项", "单一牵头举措", "区市场监管局", "", "2022年6月", ""]]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def imported(rt, path, **kwargs):
    with rt.write() as session:
        return import_ledger(session, path, clock=rt.clock, service=rt.workflows["reform_measure"],
                             create_units=True, plan_code="t-2022", **kwargs)


def links(rt, text: str) -> list[tuple[str, str]]:
    with Session(rt.engine) as s:
        m = s.exec(select(Measure).where(Measure.text == text)).one()
        rows = s.execute(select(Unit.name, MeasureUnit.part).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
                         .where(MeasureUnit.measure_id == m.id).order_by(MeasureUnit.position)).all()
    return [tuple(r) for r in rows]


def test_a_sheets_cooperating_units_are_stored_exported_and_read_back(rt, tmp_path):
    imported(rt, write_csv(tmp_path / "台账.csv", ROWS))
    assert links(rt, "推进联合审批") == [("区城市管理局", LEAD), ("区住房城乡建委", LEAD), ("区财政局", COOPERATING),
                                   ("区税务局", COOPERATING)]
    assert links(rt, "单一牵头举措") == [("区市场监管局", LEAD)]
    with rt.read() as session:
        exported = tmp_path / "导出.xlsx"
        exported.write_bytes(reports.ledger_workbook(rt, session, None).content)
    again = imported(rt, exported)
    assert again.measures.updated == 0 and not again.changed  # the export names them in its 配合单位 column
    edited = [r[:] for r in ROWS]
    edited[0][5] = "区税务局"
    result = imported(rt, write_csv(tmp_path / "改.csv", edited))
    assert result.measures.updated == 1
    assert links(rt, "推进联合审批")[2:] == [("区税务局", COOPERATING)]


def test_a_unit_cannot_lead_and_cooperate_on_one_measure(rt, tmp_path):
    bad = [r[:] for r in ROWS]
    bad[0][5] = "区住房城乡建委"
    import pytest

    from workflows.ledger.errors import LedgerError

    with pytest.raises(LedgerError, match="已是牵头单位"):
        imported(rt, write_csv(tmp_path / "坏.csv", bad))


def test_cooperating_units_see_and_report_progress_but_are_not_assessed(rt, tmp_path):
    imported(rt, write_csv(tmp_path / "台账.csv", ROWS))
    users = people(rt, {"cz": ("unit_staff", "区财政局"), "cg": ("unit_staff", "区城市管理局"),
                        "zj": ("unit_staff", "区住房城乡建委"), "rev": ("supervisor", None)})
    with Session(rt.engine) as s:
        mid = s.exec(select(Measure.id).where(Measure.text == "推进联合审批")).one()
    with client(rt) as c:
        seen = c.get(f"/api/measures/{mid}", headers=headers(rt, users["cz"])).json()
        assert seen["cooperating_units"] == ["区财政局", "区税务局"], seen
        assert seen["units"] == ["区城市管理局", "区住房城乡建委"]
        assert seen["primary_unit"] == "区城市管理局"
        assert seen["allowed_actions"] == []  # assigned: only the lead units start it
        c.post(f"/api/measures/{mid}/actions/start", json={"version": seen["version"]},
               headers=headers(rt, users["cg"]))
        version = c.get(f"/api/measures/{mid}", headers=headers(rt, users["cz"])).json()["version"]
        note = c.post(f"/api/measures/{mid}/actions/update_progress", json={"version": version, "comment": "已配合"},
                      headers=headers(rt, users["cz"]))
        assert note.status_code == 200
        report = c.post(f"/api/measures/{mid}/actions/report", json={"version": version + 1, "comment": "x"},
                        headers=headers(rt, users["cz"]))
        assert report.status_code == 403
    with rt.read() as session:
        year = reports.assessment(rt, session, None, "2022")
    assessed = {u.unit for u in year.units}
    assert {"区城市管理局", "区住房城乡建委"} <= assessed and not assessed & {"区财政局", "区税务局"}


def test_item_59s_three_lead_units_are_all_assessed_and_the_co_lead_share_applies(rt, ledger):
    with Session(rt.engine) as s:
        item = s.exec(select(Item).where(Item.item_no == "59")).one()
        (m,) = s.exec(select(Measure).where(Measure.item_id == item.id)).all()
        names = [n for n, in s.execute(select(Unit.name).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
                                       .where(MeasureUnit.measure_id == m.id, MeasureUnit.part == LEAD)
                                       .order_by(MeasureUnit.position))]
    assert names == ["区规划自然资源局", "区财政局", "区税务局"]
    rt.clock.set(rt.clock.now().replace(year=2022, month=7, day=20))  # past its deadline (2022年5月), unreported
    with rt.read() as session:
        full = reports.assessment(rt, session, None, "2022")
    lines = {u.unit: u for u in full.units}

    def overdue(unit: str) -> float:
        return next(line.quantity for line in lines[unit].lines if line.key == "overdue_workdays")

    for unit in names:  # every lead unit carries the measure's overdue days, in full by default
        assert any("第59项" in d for line in lines[unit].lines for d in line.measures), unit
    half = replace(rt.config.reports.formula, co_lead_share=0.5)
    config = replace(rt.config, reports=replace(rt.config.reports, formula=half))
    with rt.read() as session:
        shared = reports.assessment(replace(rt, config=config), session, None, "2022")
    by_unit = {u.unit: u for u in shared.units}
    item59 = [d for d in by_unit["区税务局"].details if d.item_no == "59" and d.rule_key == "overdue_workdays"]
    assert item59 and "共同牵头单位，按 0.5 计" in item59[0].note
    first = next(line.quantity for line in by_unit["区规划自然资源局"].lines if line.key == "overdue_workdays")
    assert first == overdue("区规划自然资源局")  # the first lead unit is not halved
    assert isinstance(half, Formula) and half.co_lead_share == 0.5


def test_cooperating_units_are_copied_on_the_l2_rung(rt, tmp_path):
    import json

    from engine.outbox import OutboxMessage
    from tests.world import address, bj

    imported(rt, write_csv(tmp_path / "台账.csv", ROWS))
    people(rt, {"cz": ("unit_staff", "区财政局"), "cghead": ("unit_head", "区城市管理局"),
                "zj": ("unit_staff", "区住房城乡建委")})
    rt.sweep(bj("2022-07-01 09:00"))  # L1 (the day after 2022-06-30): the lead unit only
    rt.sweep(bj("2022-07-07 09:00"))  # L2 督办: the head, 督查办 and the 配合单位 in copy
    with Session(rt.engine) as s:
        rows = [(address(rt, m), json.loads(m.payload).get("level"), m.kind)
                for m in s.exec(select(OutboxMessage).order_by(OutboxMessage.id))]
        copies = {address(rt, m) for m in s.exec(select(OutboxMessage))
                  if json.loads(m.payload).get("level") == "L2" and json.loads(m.payload).get("copy")}
    l2 = {who for who, level, kind in rows if kind == "escalation" and level == "L2"}
    assert "cz@wulong.example" in l2 and "cz@wulong.example" in copies and "cghead@wulong.example" in l2
    l1 = {who for who, level, kind in rows if kind == "escalation" and level == "L1"}
    assert "cz@wulong.example" not in l1
