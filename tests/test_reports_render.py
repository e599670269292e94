"""Every workbook and the Word 月调度通报 printed by LibreOffice, on the Wulong ledger with a month of work: every
cell's text on paper, page counts within bounds, the header row and 第 N 页 共 M 页 on every page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from runtime import reports as reporting
from tests.docx_support import squash
from tests.render_support import page_count, page_texts, to_pdfs, words
from tests.world import World, bj, people
from workflows.documents.text import cn_date
from workflows.ledger.importer import import_ledger
from workflows.models import Measure, MeasureUnit, Unit

# Pages printed by LibreOffice 7.4 with the fallback CJK font (WenQuanYi Micro Hei): 月调度 32, 督查考核 25,
# 台账 21, 典型案例 1, 通报 29; the bounds leave room for another suite's line breaks. The rows are sized for
# Excel/WPS with 宋体, which wraps earlier than the fallback font, so the pages are not fuller than they can be.
PAGE_BOUNDS = {"monthly": (28, 38), "assessment": (20, 30), "ledger": (18, 26), "typical": (1, 1),
               "tongbao": (24, 34)}
WORKBOOKS = ("monthly", "assessment", "ledger", "typical")
EVIL = '=HYPERLINK("http://evil.example","详情")'


def june_on_the_wulong_ledger(rt) -> None:
    """The built-in ledger imported on 5-30, a month of work by 24 units, and the sweep on 7-4."""
    rt.clock.set(bj("2022-05-30 09:00"))
    with rt.write() as s:
        import_ledger(s, "builtin:wulong-2022", clock=rt.clock, service=rt.workflows["reform_measure"],
                     create_units=True)
    with rt.read() as s:
        rows = s.execute(select(Measure.id, Unit.name, Measure.state).join(MeasureUnit, MeasureUnit.measure_id ==
                         Measure.id).join(Unit, Unit.id == MeasureUnit.unit_id).where(MeasureUnit.position == 0)
                         .order_by(Measure.seq)).all()
    units = list(dict.fromkeys(unit for _, unit, _ in rows))
    staff = {unit: f"u{n}" for n, unit in enumerate(units)}
    w = World(rt)
    w.users = people(rt, {name: ("unit_staff", unit) for unit, name in staff.items()}
                     | {"reviewer": ("supervisor", None), "office": ("office", None)})
    for mid, _, _ in [r for r in rows if r[2] != "assigned"][:2]:  # two of the plan's 已完成 verified
        w.act(mid, "approve", "reviewer", "2022-06-02 10:00")
    for n, (mid, unit, _) in enumerate([r for r in rows if r[2] == "assigned"][:30], start=1):
        _work(w, n, mid, staff[unit])
    rt.clock.set(bj("2022-07-04 09:00"))
    rt.sweep(rt.clock.now())


def _work(w: World, n: int, mid: int, who: str) -> None:
    w.act(mid, "start", who, "2022-06-01 09:00")
    if n % 3 == 0:
        w.act(mid, "update_progress", who, "2022-06-06 10:00", percent=40,
              comment=EVIL if n == 3 else "已完成调研，正在起草实施细则，计划6月底前印发")
    if n % 4:
        return
    w.act(mid, "report", who, "2022-06-08 10:00")
    if n % 8 == 0:
        w.act(mid, "return", "reviewer", "2022-06-09 15:00", comment="佐证材料不全，请补充政策文件和办理数据")
    elif n % 12:
        w.act(mid, "approve", "reviewer", "2022-06-10 10:00")
        if n in (4, 20):
            w.act(mid, "evaluate", "office", "2022-06-15 10:00", rating="好", satisfaction=95, typical_case=True,
                  case_text="推行经营场所备案制，企业在住所外设立经营场所免于办理分支机构登记，办理时间由3个工作日"
                            "压减至即时办结")
        elif n % 5 == 0:
            w.act(mid, "evaluate", "office", "2022-06-16 10:00", rating="较好", satisfaction=85)


@dataclass(frozen=True)
class Printed:
    files: dict[str, Path]
    pdfs: dict[str, Path]


_CACHE: dict[str, Printed] = {}


@pytest.fixture
def printed(rt, tmp_path_factory) -> Printed:
    """The five documents and their PDFs, made once per database (one soffice run)."""
    key = rt.engine.dialect.name
    if key not in _CACHE:
        june_on_the_wulong_ledger(rt)
        folder = tmp_path_factory.mktemp(f"reports-{key}")
        with rt.read() as s:
            month = reporting.monthly(rt, s, None, "2022-06")
            cases, label = reporting.typical_cases(rt, s, None)
            made = {"monthly": reporting.monthly_workbook(rt, month),
                    "assessment": reporting.assessment_workbook(rt, reporting.assessment(rt, s, None, "2022")),
                    "ledger": reporting.ledger_workbook(rt, s, None),
                    "typical": reporting.typical_cases_workbook(rt, cases, label),
                    "tongbao": reporting.monthly_document(rt, month)}
        files = {}
        for name, doc in made.items():
            files[name] = folder / f"{name}{Path(doc.filename).suffix}"
            files[name].write_bytes(doc.content)
        _CACHE[key] = Printed(files, dict(zip(files, to_pdfs(list(files.values())), strict=True)))
    return _CACHE[key]


def page_words(pdf: Path) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for w in words(pdf):
        out.setdefault(w.page, []).append(squash(html.unescape(w.text)))
    return out


def printed_in(text: str, found: list[str]) -> bool:
    """`text` is printed as consecutive lines of its cell: each line one word (or a few) of the page."""
    target, by_first = squash(text), {}
    for word in set(found):
        if word:
            by_first.setdefault(word[0], []).append(word)
    seen: set[int] = set()

    def reach(i: int) -> bool:
        if i == len(target):
            return True
        if i in seen:
            return False
        seen.add(i)
        return any(target.startswith(w, i) and reach(i + len(w)) for w in by_first.get(target[i], ()))

    return reach(0)


def cell_text(value) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return cn_date(value)
    return None


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_cells_text_is_printed(printed, name):
    by_page = page_words(printed.pdfs[name])
    everything = [w for found in by_page.values() for w in found]
    missing = []
    for ws in load_workbook(printed.files[name]).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell_text(cell.value)
                if text and not printed_in(text, everything):
                    missing.append((ws.title, cell.coordinate, text[:30]))
    assert not missing, missing[:10]


@pytest.mark.parametrize("name", sorted(PAGE_BOUNDS))
def test_page_count_within_bounds_and_every_page_numbered(printed, name):
    low, high = PAGE_BOUNDS[name]
    pages = page_count(printed.pdfs[name])
    assert low <= pages <= high, f"{name}: {pages} pages"
    if name == "tongbao":
        return  # the 公文's own page numbers (— 1 —) are checked in test_documents_render
    for n, text in enumerate(page_texts(printed.pdfs[name]), start=1):
        flat = squash(text)
        assert f"第{n}页共{pages}页" in flat and "制表单位：武隆区优化营商环境工作领导小组办公室" in flat, (name, n)


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_office_suite_breaks_pages_only_where_the_workbook_does(printed, name):
    """Our breaks keep a group row with its rows and an item with its measures; a page the suite broke on its own
    (a row it found taller than we sized it, a sheet wider than the page) would add pages."""
    planned = sum(len(ws.row_breaks.brk) + 1 for ws in load_workbook(printed.files[name]).worksheets)
    assert page_count(printed.pdfs[name]) == planned


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_header_row_is_on_every_page_of_its_sheet(printed, name):
    """Pages follow the sheets in order; every page shows all the header labels of the sheet it belongs to."""
    heads = []
    for ws in load_workbook(printed.files[name]).worksheets:
        first, last = (int(n) for n in re.findall(r"\d+", ws.print_title_rows))
        heads.append((ws.title, [v for r in range(first, last + 1) for c in range(1, ws.max_column + 1)
                                 if (v := ws.cell(r, c).value)]))
    sheet, seen = 0, set()
    for page, found in sorted(page_words(printed.pdfs[name]).items()):
        while sheet < len(heads) and not all(printed_in(label, found) for label in heads[sheet][1]):
            sheet += 1
        assert sheet < len(heads), f"{name} page {page} shows no sheet's whole header row"
        seen.add(sheet)
    assert seen == set(range(len(heads))), f"{name}: pages without their sheet's header row"


def test_the_formula_text_is_printed_as_text(printed):
    ledger = [w for found in page_words(printed.pdfs["ledger"]).values() for w in found]
    assert printed_in(EVIL, ledger)  # as typed, not a link named 详情
