"""Row records shared by the reports, and turning report dataclasses into JSON-ready values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
from datetime import date, datetime
from typing import Any

from workflows.reports.facts import MeasureFact
from workflows.reports.periods import SHANGHAI


@dataclass(frozen=True)
class MeasureRef:
    measure_id: int
    item_no: str
    item_title: str
    text: str
    unit: str
    due_date: date | None



def ref_fields(m: MeasureFact) -> dict:
    """The MeasureRef fields of a measure, to spread into a row: Row(**ref_fields(m), ...)."""
    return {"measure_id": m.id, "item_no": m.item_no, "item_title": m.item_title, "text": m.text,
            "unit": m.unit, "due_date": m.effective_due}


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
