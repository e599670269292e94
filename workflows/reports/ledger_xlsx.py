"""The ledger as Excel in the plan's own layout (category rows, 序号 … 备注) with tracking columns beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openpyxl.styles import Alignment, Font, PatternFill

from workflows.ledger.cells import DONE_NOTE
from workflows.lights import LIGHT_LABELS
from workflows.reform.table import STATE_LABELS
from workflows.reports import xlsx
from workflows.reports.facts import MeasureFact
from workflows.reports.xlsx import Col

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
CATEGORY_FILL = PatternFill("solid", fgColor="FCE4D6")
COLS = [Col("序号", 6), Col("改革事项", 22, "wrap"), Col("具体举措", 50, "wrap"), Col("牵头单位", 16, "wrap"),
        Col("时间节点", 12), Col("备注", 14, "wrap"), Col("状态", 12), Col("预警", 8), Col("最新进展", 36, "wrap"),
        Col("核验日期", 14, "date"), Col("评估", 18, "wrap"), Col("举措编号", 14)]  # the key re-imports match by


@dataclass(frozen=True)
class LedgerSheet:
    title: str
    subtitle: str
    measures: list[MeasureFact]
    lights: dict[int, str]
    when: datetime


def workbook_bytes(sheet: LedgerSheet) -> bytes:
    wb = xlsx.new_workbook(sheet.title, sheet.when)
    ws = wb.create_sheet("任务台账")
    top = xlsx.title_block(ws, sheet.title, [sheet.subtitle], len(COLS))
    r = xlsx.table(ws, top, COLS, [])
    category, item_start, item = None, r, None
    for m in sheet.measures:
        if m.category != category or m.item_id != item:
            _merge_item(ws, item_start, r - 1)
            item_start, item = r, m.item_id
        if m.category != category:
            category = m.category
            _category_row(ws, r, category)
            r += 1
            item_start = r
        xlsx.write_row(ws, r, COLS, _cells(m, sheet.lights.get(m.id)))
        if sheet.lights.get(m.id) in LIGHT_FILLS:
            ws.cell(r, 8).fill = PatternFill("solid", fgColor=LIGHT_FILLS[sheet.lights[m.id]])
        r += 1
    _merge_item(ws, item_start, r - 1)
    xlsx.landscape(ws)
    return xlsx.to_bytes(wb)


def _merge_item(ws, first: int, last: int) -> None:
    """One item over several measures: 序号 and 改革事项 merged down, as the plan prints them."""
    if last > first:
        for col in (1, 2):
            for r in range(first + 1, last + 1):
                ws.cell(r, col).value = None
            ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)


def _category_row(ws, r: int, title: str) -> None:
    cell = ws.cell(r, 1, title)
    cell.font, cell.fill = Font(name=xlsx.FONT, bold=True), CATEGORY_FILL
    cell.alignment = Alignment(vertical="center")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(COLS))


def plan_note(m: MeasureFact) -> str:
    """The note as the plan writes it: without what the importer adds for an 已完成 row, so it imports back."""
    if not m.declared_done:
        return m.note
    return "；".join(part for part in m.note.split("；") if part != DONE_NOTE)


def _cells(m: MeasureFact, light: str | None) -> list:
    return [m.item_no, m.item_title, m.text, "、".join(m.units), m.due_text, plan_note(m),
            STATE_LABELS.get(m.state, m.state), LIGHT_LABELS.get(light or "", ""), m.last_progress,
            xlsx.day(m.verified_at), _evaluation(m), m.key_code]


def _evaluation(m: MeasureFact) -> str:
    if not m.rating:
        return ""
    return f"{m.rating}；满意度 {m.satisfaction}" if m.satisfaction is not None else m.rating
