"""The Wulong 2022 ledger from the plan: counts derived from the raw annex, quirks, idempotence, xlsx/csv."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, select

from engine.db import write_session
from engine.history import HistoryRecord
from workflows import accounts
from workflows.ledger.importer import import_ledger
from workflows.models import Category, Item, Measure, MeasureUnit, Plan, Unit

PLAN_TEXT = Path(__file__).resolve().parents[1] / "workflows" / "data" / "wulong-pilot-plan-2022.txt"
DUE_CELL = re.compile(r"\t(\d{4}年\d{1,2}月|已完成)\s*")
HEADER = ("序号", "改革事项", "具体举措", "牵头单位", "时间节点", "备注")


# -- the annex read a second, simpler way: by position around each deadline cell


def annex_lines() -> list[str]:
    lines = PLAN_TEXT.read_text(encoding="utf-8").split("\n")
    return lines[lines.index("\t序号"):]


def strip(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"\[[a-z]+:[^\]]*\]", "", text))


def expected() -> dict:
    """Counts taken from the raw text: a deadline cell marks a measure; units sit just above it."""
    lines = annex_lines()
    due_at = [i for i, line in enumerate(lines) if DUE_CELL.fullmatch(line)]
    unit_cells = [strip(lines[i - 1]) for i in due_at]
    numbers = {strip(lines[i - 4]) for i in due_at} - {""}
    return {
        "categories": sum(1 for line in lines if re.match(r"\t[一二三四五六七八九十]+、", line)),
        "measures": len(due_at),
        "items": len(numbers),
        "max_item": max(int(n) for n in numbers),
        "done": sum(1 for i in due_at if strip(lines[i]) == "已完成"),
        "key": sum(1 for line in lines if strip(line) == "重点改革事项"),
        "joint": sum(1 for cell in unit_cells if "、" in cell),
        "units": len({name for cell in unit_cells for name in cell.split("、")}),
    }


def annex_table() -> list[list[str]]:
    """Rows of raw cells (markers and stray spaces kept), category rows as one cell, for test files."""
    text = "\n".join(annex_lines()[:])
    rows = []
    for block in text.split("\n\n"):
        cells = [c[1:] if c.startswith("\t") else c for c in block.split("\n")]
        rows.append((cells + [""] * 6)[:6])
    return rows[1:]


def with_category_column(rows: list[list[str]]) -> list[list[str]]:
    """The same ledger with a 所属类别 column (bare titles, no 一、) instead of category rows."""
    out, category = [], ""
    for cells in rows:
        if re.match(r"[一二三四五六七八九]、", cells[0]) and not cells[2].strip():
            category = strip(cells[0])[2:]
            continue
        out.append([category, *cells])
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """Title rows, the header, category rows merged across, continued items merged down like the plan."""
    book = Workbook()
    ws = book.active
    ws.append(["武隆区首批营商环境创新试点改革事项清单"])
    ws.append(["（2022年5月）"])
    ws.append(list(HEADER))
    for cells in rows:
        ws.append([c if c.strip() else None for c in cells])
        r = ws.max_row
        if re.match(r"[一二三四五六七八九]、", cells[0]) and not cells[2].strip():
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        elif not cells[0].strip() and not cells[1].strip():
            top = r - 1
            while ws.cell(top, 1).value is None:  # a merged-down cell reads as None
                top -= 1
            for col in (1, 2):
                for rng in [m for m in ws.merged_cells.ranges if m.min_col == col and m.min_row == top]:
                    ws.unmerge_cells(str(rng))
                ws.merge_cells(start_row=top, start_column=col, end_row=r, end_column=col)
    book.save(path)
    return path


def measures_of(session: Session, code: str) -> list[tuple]:
    plan = session.exec(select(Plan).where(Plan.code == code)).one()
    out = []
    for m in session.exec(select(Measure).where(Measure.plan_id == plan.id).order_by(Measure.seq)):
        item = session.get(Item, m.item_id)
        category = session.get(Category, item.category_id)
        out.append((m.seq, category.title, item.item_no, item.title, m.text, unit_names(session, m.id),
                    m.due_text, m.due_date, m.key, m.declared_done, m.state, m.note))
    return out


def unit_names(session: Session, measure_id: int) -> tuple[str, ...]:
    stmt = (select(Unit.name).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
            .where(MeasureUnit.measure_id == measure_id).order_by(MeasureUnit.position))
    return tuple(session.exec(stmt))


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def state_of(session: Session) -> dict:
    """Everything an import may write, to prove that another wrote nothing."""
    return {"plans": count(session, Plan), "categories": count(session, Category),
            "items": count(session, Item), "units": count(session, Unit),
            "links": count(session, MeasureUnit),
            "history": count(session, HistoryRecord),
            "measures": [(m.seq, m.version, m.deadline_version, m.due_date, m.text, m.state)
                         for m in session.exec(select(Measure).order_by(Measure.plan_id, Measure.seq))]}


def run_import(rt, source, **kwargs):
    with write_session(rt.engine) as session:
        return import_ledger(session, source, clock=rt.clock, **kwargs)


# -- the built-in import


def test_builtin_counts_match_the_annex(ledger, rt):
    want = expected()
    assert (want["categories"], want["measures"], want["max_item"]) == (9, want["measures"], want["items"])
    with Session(rt.engine) as s:
        plan = s.exec(select(Plan)).one()
        measures = s.exec(select(Measure).where(Measure.plan_id == plan.id)).all()
        links = s.exec(select(MeasureUnit)).all()
        per_measure = {m.id: sum(1 for link in links if link.measure_id == m.id) for m in measures}
        assert count(s, Category) == want["categories"]
        assert count(s, Item) == want["items"]
        assert len(measures) == want["measures"]
        assert len({link.unit_id for link in links}) == want["units"]
        assert sum(m.key for m in measures) == want["key"]
        assert sum(m.declared_done for m in measures) == want["done"]
        assert sum(1 for n in per_measure.values() if n > 1) == want["joint"]
        assert sorted(m.seq for m in measures) == list(range(1, want["measures"] + 1))
        configured = s.exec(select(Unit).where(Unit.name.in_(["区政府督查办", "区营商办"]))).all()
        assert len(configured) == 2, "configured units are kept"
    r = ledger
    assert (r.categories.created, r.items.created, r.measures.created, r.units.created) == (
        want["categories"], want["items"], want["measures"], want["units"])
    assert (r.key, r.done, r.joint) == (want["key"], want["done"], want["joint"])


def test_plan_row_from_the_heading(ledger, rt):
    with Session(rt.engine) as s:
        plan = s.exec(select(Plan)).one()
        titles = [c.title for c in s.exec(select(Category).order_by(Category.seq))]
    assert (plan.code, plan.title, plan.doc_no, plan.issued_on, plan.issuer) == (
        "wulong-2022", "重庆市武隆区营商环境创新试点实施方案", "武隆府发〔2022〕9号", date(2022, 5, 27),
        "重庆市武隆区人民政府")
    assert [t[:2] for t in titles] == [f"{n}、" for n in "一二三四五六七八九"]
    assert titles[0] == "一、进一步破除区域分割和地方保护等不合理限制"
    assert titles[2] == "三、持续提升投资和建设便利度"  # its image marker stripped


def test_item_quirks_and_joint_units(ledger, rt):
    with Session(rt.engine) as s:
        rows = measures_of(s, "wulong-2022")
        by_item: dict[str, list[tuple]] = {}
        for row in rows:
            by_item.setdefault(row[2], []).append(row)
        assert [r[5] for r in by_item["3"]] == [("区财政局",), ("区政务办",)]
        assert len(s.exec(select(Item).where(Item.item_no == "33")).all()) == 1  # repeated row: same item
        assert [r[5] for r in by_item["33"]] == [("区财政局",), ("区政务办",)]
        assert len(by_item["42"]) == 3 and len(by_item["38"]) == 3
        assert by_item["18"][0][5] == ("区城市管理局", "区经济信息委", "区政务办")
        m18 = s.exec(select(Measure).join(Item).where(Item.item_no == "18")).one()
        primary = s.exec(select(Unit).join(MeasureUnit).where(MeasureUnit.measure_id == m18.id,
                                                              MeasureUnit.position == 0)).one()
        assert primary.name == "区城市管理局" and m18.key
        assert {"9", "13", "27", "37", "46", "51", "56"} <= set(by_item), "numbers with markers or spaces"
        assert rows[0][6:8] == ("2022年6月", date(2022, 6, 30))
        assert by_item["2"][0][7] == date(2022, 5, 31) and by_item["4"][0][7] == date(2022, 6, 30)
        every = [str(v) for row in rows for v in row] + [u.name for u in s.exec(select(Unit))]
        assert not [v for v in every if "[" in v or "image" in v or v != v.strip()]


def test_declared_done_rows_are_reported(ledger, rt):
    with Session(rt.engine) as s:
        done = s.exec(select(Measure).where(Measure.due_text == "已完成")).all()
        others = s.exec(select(Measure).where(Measure.due_text != "已完成")).all()
        assert len(done) == expected()["done"]
        for m in done:
            assert (m.state, m.declared_done, m.due_date, m.version) == ("reported", True, None, 1)
            assert "方案印发时已完成" in m.note and m.reported_at is not None
        assert {m.state for m in others} == {"assigned"} and all(m.due_date for m in others)
        records = s.exec(select(HistoryRecord)).all()
        assert len(records) == len(done) + len(others)
        assert {(r.action, r.version, r.from_state) for r in records} == {("import", 1, None)}
        assert {r.to_state for r in records if r.subject_id in {m.id for m in done}} == {"reported"}


# -- re-import, dry run, other formats


def test_reimport_changes_nothing(ledger, rt):
    with Session(rt.engine) as s:
        before = state_of(s)
    again = run_import(rt, "builtin:wulong-2022")
    assert not again.changed and again.plan == "unchanged"
    assert (again.measures.unchanged, again.items.unchanged, again.units.unchanged) == (
        ledger.measures.created, ledger.items.created, ledger.units.created)
    with Session(rt.engine) as s:
        assert state_of(s) == before


def test_dry_run_writes_nothing(db, rt, cli, capsys):
    with Session(rt.engine) as s:
        before = state_of(s)
    result = run_import(rt, "builtin:wulong-2022", dry_run=True)
    assert result.measures.created == expected()["measures"] and result.dry_run
    assert cli(["ledger", "import", "builtin:wulong-2022", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "+ 第 85 条举措 新建" in out
    with Session(rt.engine) as s:
        assert state_of(s) == before and before["measures"] == []


def test_cli_import_prints_counts_then_nothing_to_do(cli, rt, capsys):
    assert cli(["ledger", "import", "builtin:wulong-2022"]) == 2  # its lead units are new: confirm them
    assert f"台账中有 {expected()['units']} 个尚未登记的单位" in capsys.readouterr().err
    assert cli(["ledger", "import", "builtin:wulong-2022", "--create-units"]) == 0
    out = capsys.readouterr().out
    assert f"举措 {expected()['measures']}：新建 {expected()['measures']}" in out
    assert cli(["ledger", "import", "builtin:wulong-2022"]) == 0
    assert "没有变化" in capsys.readouterr().out


def test_xlsx_and_csv_give_the_same_measures(ledger, rt, tmp_path):
    table = annex_table()
    xlsx = write_xlsx(tmp_path / "台账.xlsx", table)
    gb = write_csv(tmp_path / "台账-gbk.csv", ["所属类别", *HEADER], with_category_column(table), "gb18030")
    utf = write_csv(tmp_path / "台账.csv", ["分类", *HEADER], with_category_column(table), "utf-8")
    for code, path in (("x-2022", xlsx), ("g-2022", gb), ("u-2022", utf)):
        result = run_import(rt, path, plan_code=code)
        assert result.units.created == 0 and result.measures.created == expected()["measures"]
    with Session(rt.engine) as s:
        builtin = measures_of(s, "wulong-2022")
        assert measures_of(s, "x-2022") == builtin
        assert measures_of(s, "g-2022") == builtin
        assert measures_of(s, "u-2022") == builtin


def test_same_ledger_as_csv_into_the_plan_changes_nothing(ledger, rt, tmp_path):
    path = write_csv(tmp_path / "l.csv", ["类别", *HEADER], with_category_column(annex_table()))
    with Session(rt.engine) as s:
        before = state_of(s)
    result = run_import(rt, path)
    assert not result.changed, result.changes[:3]
    with Session(rt.engine) as s:
        assert state_of(s) == before


def test_changed_deadline_updates_with_history_and_keeps_state(ledger, rt, tmp_path, cli, capsys):
    rows = with_category_column(annex_table())
    rows[0][5] = "2022年7月"  # measure 1: new deadline
    rows[1][3] = rows[1][3] + "（修订）"  # measure 2: new text only
    rows[2][4] = "区政务办、区财政局"  # measure 3: a co-lead added
    path = write_csv(tmp_path / "v2.csv", ["类别", *HEADER], rows)
    with Session(rt.engine) as s:
        before = state_of(s)
    assert cli(["ledger", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "~ 第 1 条举措 变更：时间节点 “2022年6月” → “2022年7月”" in out
    assert "~ 第 3 条举措 变更：牵头单位 “区财政局” → “区政务办、区财政局”" in out
    with Session(rt.engine) as s:
        assert state_of(s) == before
    result = run_import(rt, path)
    assert (result.measures.updated, result.measures.created) == (3, 0)
    assert {c.key: set(c.fields) for c in result.changes if c.kind == "measure"} == {
        1: {"due_text"}, 2: {"text"}, 3: {"units"}}
    with Session(rt.engine) as s:
        m1, m2, m3 = (s.exec(select(Measure).where(Measure.seq == n)).one() for n in (1, 2, 3))
        assert (m1.due_text, m1.due_date, m1.deadline_version, m1.version, m1.state) == (
            "2022年7月", date(2022, 7, 31), 2, 2, "assigned")
        assert (m2.text.endswith("（修订）"), m2.deadline_version, m2.version) == (True, 1, 2)
        assert unit_names(s, m3.id) == ("区政务办", "区财政局")
        record = s.exec(select(HistoryRecord).where(HistoryRecord.subject_id == m1.id)
                        .order_by(HistoryRecord.seq.desc())).first()
        assert (record.action, record.version, record.from_state, record.to_state) == (
            "reimport", 2, "assigned", "assigned")
        assert record.payload["changes"]["due_text"] == ["2022年6月", "2022年7月"]
        assert count(s, HistoryRecord) == ledger.measures.created + 3


def test_approved_extension_survives_reimport(ledger, rt, make_user):
    clerk = accounts.actor_for(make_user("clerk", "unit_staff", "区市场监管局"))
    boss = accounts.actor_for(make_user("boss", "supervisor", "区政府督查办"))
    with write_session(rt.engine) as s:
        m = s.exec(select(Measure).where(Measure.seq == 1)).one()
        rt.measures.workflow.fire(s, m, "start", clerk, {}, m.version)
        rt.measures.workflow.fire(s, m, "request_extension", clerk,
                         {"proposed_due_date": date(2022, 7, 15), "comment": "系统对接"}, m.version)
        rt.measures.workflow.fire(s, m, "decide_extension", boss, {"approve": True, "comment": "同意"}, m.version)
    with Session(rt.engine) as s:
        before = state_of(s)
    assert not run_import(rt, "builtin:wulong-2022").changed
    with Session(rt.engine) as s:
        assert state_of(s) == before
        m = s.exec(select(Measure).where(Measure.seq == 1)).one()
        assert (m.due_date, m.deadline_version, m.state) == (date(2022, 7, 15), 2, "in_progress")


def test_month_end_edges_and_missing_rows(ledger, rt, tmp_path):
    rows = [["测试类", "1", "事项甲", "举措一", "区财政局", "2022年2月", ""],
            ["测试类", "", "", "举措二", "区财政局 、 区新设局", "2024年2月", "重点改革事项"],
            ["测试类", "2", "事项乙", "举措三", "区新设局", "2022年12月", ""]]
    path = write_csv(tmp_path / "edge.csv", ["所属类别", *HEADER], rows)
    result = run_import(rt, path, plan_code="edge", create_units=True)
    assert (result.measures.created, result.units.created, result.key, result.joint) == (3, 1, 1, 1)
    with Session(rt.engine) as s:
        got = measures_of(s, "edge")
        new_unit = s.exec(select(Unit).where(Unit.name == "区新设局")).one()
    assert [r[7] for r in got] == [date(2022, 2, 28), date(2024, 2, 29), date(2022, 12, 31)]
    assert got[1][5] == ("区财政局", "区新设局") and got[0][1] == "一、测试类" and new_unit.kind == "lead"
    short = write_csv(tmp_path / "short.csv", ["所属类别", *HEADER], rows[:1])
    shorter = run_import(rt, short, plan_code="edge")
    assert shorter.missing == [2, 3] and not shorter.changed
    with Session(rt.engine) as s:
        assert len(measures_of(s, "edge")) == 3


def test_xlsx_cells_typed_by_excel(db, rt, tmp_path):
    """Excel turns 序号 into numbers and a typed date into a datetime: both still read as written."""
    book = Workbook()
    ws = book.active
    ws.append(list(HEADER))
    ws.append(["一、测试类"])
    ws.append([7, "事项", "举措", "区财政局", datetime(2022, 9, 15), None])
    ws.append([8.0, "事项二", "举措二", "区财政局", "2022年 9 月", None])
    book.save(tmp_path / "typed.xlsx")
    run_import(rt, tmp_path / "typed.xlsx", plan_code="typed", create_units=True)
    with Session(rt.engine) as s:
        got = measures_of(s, "typed")
    assert [(r[2], r[6], r[7]) for r in got] == [("7", "2022年9月15日", date(2022, 9, 15)),
                                                 ("8", "2022年9月", date(2022, 9, 30))]
