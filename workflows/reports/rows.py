"""Row records shared by the reports, and turning report dataclasses into JSON-ready values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from datetime import date, datetime
from typing import Any

from workflows.documents.text import cn_date, is_end_of_day
from workflows.reports.facts import MeasureFact
from workflows.reports.periods import SHANGHAI, local_day

DONE_BY_PLAN = "已完成"  # how the plan writes the 时间节点 of a measure it declared done


@dataclass(frozen=True)
class MeasureRef:
    measure_id: int
    item_no: str
    item_title: str
    text: str
    unit: str
    due_date: date | None
    done_by_plan: bool = False  # the plan declared it done (已完成): its 时间节点 reads 已完成, not a date
    key: bool = False  # 重点改革事项


def ref_fields(m: MeasureFact) -> dict:
    """The MeasureRef fields of a measure, to spread into a row: Row(**ref_fields(m), ...)."""
    return {"measure_id": m.id, "item_no": m.item_no, "item_title": m.item_title, "text": m.text,
            "unit": m.unit, "due_date": m.effective_due, "done_by_plan": m.declared_done and m.due_date is None,
            "key": m.key}


def units_assessed_for(measure: MeasureFact) -> tuple[str, ...]:
    """The units a measure's figures and score count for: every lead unit (共同牵头单位 are equals, the
    第一牵头单位 first); 配合单位 never. A co-lead's share of the score is the formula's `co_lead_share`."""
    return measure.units or (measure.unit,)


def measure_label(row: MeasureRef | MeasureFact, length: int = 18) -> str:
    """第3项：清理政府采购中排斥外地投标人的行为…: a measure named briefly, by its item's number and its text."""
    text = "".join(row.text.split())
    short = text if len(text) <= length else text[:length] + "…"
    return f"第{row.item_no}项：{short}" if row.item_no else short


def plain(value: Any) -> Any:
    """Dataclasses, dates and instants as JSON values (instants in Asia/Shanghai, ISO 8601)."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def due_shown(row: MeasureRef) -> date | str | None:
    """The 时间节点 as a sheet prints it: the date, or 已完成 for a row the plan declared done."""
    return DONE_BY_PLAN if row.done_by_plan else row.due_date


def cutoff_label(cutoff: datetime) -> str:
    """2022年6月30日24时 for a finished day; 2022年6月20日 9时00分 while it runs."""
    day = local_day(cutoff)
    if is_end_of_day(cutoff):
        return f"{cn_date(day)}24时"
    at = cutoff.astimezone(SHANGHAI)
    return f"{cn_date(day)} {at.hour}时{at.minute:02d}分"
