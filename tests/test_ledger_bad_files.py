"""Bad ledgers: a Chinese error naming row and column, exit status 2, the database exactly as before."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, select

from engine import history
from engine.db import write_session
from engine.history import HistoryRecord
from workflows.ledger.errors import LedgerError
from workflows.ledger.importer import import_ledger
from workflows.models import Category, Item, Measure, MeasureUnit, Plan, Unit

HEADER = ["类别", "序号", "改革事项", "具体举措", "牵头单位", "时间节点", "备注"]
GOOD = [["一、测试类", str(n), f"事项{n}", f"举措{n}", "区财政局", "2022年6月", ""] for n in range(1, 11)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig"
              ) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    ws = book.active
    ws.append(["某某台账"])  # a title row above the header
    for row in [HEADER, *rows]:
        ws.append(row)
    book.save(path)
    return path


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def replaced(rows: list[list[str]], index: int, column: str, value: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[index][HEADER.index(column)] = value
    return out


# (case id, how to make the file in tmp_path, what the error must say)
CASES = [
    ("bad-month", lambda d: write_csv(d / "a.csv", replaced(GOOD, 9, "时间节点", "2022年13月")),
     "第 11 行“时间节点”列：无法识别的时间节点“2022年13月”"),
    ("bad-day-gb18030", lambda d: write_csv(d / "b.csv", replaced(GOOD, 3, "时间节点", "2022年6月31日"),
                                            encoding="gb18030"),
     "第 5 行“时间节点”列：无法识别的时间节点“2022年6月31日”"),
    ("empty-deadline", lambda d: write_csv(d / "c.csv", replaced(GOOD, 0, "时间节点", "")),
     "第 2 行“时间节点”列：时间节点不能为空"),
    ("empty-units", lambda d: write_csv(d / "d.csv", replaced(GOOD, 1, "牵头单位", " 、 ")),
     "第 3 行“牵头单位”列：牵头单位不能为空"),
    ("empty-text", lambda d: write_csv(d / "e.csv", replaced(GOOD, 2, "具体举措", "")),
     "第 4 行“具体举措”列：具体举措不能为空"),
    ("bad-number", lambda d: write_csv(d / "f.csv", replaced(GOOD, 0, "序号", "十")),
     "第 2 行“序号”列：无法识别的序号“十”"),
    ("orphan-continuation",
     lambda d: write_csv(d / "g.csv", [["一、测试类", "", "", "举措", "区财政局", "2022年6月", ""]]),
     "第 2 行“序号”列：序号和改革事项为空"),
    ("no-category", lambda d: write_csv(d / "h.csv", [r[1:] for r in GOOD], header=HEADER[1:]),
     "第 2 行“类别”列：无法确定所属类别"),
    ("title-too-long", lambda d: write_csv(d / "i.csv", replaced(GOOD, 5, "改革事项", "长" * 300)),
     "第 7 行“改革事项”列：内容过长"),
    ("missing-columns", lambda d: write_csv(d / "j.csv", [r[:4] + r[5:] for r in GOOD],
                                            header=HEADER[:4] + HEADER[5:]),
     "第 1 行：表头缺少列：牵头单位"),
    ("no-header", lambda d: write_csv(d / "k.csv", [["a", "b"]], header=["名称", "金额"]), "未找到表头"),
    ("empty-csv", lambda d: _bytes(d / "l.csv", b""), "文件为空"),
    ("header-only", lambda d: write_csv(d / "m.csv", []), "台账中没有任何具体举措"),
    ("bad-encoding", lambda d: _bytes(d / "n.csv", "序号,改革事项\n".encode() + b"\xff\xfe\xff"),
     "无法识别“n.csv”的文字编码"),
    ("xlsx-bad-cell", lambda d: write_xlsx(d / "o.xlsx", [GOOD[0], replaced(GOOD, 1, "时间节点", 13)[1]]),
     "第 4 行“时间节点”列：无法识别的时间节点“13”"),
    ("empty-xlsx", lambda d: _empty_xlsx(d / "p.xlsx"), "文件为空"),
    ("png-as-xlsx", lambda d: _bytes(d / "q.xlsx", PNG),
     "“q.xlsx”不是有效的 Excel 工作簿（内容为：PNG 图片）"),
    ("png-as-csv", lambda d: _bytes(d / "r.csv", PNG), "“r.csv”不是有效的 CSV 文本文件（内容为：PNG 图片）"),
    ("docx", lambda d: _bytes(d / "s.docx", docx_bytes()),
     "不支持的文件类型“.docx”（内容为：Word 文档（.docx））"),
    ("docx-as-xlsx", lambda d: _bytes(d / "t.xlsx", docx_bytes()), "（内容为：Word 文档（.docx））"),
    ("csv-as-xlsx", lambda d: write_csv(d / "u.xlsx", GOOD),
     "“u.xlsx”不是有效的 Excel 工作簿（内容为：文本）"),
    ("png-as-txt", lambda d: _bytes(d / "w.txt", PNG), "“w.txt”不是有效的方案文本文件（内容为：PNG 图片）"),
    ("not-a-plan", lambda d: _bytes(d / "v.txt", "一份通知\n没有附件".encode()), "未找到附件清单的表头"),
    ("no-such-file", lambda d: d / "missing.csv", "找不到台账文件"),
    ("unknown-builtin", lambda d: "builtin:wulong-2099", "未知的内置台账“builtin:wulong-2099”"),
]


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _empty_xlsx(path: Path) -> Path:
    Workbook().save(path)
    return path


def snapshot(engine) -> dict:
    with Session(engine) as s:
        counts = {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                  for m in (Plan, Category, Item, Unit, MeasureUnit, HistoryRecord)}
        rows = [(m.seq, m.text, m.version, m.due_date) for m in s.exec(select(Measure).order_by(Measure.id))]
    return {**counts, "measures": rows}


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_ledger_is_refused_and_nothing_changes(ledger, rt, cli, capsys, tmp_path, make, message):
    source = make(tmp_path)
    before = snapshot(rt.engine)
    assert cli(["ledger", "import", str(source)]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and err.startswith("reform: 错误: ")
    assert snapshot(rt.engine) == before


def test_good_rows_before_a_bad_one_are_not_written(ledger, rt, cli, capsys, tmp_path):
    """A file whose first rows would update measures and whose 12th line is bad changes nothing at all."""
    first = ["一、进一步破除区域分割和地方保护等不合理限制", "1", "开展“一照多址”“一证多址”改革",
             "改写后的举措", "区市场监管局", "2022年9月", ""]
    rows = [first] + GOOD
    rows[10][HEADER.index("时间节点")] = "明年"
    before = snapshot(rt.engine)
    assert cli(["ledger", "import", str(write_csv(tmp_path / "half.csv", rows))]) == 2
    assert "第 12 行“时间节点”列：无法识别的时间节点“明年”" in capsys.readouterr().err
    assert snapshot(rt.engine) == before


def test_error_carries_row_and_column(db, rt, tmp_path):
    with pytest.raises(LedgerError) as caught, write_session(rt.engine) as session:
        import_ledger(session, write_csv(tmp_path / "x.csv", replaced(GOOD, 6, "序号", "7a")), clock=rt.clock)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.row, caught.value.column) == (8, "序号")


def test_failure_while_writing_rolls_everything_back(db, rt, monkeypatch):
    """The import is one transaction: a failure after the measures' rows are written (while their history is)
    leaves no plan, unit or measure behind."""
    before = snapshot(rt.engine)
    real, calls = history.append_many, []

    def failing(session, entries):
        calls.append(len(entries))
        real(session, entries[:40])
        raise RuntimeError("disk full")

    monkeypatch.setattr(history, "append_many", failing)
    with pytest.raises(RuntimeError), write_session(rt.engine) as session:
        import_ledger(session, "builtin:wulong-2022", clock=rt.clock, create_units=True)
    assert calls == [85]
    assert snapshot(rt.engine) == before
