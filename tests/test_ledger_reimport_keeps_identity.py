"""Re-importing an edited ledger never moves a measure's identity: each has a 举措编号 given at its first import, the
export carries it and the import matches by it (else by item and text, never by position). A deleted row is
reported, never shifts the others; a change to a measure under way is a warning, applied only with --force; new
units need --create-units; unit names are checked and spreadsheet cells are never evaluated."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from engine.history import HistoryRecord
from runtime import reports
from tests.world import World, people
from workflows.ledger.errors import LedgerError
from workflows.ledger.importer import import_ledger
from workflows.models import Evidence, Item, Measure, MeasureUnit, Unit

KEY_COLUMN = 12  # 举措编号, after the tracking columns


def export(rt, path: Path) -> Path:
    with rt.read() as session:
        path.write_bytes(reports.ledger_workbook(rt, session, None).content)
    return path


def sheet_rows(path: Path) -> list[list]:
    ws = load_workbook(path)["任务台账"]
    return [[ws.cell(r, c).value for c in range(1, KEY_COLUMN + 1)] for r in range(1, ws.max_row + 1)]


def write_rows(path: Path, rows: list[list]) -> Path:
    """The sheet again as an office would save it after editing (values only, merged cells as blanks)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def identity(rt) -> dict[str, tuple]:
    """Every measure by key: id, text, units, state, version, evidence and history counts."""
    with Session(rt.engine) as s:
        out = {}
        for m in s.exec(select(Measure).order_by(Measure.seq)):
            units = tuple(s.exec(select(Unit.name).join(MeasureUnit).where(MeasureUnit.measure_id == m.id)
                                 .order_by(MeasureUnit.position)))
            evidence = len(s.exec(select(Evidence.id).where(Evidence.measure_id == m.id)).all())
            records = len(s.exec(select(HistoryRecord.id).where(HistoryRecord.subject_id == m.id,
                                                                HistoryRecord.workflow == "reform_measure")).all())
            out[m.key_code] = (m.id, m.seq, m.text, units, m.state, m.version, evidence, records)
        return out


@pytest.fixture
def world(rt, ledger):
    """The Wulong ledger; one 区市场监管局 measure started, with progress and evidence."""
    w = World(rt)
    w.users = people(rt, {"clerk": ("unit_staff", "区市场监管局")})
    with Session(rt.engine) as s:
        rows = s.exec(select(Measure, Item).join(Item, Item.id == Measure.item_id).order_by(Measure.seq)).all()
        per_item = {}
        for m, item in rows:
            per_item.setdefault(item.id, []).append(m)
        lone = [m for m, item in rows if len(per_item[item.id]) == 1 and m.state == "assigned"]
        gone = lone[0]  # a row to delete: a one-measure item, so no continuation row depends on it
        mine = [m for m, _ in rows if m.seq > gone.seq and m.state == "assigned" and s.exec(
            select(Unit.name).join(MeasureUnit).where(MeasureUnit.measure_id == m.id, MeasureUnit.position == 0)
        ).one() == "区市场监管局"]
        busy, edited = mine[0], lone[1] if lone[1].id != mine[0].id else lone[2]
    w.act(busy.id, "start", "clerk")
    w.act(busy.id, "update_progress", "clerk", comment="已完成调研", percent=30)
    with rt.write() as s:
        s.add(Evidence(measure_id=busy.id, sha256="b" * 64, filename="调研报告.pdf", content_type="application/pdf",
                       size=9, uploaded_by=w.users["clerk"].id, uploaded_at=rt.clock.now()))
    return {"gone": gone.key_code, "busy": busy.key_code, "edited": edited.key_code}


def run(rt, path, **kwargs):
    with rt.write() as session:
        return import_ledger(session, path, clock=rt.clock, service=rt.workflows["reform_measure"], **kwargs)


def test_keys_are_given_at_the_first_import_per_item_and_never_twice(rt, ledger):
    codes = identity(rt)
    assert len(codes) == 85 and None not in codes
    assert {"WL22-001-1", "WL22-033-1", "WL22-033-2", "WL22-042-3"} <= set(codes)
    with Session(rt.engine) as s:
        first = s.exec(select(Measure).where(Measure.seq == 1)).one()
    assert first.key_code == "WL22-001-1"


def test_an_edited_export_reimports_with_every_measure_keeping_its_identity(rt, world, tmp_path, cli, capsys):
    before = identity(rt)
    rows = sheet_rows(export(rt, tmp_path / "台账.xlsx"))
    codes = [r[KEY_COLUMN - 1] for r in rows]
    edited_row = rows[codes.index(world["edited"])]
    edited_row[2] += "（修订：增加线上办理）"
    del rows[codes.index(world["gone"])]
    path = write_rows(tmp_path / "edited.xlsx", rows)

    assert cli(["ledger", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    seq_gone, seq_edited = before[world["gone"]][1], before[world["edited"]][1]
    assert f"~ 第 {seq_edited} 条举措 变更：具体举措 " in out and f"（编号 {world['edited']}）" in out
    assert f"来源中没有的举措 1 条（未删除，其他举措不受影响）：第 {seq_gone} 条（{world['gone']}）" in out
    items = next(line for line in out.splitlines() if line.startswith("事项 "))
    assert "举措 84：新建 0，更新 1，未变 83" in out and "：新建 0，更新 0，" in items  # no item renumbered
    assert "警告" not in out

    assert cli(["ledger", "import", str(path)]) == 0
    after = identity(rt)
    assert set(after) == set(before)  # nothing deleted, nothing added
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {world["edited"]}
    assert after[world["edited"]][2].endswith("（修订：增加线上办理）") and after[world["edited"]][0] == before[
        world["edited"]][0]
    busy = after[world["busy"]]
    assert busy == before[world["busy"]] and busy[4] == "in_progress" and busy[6] == 1 and busy[7] == 3

    assert cli(["ledger", "import", str(path)]) == 0  # idempotent
    assert "没有变化" in capsys.readouterr().out.splitlines()[-1] or identity(rt) == after
    assert identity(rt) == after


def test_a_change_to_a_measure_under_way_is_held_until_forced_and_recorded(rt, world, tmp_path, cli, capsys):
    before = identity(rt)
    rows = sheet_rows(export(rt, tmp_path / "台账.xlsx"))
    codes = [r[KEY_COLUMN - 1] for r in rows]
    busy_row = rows[codes.index(world["busy"])]
    busy_row[3] = "区政务办"  # another unit
    busy_row[2] += "（调整）"
    path = write_rows(tmp_path / "moved.xlsx", rows)

    assert cli(["ledger", "import", str(path), "--dry-run"]) == 0
    warning = next(line for line in capsys.readouterr().out.splitlines() if "警告" in line)
    seq = before[world["busy"]][1]
    assert warning.startswith(f"  ! 警告：第 {seq} 条举措（编号 {world['busy']}）已在办理中（状态为推进中")
    assert "牵头单位 “区市场监管局” → “区政务办”" in warning and "具体举措 " in warning
    assert "佐证材料 1 条" in warning and "未应用：确认后加 --force" in warning

    assert cli(["ledger", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "有 1 条已在办理中的举措的变更未应用" in out
    assert identity(rt) == before

    assert cli(["ledger", "import", str(path), "--force"]) == 0
    assert "已按 --force 应用" in capsys.readouterr().out
    after = identity(rt)
    busy = after[world["busy"]]
    assert busy[0] == before[world["busy"]][0] and busy[3] == ("区政务办",) and busy[4] == "in_progress"
    assert busy[6] == 1 and busy[7] == 4  # the evidence kept, one record more
    with Session(rt.engine) as s:
        record = s.exec(select(HistoryRecord).where(HistoryRecord.subject_id == busy[0],
                                                    HistoryRecord.workflow == "reform_measure")
                        .order_by(HistoryRecord.seq.desc())).first()
    assert record.action == "reimport" and record.at >= rt.clock.now() and record.payload["forced"] is True  # as now
    assert record.payload["changes"]["units"] == ["区市场监管局", "区政务办"] and "--force" in record.comment
    assert {k for k in before if before[k] != after[k]} == {world["busy"]}


def csv_of(rt, tmp_path: Path, edit) -> Path:
    """The export as a CSV without the key column (a ledger kept elsewhere), edited by `edit(rows)`."""
    rows = sheet_rows(export(rt, tmp_path / "台账.xlsx"))
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    body = [r[:6] for r in rows[head:]]
    edit(body)
    path = tmp_path / "台账.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([[c if c is not None else "" for c in r] for r in body])
    return path


def test_without_keys_rows_match_by_item_and_text_never_by_position(rt, world, tmp_path):
    before = identity(rt)
    by_text = {v[2]: k for k, v in before.items()}

    def edit(body):
        texts = [r[2] for r in body]
        gone = texts.index(before[world["gone"]][2])
        body[texts.index(before[world["edited"]][2])][2] += "（修订）"
        del body[gone]

    result = run(rt, csv_of(rt, tmp_path, edit))
    assert result.missing == [before[world["gone"]][1]] and result.measures.updated == 1
    assert result.matched.get("new", 0) == 0
    after = identity(rt)
    assert {k for k in before if before[k] != after[k]} == {world["edited"]}
    assert after[world["busy"]] == before[world["busy"]] and by_text[before[world["busy"]][2]] == world["busy"]


def test_new_units_are_listed_and_created_only_when_confirmed(rt, ledger, tmp_path, cli, capsys):
    def edit(body):
        body[2][3] = "区新成立局、区财政局"

    path = csv_of(rt, tmp_path, edit)
    assert cli(["ledger", "import", str(path), "--dry-run"]) == 0
    assert "新单位 1 个（需确认：加 --create-units 才会新建）：区新成立局" in capsys.readouterr().out
    assert cli(["ledger", "import", str(path)]) == 2
    assert "台账中有 1 个尚未登记的单位：区新成立局" in capsys.readouterr().err
    assert cli(["ledger", "import", str(path), "--create-units"]) == 0
    with Session(rt.engine) as s:
        assert s.exec(select(Unit).where(Unit.name == "区新成立局")).one().kind == "lead"


def test_markup_in_a_unit_name_is_refused_naming_row_and_column(rt, ledger, tmp_path, cli, capsys):
    def edit(body):
        body[2][3] = "区财政局、<script>x</script>局"

    path = csv_of(rt, tmp_path, edit)
    assert cli(["ledger", "import", str(path), "--dry-run", "--create-units"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reform: 错误: 第 3 行“牵头单位”列：单位名称“<script>x</script>局”含有不允许的字符") and (
        err.count("\n") == 1)
    ok = "区财政局、人行武隆支行（营业部）·二-三"
    assert run(rt, csv_of(rt, tmp_path, lambda b: b[2].__setitem__(3, ok)), dry_run=True).new_units == [
        "人行武隆支行（营业部）·二-三"]


def test_an_unknown_key_is_refused_and_a_duplicate_too(rt, ledger, tmp_path):
    rows = sheet_rows(export(rt, tmp_path / "台账.xlsx"))
    codes = [r[KEY_COLUMN - 1] for r in rows]
    rows[codes.index("WL22-001-1")][KEY_COLUMN - 1] = "WL22-001-9"
    with pytest.raises(LedgerError, match="举措编号“WL22-001-9”不是本方案任何举措的编号"):
        run(rt, write_rows(tmp_path / "a.xlsx", rows), dry_run=True)
    rows[codes.index("WL22-001-1")][KEY_COLUMN - 1] = "WL22-002-1"
    with pytest.raises(LedgerError, match="举措编号“WL22-002-1”与第 .* 行重复") as caught:
        run(rt, write_rows(tmp_path / "b.xlsx", rows), dry_run=True)
    assert caught.value.column == "举措编号"


def test_cells_that_look_like_formulas_stay_text_and_nothing_is_evaluated(rt, ledger, tmp_path):
    rows = sheet_rows(export(rt, tmp_path / "台账.xlsx"))
    codes = [r[KEY_COLUMN - 1] for r in rows]
    rows[codes.index("WL22-001-1")][2] = "=1+1"
    rows[codes.index("WL22-002-1")][2] = "+86电话受理"
    rows[codes.index("WL22-003-1")][5] = "@备注"
    path = write_rows(tmp_path / "f.xlsx", rows)  # openpyxl writes "=1+1" as a formula, as Excel would
    assert load_workbook(path).active.cell(codes.index("WL22-001-1") + 1, 3).data_type == "f"
    run(rt, path)
    with Session(rt.engine) as s:
        texts = {m.key_code: (m.text, m.note) for m in s.exec(select(Measure))}
    assert texts["WL22-001-1"][0] == "=1+1" and texts["WL22-002-1"][0] == "+86电话受理"
    assert texts["WL22-003-1"][1].startswith("@备注")
    again = load_workbook(io.BytesIO(export(rt, tmp_path / "again.xlsx").read_bytes()))["任务台账"]
    cell = next(again.cell(r, 3) for r in range(1, again.max_row + 1) if again.cell(r, 3).value == "=1+1")
    assert cell.data_type == "s"  # exported as text, never as a formula
    assert not run(rt, tmp_path / "again.xlsx").changed  # and it imports back unchanged


def test_the_admin_preview_asks_to_confirm_new_units(rt, ledger, tmp_path, make_user):
    from tests.web_support import sign_in
    from tests.world import client

    make_user("root", "admin")
    path = csv_of(rt, tmp_path, lambda body: body[2].__setitem__(3, "区新成立局"))
    with client(rt) as c:
        token = sign_in(c, "root")
        preview = c.post("/admin/import", data={"source": "file", "plan": "", "_csrf_token": token},
                         files={"file": ("台账.csv", path.read_bytes())})
        assert preview.status_code == 200 and 'name="create_units"' in preview.text and "区新成立局" in preview.text
        staged = preview.text.split('name="token" value="')[1].split('"')[0]
        refused = c.post("/admin/import/apply", data={"token": staged, "plan": "", "_csrf_token": token})
        assert refused.status_code == 400 and "尚未登记的单位：区新成立局" in refused.text
        done = c.post("/admin/import/apply", data={"token": staged, "plan": "", "create_units": "on",
                                                   "_csrf_token": token})
        assert done.status_code == 200 and "已导入" in done.text
    with Session(rt.engine) as s:
        assert s.exec(select(Unit).where(Unit.name == "区新成立局")).one()
