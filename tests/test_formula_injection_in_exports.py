"""A text that a spreadsheet would run (= + - @, a tab, a CR) comes back as text in every exported workbook: a
progress comment and an imported ledger cell, through the API, the page and `reform report ledger`."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook, load_workbook

from tests.web_support import as_user
from tests.world import fire, people, token, unit_named
from web.app import create_app
from workflows.ledger.importer import import_ledger
from workflows.reports import xlsx
from workflows.reports.xlsx import Col, Sheet, Stamp

COMMENT = '=HYPERLINK("http://evil.example","详情")'
CELL = "=cmd|' /C calc'!A0"
NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
CSV = (
    "序号,改革事项,具体举措,牵头单位,时间节点,备注\n"
    "一、测试类,,,,,\n"
    f"1,一照多址改革,经营场所备案,区市场监管局,2022年6月,\"{NOTE}\"\n"
    f"2,清除隐性门槛,\"{CELL}\",区市场监管局,2022年12月,\n"
    "3,分支机构变更,\"-1+1\",区市场监管局,2022年12月,\n"
)


@pytest.fixture
def world(rt, tmp_path):
    with rt.write() as session:
        unit_named(session, "区市场监管局")  # a known unit: the import is about cells, not new units
    source = tmp_path / "台账.csv"
    source.write_text(CSV, encoding="utf-8")
    with rt.write() as session:
        import_ledger(session, source, clock=rt.clock, service=rt.workflows["reform_measure"], create_units=True)
    users = people(rt, {"clerk": ("unit_staff", "区市场监管局"), "office": ("office", None)})
    with TestClient(create_app(rt)) as client:
        auth = token(rt, users["clerk"])
        mid = next(m["id"] for m in client.get("/api/measures", headers=auth).json()["items"]
                   if m["text"] == "经营场所备案")
        assert fire(client, auth, mid, "start").status_code == 200
        assert fire(client, auth, mid, "update_progress", comment=COMMENT).status_code == 200
    return users


def formulas(content: bytes) -> list[str]:
    """Every formula element in the workbook's sheets: none may come from a text."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return [name for name in zf.namelist() if name.startswith("xl/worksheets/") and b"<f>" in zf.read(name)]


def texts(content: bytes) -> dict[str, str]:
    """Each text cell's value and type, for the texts of this test."""
    wanted = {COMMENT, CELL, NOTE, "-1+1"}
    out = {}
    for ws in load_workbook(io.BytesIO(content)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in wanted:
                    out[cell.value] = cell.data_type
    return out


def check(content: bytes, expected: set[str]) -> None:
    assert formulas(content) == []
    found = texts(content)
    assert set(found) == expected and set(found.values()) == {"s"}, found


def test_the_exported_ledger_keeps_formulas_as_text_through_the_api(rt, world):
    with TestClient(create_app(rt)) as client:
        resp = client.get("/api/reports/ledger.xlsx", headers=token(rt, world["office"]))
    assert resp.status_code == 200
    check(resp.content, {COMMENT, CELL, NOTE, "-1+1"})  # 最新进展, 具体举措, 备注


def test_the_page_route_and_the_command_line_write_the_same_texts(rt, world, cli, tmp_path):
    with TestClient(create_app(rt)) as client:
        user = world["office"]
        as_user(client, rt, user)
        page = client.get("/reports/ledger.xlsx")
    assert page.status_code == 200
    check(page.content, {COMMENT, CELL, NOTE, "-1+1"})
    out = tmp_path / "ledger.xlsx"
    assert cli(["report", "ledger", "--out", str(out)]) == 0
    check(out.read_bytes(), {COMMENT, CELL, NOTE, "-1+1"})


def test_the_monthly_workbook_keeps_the_comment_as_text(rt, world):
    with TestClient(create_app(rt)) as client:
        resp = client.get("/api/reports/monthly", params={"month": "2022-06", "format": "xlsx"},
                          headers=token(rt, world["office"]))
    assert resp.status_code == 200
    check(resp.content, {COMMENT})  # 进展报送 lists the comment


def test_the_one_cell_writer_guards_every_leading_character():
    values = ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "正常文本", "a=b"]
    sheet = Sheet("表", "标题", [Col("值", 20)], [[v] for v in values])
    content = xlsx.workbook_bytes("标题", datetime(2022, 6, 20), [sheet], Stamp("办", date(2022, 6, 20)))
    ws = load_workbook(io.BytesIO(content))["表"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 1) for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value in values}
    assert set(cells) == set(values) and formulas(content) == []
    assert all(cells[v].data_type == "s" for v in values)
    assert all(cells[v].quotePrefix for v in values[:6]) and not cells["正常文本"].quotePrefix
    plain = Workbook()  # what openpyxl does without the guard: the reason for it
    plain.active["A1"] = "=1+1"
    assert plain.active["A1"].data_type == "f"
