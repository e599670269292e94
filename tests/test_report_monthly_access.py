"""Who may see which 月调度 report, how it is asked for, and the Chinese errors for bad months."""

from __future__ import annotations

import io

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook

from tests.world import june_scenario, token
from web.app import create_app
from workflows.reports.xlsx import XLSX_TYPE


@pytest.fixture
def world(rt):
    return june_scenario(rt)


@pytest.fixture
def client(rt, world):
    with TestClient(create_app(rt)) as c:
        yield c


@pytest.mark.parametrize("month, words", [
    ("2022-13", "01 至 12"), ("2022/06", "YYYY-MM"), ("juni", "YYYY-MM"), ("", "请指定月份"),
    ("1999-12", "2000 至 2099"), ("2022-07", "尚未开始"),
])
def test_bad_months_get_a_chinese_400(client, rt, world, month, words):
    resp = client.get("/api/reports/monthly", params={"month": month}, headers=token(rt, world.users["office"]))
    assert resp.status_code == 400
    assert words in resp.json()["detail"] and resp.json()["message"] == resp.json()["detail"]


def test_no_token_no_report(client):
    assert client.get("/api/reports/monthly", params={"month": "2022-06"}).status_code == 401


def test_unit_user_sees_only_their_own_unit(client, rt, world):
    headers = token(rt, world.users["cz"])
    body = client.get("/api/reports/monthly", params={"month": "2022-06"}, headers=headers).json()
    assert body["scope"] == "区财政局" and [u["unit"] for u in body["units"]] == ["区财政局"]
    assert {r["unit"] for r in body["overdue"] + body["completed"]} <= {"区财政局"}
    assert body["overall"]["measures"] == body["units"][0]["measures"]
    other = client.get("/api/reports/monthly", params={"month": "2022-06", "unit": "区政务办"}, headers=headers)
    assert other.status_code == 403


@pytest.mark.parametrize("role", ["office", "reviewer", "admin"])
def test_offices_see_every_unit_or_pick_one(client, rt, world, role):
    headers = token(rt, world.users[role])
    everything = client.get("/api/reports/monthly", params={"month": "2022-06"}, headers=headers).json()
    assert len(everything["units"]) == 3 and everything["scope"] == "全区"
    one = client.get("/api/reports/monthly", params={"month": "2022-06", "unit": "区政务办"}, headers=headers).json()
    same_unit = next(u for u in everything["units"] if u["unit"] == "区政务办")
    assert one["scope"] == "区政务办" and one["overall"] == {k: v for k, v in same_unit.items()
                                                          if k not in ("unit", "lagging", "lagging_reasons")}
    unknown = client.get("/api/reports/monthly", params={"month": "2022-06", "unit": "区外星局"}, headers=headers)
    assert unknown.status_code == 400 and "未知单位" in unknown.json()["detail"]


def test_accept_header_or_format_gives_the_workbook(client, rt, world):
    headers = token(rt, world.users["office"])
    by_accept = client.get("/api/reports/monthly", params={"month": "2022-06"}, headers=headers | {"Accept": XLSX_TYPE})
    by_param = client.get("/api/reports/monthly", params={"month": "2022-06", "format": "xlsx"}, headers=headers)
    for resp in (by_accept, by_param):
        assert resp.status_code == 200 and resp.headers["content-type"] == XLSX_TYPE
        assert "filename*=UTF-8''%E6%9C%88%E8%B0%83%E5%BA%A6-2022-06.xlsx" in resp.headers["content-disposition"]
    assert cells(by_accept.content) == cells(by_param.content)
    bad = client.get("/api/reports/monthly", params={"month": "2022-06", "format": "pdf"}, headers=headers)
    assert bad.status_code == 400


def cells(content: bytes) -> dict:
    """Every sheet's values, merged ranges, widths and frozen cell: what a reader of the workbook sees."""
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: ([[c.value for c in row] for row in ws.iter_rows()], sorted(map(str, ws.merged_cells.ranges)),
                       {k: d.width for k, d in ws.column_dimensions.items()}, ws.freeze_panes,
                       [[c.number_format for c in row] for row in ws.iter_rows()])
            for ws in wb.worksheets}


def test_cli_writes_the_same_workbook_as_the_download(cli, client, rt, world, tmp_path, capsys):
    out = tmp_path / "june.xlsx"
    assert cli(["report", "monthly", "--month", "2022-06", "--out", str(out)]) == 0
    assert "june.xlsx" in capsys.readouterr().out
    download = client.get("/api/reports/monthly", params={"month": "2022-06", "format": "xlsx"},
                          headers=token(rt, world.users["office"]))
    assert cells(out.read_bytes()) == cells(download.content)


@pytest.mark.parametrize("argv, words", [
    (["--month", "2022-13", "--out", "x.xlsx"], "01 至 12"), (["--month", "2031-01", "--out", "x.xlsx"], "尚未开始"),
    (["--month", "2022-06", "--unit", "区外星局", "--out", "x.xlsx"], "未知单位"), (["--month", "2022-06"], "--out"),
    (["--month", "2022-06", "--out", "june.pdf"], ".xlsx"),
])
def test_cli_bad_input_exits_2_with_one_chinese_line(cli, world, argv, words, capsys):
    assert cli(["report", "monthly", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
