"""From raw rows of any source to the ledger: categories, items (numbers repeat), measures in annex order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from workflows.ledger.cells import (
    CATEGORY_PREFIX,
    DONE_NOTE,
    KEY_MARK,
    bare_category,
    category_title,
    parse_due,
    split_units,
)
from workflows.ledger.errors import LedgerError
from workflows.ledger.keys import KEY_FORMAT

NO, TITLE, TEXT, UNITS = "序号", "改革事项", "具体举措", "牵头单位"
DUE, NOTE, CATEGORY = "时间节点", "备注", "类别"
KEY_CODE = "举措编号"  # written by the export; absent from the plan's own annex
COOPERATING = "配合单位"  # optional: units that support a measure without leading it
COLUMNS = (NO, TITLE, TEXT, UNITS, DUE, NOTE)
OPTIONAL = (CATEGORY, KEY_CODE, COOPERATING)
REQUIRED = (NO, TITLE, TEXT, UNITS, DUE)
_ITEM_NO = re.compile(r"\d{1,6}")


@dataclass(frozen=True)
class RawRow:
    """One row as read, cells already cleaned and keyed by column name."""

    row: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class PlanMeta:
    title: str = ""
    doc_no: str = ""
    issued_on: date | None = None
    issuer: str = ""


@dataclass(frozen=True)
class ParsedItem:
    seq: int
    item_no: str
    title: str
    category_seq: int

    @property
    def key(self) -> tuple[str, str]:
        return self.item_no, self.title


@dataclass(frozen=True)
class ParsedMeasure:
    seq: int
    row: int
    item: tuple[str, str]
    text: str
    units: tuple[str, ...]
    due_text: str
    due_date: date | None
    declared_done: bool
    key: bool
    note: str
    code: str = ""  # 举措编号 as the source gives it (an exported ledger), or ""
    cooperating: tuple[str, ...] = ()  # 配合单位, in the order written


@dataclass
class ParsedLedger:
    plan_code: str
    source: str
    meta: PlanMeta
    meta_from_plan: bool = False  # only the plan's own text may change the plan row
    categories: list[str] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)


def is_category_row(raw: RawRow) -> bool:
    """`一、…` in the first column with no measure beside it."""
    first = raw.get(NO) or raw.get(TITLE)
    return bool(first) and not raw.get(TEXT) and not raw.get(UNITS) and bool(CATEGORY_PREFIX.match(first))


class _Builder:
    def __init__(self, ledger: ParsedLedger) -> None:
        self.ledger = ledger
        self.codes: dict[str, int] = {}  # 举措编号 -> the row that gave it
        self.category: int | None = None
        self.items: dict[tuple[str, str], ParsedItem] = {}
        self.prev: ParsedItem | None = None

    def open_category(self, text: str, row: int, column: str) -> None:
        self.prev = None
        bare = bare_category(text)
        known = [bare_category(t) for t in self.ledger.categories]
        if bare in known:
            self.category = known.index(bare) + 1
        else:
            title = category_title(text, len(known) + 1)
            _check_length(title, 255, row, column)
            self.ledger.categories.append(title)
            self.category = len(self.ledger.categories)

    def add(self, raw: RawRow) -> None:
        if raw.get(CATEGORY) and (self.category is None
                                  or bare_category(raw.get(CATEGORY)) != bare_category(self._title())):
            self.open_category(raw.get(CATEGORY), raw.row, CATEGORY)
        if self.category is None:
            raise LedgerError("无法确定所属类别：需要“类别”列，或在举措之前的类别行（如“一、…”）",
                              raw.row, CATEGORY)
        text = raw.get(TEXT)
        if not text:
            raise LedgerError("具体举措不能为空", raw.row, TEXT)
        item = self.item_for(raw)
        units = split_units(raw.get(UNITS), raw.row, UNITS)
        due_text = raw.get(DUE)
        _check_length(due_text, 32, raw.row, DUE)
        due_date, done = parse_due(due_text, raw.row, DUE)
        note = raw.get(NOTE)
        note = "；".join(p for p in (note, DONE_NOTE if done else "") if p)
        seq = len(self.ledger.measures) + 1
        helpers = split_units(raw.get(COOPERATING), raw.row, COOPERATING, required=False)
        if both := [u for u in helpers if u in units]:
            raise LedgerError(f"“{'、'.join(both)}”已是牵头单位，不能同时作为配合单位", raw.row, COOPERATING)
        self.ledger.measures.append(ParsedMeasure(seq, raw.row, item.key, text, units, due_text, due_date,
                                                  done, KEY_MARK in raw.get(NOTE), note, self.code_of(raw), helpers))

    def code_of(self, raw: RawRow) -> str:
        code = raw.get(KEY_CODE).replace(" ", "").upper()
        if not code:
            return ""
        if not KEY_FORMAT.fullmatch(code):
            raise LedgerError(f"无法识别的举措编号“{code[:40]}”（应为如“WL22-033-1”，新增的举措请留空）", raw.row,
                              KEY_CODE)
        if code in self.codes:
            raise LedgerError(f"举措编号“{code}”与第 {self.codes[code]} 行重复", raw.row, KEY_CODE)
        self.codes[code] = raw.row
        return code

    def _title(self) -> str:
        return self.ledger.categories[self.category - 1] if self.category else ""

    def item_for(self, raw: RawRow) -> ParsedItem:
        """No number and title continues the item above; a repeated number and title is the same item."""
        no, title, prev = raw.get(NO), raw.get(TITLE), self.prev
        if not no and not title:
            if prev is None:
                raise LedgerError("序号和改革事项为空，但上方没有可接续的改革事项", raw.row, NO)
            return prev
        if not title:
            if prev is None or prev.item_no != no:
                raise LedgerError("改革事项不能为空", raw.row, TITLE)
            return prev
        if not no:
            if prev is None or prev.title != title:
                raise LedgerError("序号不能为空", raw.row, NO)
            return prev
        if not _ITEM_NO.fullmatch(no):
            raise LedgerError(f"无法识别的序号“{no}”（应为数字）", raw.row, NO)
        _check_length(title, 255, raw.row, TITLE)
        item = self.items.get((no, title))
        if item is None:
            item = ParsedItem(len(self.items) + 1, no, title, self.category)
            self.items[item.key] = item
            self.ledger.items.append(item)
        self.prev = item
        return item


def _check_length(text: str, limit: int, row: int, column: str) -> None:
    if len(text) > limit:
        raise LedgerError(f"内容过长（{len(text)} 字，最多 {limit} 字）", row, column)


def build(rows: list[RawRow], plan_code: str, source: str, meta: PlanMeta, *, meta_from_plan: bool = False
          ) -> ParsedLedger:
    """The ledger the rows describe; the first bad row raises a LedgerError naming it."""
    ledger = ParsedLedger(plan_code, source, meta, meta_from_plan)
    builder = _Builder(ledger)
    for raw in rows:
        if not any(raw.cells.values()):
            continue
        if is_category_row(raw):
            builder.open_category(raw.get(NO) or raw.get(TITLE), raw.row, NO)
            continue
        builder.add(raw)
    if not ledger.measures:
        raise LedgerError("台账中没有任何具体举措")
    return ledger
