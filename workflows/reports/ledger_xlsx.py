"""The ledger as Excel in the plan's own layout (category rows, 序号 … 备注) with tracking columns beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.ledger.cells import DONE_NOTE
from workflows.lights import LIGHT_LABELS
from workflows.reform.table import STATE_LABELS
from workflows.reports import xlsx
from workflows.reports.facts import MeasureFact
from workflows.reports.xlsx import Cell, Col, Group, Sheet, Stamp

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


@dataclass(frozen=True)
class LedgerColumn:
    col: Col
    value: Callable[[MeasureFact, str | None], Any]  # (measure, its light) -> the cell
    per_item: bool = False  # merged down over the measures of one item, as the plan prints 序号 and 改革事项


def plan_note(m: MeasureFact) -> str:
    """The note as the plan writes it: without what the importer adds for an 已完成 row, so it imports back."""
    if not m.declared_done:
        return m.note
    return "；".join(part for part in m.note.split("；") if part != DONE_NOTE)


def _light(m: MeasureFact, light: str | None) -> Cell:
    return Cell(LIGHT_LABELS.get(light or "", ""), fill=LIGHT_FILLS.get(light or ""))


def _evaluation(m: MeasureFact, light: str | None) -> str:
    if not m.rating:
        return ""
    return f"{m.rating}；满意度 {m.satisfaction}" if m.satisfaction is not None else m.rating


# The one list of the ledger's columns. The importer reads the plan's columns back by their headers, so a column
# added here, in its place, is all an export needs.
COLUMNS: tuple[LedgerColumn, ...] = (
    # the plan's own columns (序号 … 备注): `reform ledger import` reads them back
    LedgerColumn(Col("序号", 4.5, "center"), lambda m, _: m.item_no, per_item=True),
    LedgerColumn(Col("改革事项", 12), lambda m, _: m.item_title, per_item=True),
    LedgerColumn(Col("具体举措", 32), lambda m, _: m.text),
    LedgerColumn(Col("牵头单位", 10), lambda m, _: "、".join(m.units)),
    LedgerColumn(Col("时间节点", 9, "center"), lambda m, _: m.due_text),
    LedgerColumn(Col("备注", 8), lambda m, _: plan_note(m)),
    # tracking columns, ignored by the importer
    LedgerColumn(Col("状态", 8, "center"), lambda m, _: STATE_LABELS.get(m.state, m.state)),
    LedgerColumn(Col("预警", 5, "center"), _light),
    LedgerColumn(Col("最新进展", 10), lambda m, _: m.last_progress),
    LedgerColumn(Col("核验日期", 15, "center"), lambda m, _: xlsx.day(m.verified_at)),
    LedgerColumn(Col("评估", 8), _evaluation),
    LedgerColumn(Col("举措编号", 10, "center"), lambda m, _: m.key_code),  # the key re-imports match by
    LedgerColumn(Col("配合单位", 8), lambda m, _: "、".join(m.cooperating)),  # read back by the importer
)


@dataclass(frozen=True)
class LedgerSheet:
    title: str
    subtitle: str
    measures: list[MeasureFact]
    lights: dict[int, str]
    when: datetime


def sheet(ledger: LedgerSheet) -> Sheet:
    rows: list = []
    keys: list = []
    category = None
    for m in ledger.measures:
        if m.category != category:
            category = m.category
            rows.append(Group(category))
            keys.append(None)
        rows.append([c.value(m, ledger.lights.get(m.id)) for c in COLUMNS])
        keys.append((m.category, m.item_id))
    merged = tuple(i for i, c in enumerate(COLUMNS) if c.per_item)
    return Sheet("任务台账", ledger.title, [c.col for c in COLUMNS], rows, lines=[ledger.subtitle],
                 merge_down=merged, keys=keys, landscape=True, sign_off_in_footer=True)


def workbook_bytes(ledger: LedgerSheet, stamp: Stamp) -> bytes:
    return xlsx.workbook_bytes(ledger.title, ledger.when, [sheet(ledger)], stamp)
