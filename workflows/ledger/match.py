"""Which stored measure each row of a re-imported ledger is: by 举措编号, else by item and text; never by position.

Pure: the parsed ledger and the stored rows in, pairs out. A row deleted from the source leaves its measure unmatched
(reported, never deleted) and moves no other row onto it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from workflows.ledger.errors import LedgerError
from workflows.ledger.rows import KEY_CODE, ParsedLedger, ParsedMeasure
from workflows.models import Item, Measure

BY_KEY, BY_ITEM, BY_TEXT, NEW = "key", "item", "text", "new"
SIMILAR = 0.5  # within one item, texts this alike (difflib ratio) are the same measure reworded


@dataclass(frozen=True)
class Pair:
    source: ParsedMeasure
    stored: Measure | None  # None: a measure the plan does not have yet
    how: str  # key | item | text | new


@dataclass(frozen=True)
class MatchPlan:
    pairs: tuple[Pair, ...]  # in the source's order
    missing: tuple[Measure, ...]  # stored measures no row of the source is, in plan order


def match(ledger: ParsedLedger, measures: Iterable[Measure], items: Mapping[int, Item]) -> MatchPlan:
    """`measures`: the plan's stored measures; `items`: their items by id."""
    stored = sorted(measures, key=lambda m: m.seq)
    found: dict[int, Pair] = {}  # source seq -> pair
    taken: set[int] = set()  # stored measure ids already paired
    _by_key(ledger.measures, stored, found, taken)
    _by_item(ledger.measures, stored, items, found, taken)
    _by_text(ledger.measures, stored, found, taken)
    pairs = tuple(found.get(m.seq) or Pair(m, None, NEW) for m in ledger.measures)
    return MatchPlan(pairs, tuple(m for m in stored if m.id not in taken))


def _by_key(source: list[ParsedMeasure], stored: list[Measure], found: dict, taken: set) -> None:
    codes = {m.key_code: m for m in stored if m.key_code}
    for m in source:
        if not m.code:
            continue
        row = codes.get(m.code)
        if row is None:
            if stored:  # a plan with measures knows every key it gave; an unknown one is a mistake, not a new row
                raise LedgerError(f"举措编号“{m.code}”不是本方案任何举措的编号（新增的举措请将编号留空）", m.row,
                                  KEY_CODE)
            continue  # the first import of an exported ledger keeps its keys
        found[m.seq] = Pair(m, row, BY_KEY)
        taken.add(row.id)


def _by_item(source: list[ParsedMeasure], stored: list[Measure], items: Mapping[int, Item], found: dict,
             taken: set) -> None:
    """Within one item (序号 + 改革事项): the same text first, then the most alike texts, best pair first."""
    groups: dict[tuple[str, str], list[Measure]] = {}
    for row in stored:
        item = items.get(row.item_id)
        if item is not None and row.id not in taken:
            groups.setdefault((item.item_no, item.title), []).append(row)
    for key, rows in groups.items():
        mine = [m for m in source if m.item == key and m.seq not in found and not m.code]
        candidates = [(1.0 if m.text == r.text else _similarity(m.text, r.text), m.seq, r.seq, m, r)
                      for m in mine for r in rows]
        for score, _, _, m, r in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
            if score >= SIMILAR and m.seq not in found and r.id not in taken:
                found[m.seq] = Pair(m, r, BY_ITEM)
                taken.add(r.id)


def _by_text(source: list[ParsedMeasure], stored: list[Measure], found: dict, taken: set) -> None:
    """A measure whose item was renumbered or retitled: the same text, when only one measure on each side has it."""
    left: dict[str, list[Measure]] = {}
    for row in stored:
        if row.id not in taken:
            left.setdefault(row.text, []).append(row)
    wanted: dict[str, list[ParsedMeasure]] = {}
    for m in source:
        if m.seq not in found and not m.code:
            wanted.setdefault(m.text, []).append(m)
    for text, rows in wanted.items():
        if len(rows) == 1 and len(left.get(text, ())) == 1:
            found[rows[0].seq] = Pair(rows[0], left[text][0], BY_TEXT)
            taken.add(left[text][0].id)


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
