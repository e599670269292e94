"""The 督办文书 rendered by LibreOffice: every measure printed, pages numbered, headers repeated, no overhang."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import documents_samples as samples
from tests.docx_support import squash
from tests.render_support import Word, page_count, page_texts, pdf_text, to_pdfs, words
from workflows.documents.duban import duban_notice_bytes
from workflows.documents.monthly_brief import brief_from_report, monthly_tongbao_bytes
from workflows.documents.tongbao import tongbao_bytes

# Page counts measured with LibreOffice 7 and the fallback font, with room for another suite's line breaks.
PAGE_BOUNDS = {"duban": (1, 2), "tongbao": (4, 8), "monthly": (5, 10)}
TABLE_HEADER = "序号改革事项具体举措时间节点"
LEFT_PT, RIGHT_PT = 28 / 25.4 * 72, (210 - 26) / 25.4 * 72  # the 版心's edges
HANGING = "。，、；：？！”’）》"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("documents")
    brief = brief_from_report(samples.july_report(), problems=samples.PROBLEMS, instructions=samples.INSTRUCTIONS,
                              number=8)
    built = {"duban": duban_notice_bytes(samples.duban()), "tongbao": tongbao_bytes(samples.tongbao()),
             "monthly": monthly_tongbao_bytes(brief)}
    paths = []
    for name, data in built.items():
        paths.append(folder / f"{name}.docx")
        paths[-1].write_bytes(data)
    return dict(zip(built, to_pdfs(paths), strict=True))


def key(text: str) -> str:
    """A measure's first ten characters, whitespace ignored: enough to find it, short enough to sit on one line."""
    return squash(text)[:10]


def late_keys() -> list[list[str]]:
    """The late measures' keys, table by table as the 情况通报 prints them (one table per unit)."""
    return [[key(m.text) for m in unit.measures] for unit in samples.late_units()]


def test_the_duban_notice_prints_its_measure_and_reply_date(pdfs):
    text = squash(pdf_text(pdfs["duban"]))
    notice = samples.duban()
    assert key(notice.measure) in text
    for fragment in ("武隆督办〔2022〕12号", "督办通知单", "区财政局：", "已逾期5个工作日", "请于2022年7月14日前"):
        assert fragment in text


@pytest.mark.parametrize("name", ["tongbao", "monthly"])
def test_every_late_measure_and_unit_is_printed(pdfs, name):
    text = squash(pdf_text(pdfs[name]))
    missing = [k for table in late_keys() for k in table if k not in text]
    assert not missing
    assert all(unit in text for unit in samples.UNITS)


def test_the_monthly_notice_names_what_was_completed(pdfs):
    text = squash(pdf_text(pdfs["monthly"]))
    for _, _, title, _ in samples.JULY_COMPLETED:
        assert key(title.replace("“", "‘").replace("”", "’")) in text
    assert "截至2022年7月15日9时02分" in text


@pytest.mark.parametrize("name", sorted(PAGE_BOUNDS))
def test_page_count_within_bounds_and_every_page_numbered(pdfs, name):
    low, high = PAGE_BOUNDS[name]
    pages = page_count(pdfs[name])
    assert low <= pages <= high, f"{name}: {pages} pages"
    for n, text in enumerate(page_texts(pdfs[name]), start=1):
        assert f"—{n}—" in squash(text), f"{name} page {n} has no page number “— {n} —”"


def pages_of(keys: list[str], pages: list[str]) -> list[int]:
    return sorted({i for i, page in enumerate(pages) for k in keys if k in squash(page)})


def continued_pages(name: str, pdf: Path, tables: list[list[str]]) -> list[tuple[int, str]]:
    """(page, top of page) for every page a table runs on after its first."""
    pages = page_texts(pdf, layout=True)
    out = []
    for keys in tables:
        on = pages_of(keys, pages)
        for page in range(on[0] + 1, on[-1] + 1) if on else ():
            top = [line for line in pages[page].splitlines() if line.strip()][:4]
            out.append((page + 1, squash("".join(top))))
    return out


@pytest.mark.parametrize("name", ["tongbao", "monthly"])
def test_a_table_continued_on_the_next_page_repeats_its_header_row(pdfs, name):
    tables = late_keys() if name == "tongbao" else [sum(late_keys(), [])]  # the 月调度 lists all in one table
    continued = continued_pages(name, pdfs[name], tables)
    assert continued, f"{name}: no table runs over a page, so the check would prove nothing"
    for page, top in continued:
        assert TABLE_HEADER in top, f"{name} page {page} continues a table without its header: {top[:60]}"


def overhangs(w: Word) -> bool:
    """Outside the 版心, except a closing punctuation mark hanging at a line's end (标点悬挂), at most one em."""
    hanging = w.text[-1] in HANGING and w.x_max <= RIGHT_PT + 16.5
    return w.x_min < LEFT_PT - 1 or (w.x_max > RIGHT_PT + 1 and not hanging)


@pytest.mark.parametrize("name", sorted(PAGE_BOUNDS))
def test_nothing_is_printed_outside_the_text_area(pdfs, name):
    outside = [w for w in words(pdfs[name]) if overhangs(w)]
    assert not outside, [(w.page, w.text, w.x_min, w.x_max) for w in outside[:5]]
