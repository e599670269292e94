"""Measures, their history and evidence as the plain dicts of the JSON API (CONTRACT.md shapes)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.db import utc
from engine.history import HistoryRecord
from workflows.models import Category, Evidence, Item, Measure, Unit
from workflows.reform.table import STATE_LABELS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def instant(value: datetime | None) -> str | None:
    """ISO 8601 in Beijing time, the offset included."""
    return utc(value).astimezone(SHANGHAI).isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def measure_json(m: Measure, item: Item, category: Category, units: list[Unit], light: dict) -> dict:
    return {
        "id": m.id, "item_no": item.item_no, "item_title": item.title, "text": m.text,
        "category": category.title, "units": [u.name for u in units], "due_date": day(m.due_date),
        "due_text": m.due_text, "deadline_version": m.deadline_version, "state": m.state,
        "state_label": STATE_LABELS.get(m.state, m.state), "light": light.get("light"),
        "light_detail": {k: v for k, v in light.items() if k != "light"}, "key": m.key, "version": m.version,
        "note": m.note, "declared_done": m.declared_done, "percent": m.percent,
        "last_progress": m.last_progress, "last_progress_at": instant(m.last_progress_at),
        "reported_at": instant(m.reported_at), "verified_at": instant(m.verified_at),
        "extension": extension_json(m), "rating": m.rating, "satisfaction": m.satisfaction,
        "typical_case": m.typical_case, "case_text": m.case_text,
    }


def extension_json(m: Measure) -> dict | None:
    """The pending extension request, if any."""
    if m.extension_date is None:
        return None
    return {"proposed_due_date": day(m.extension_date), "reason": m.extension_reason}


def history_json(rec: HistoryRecord) -> dict:
    return {"action": rec.action, "from_state": rec.from_state, "to_state": rec.to_state, "actor": rec.actor_name,
            "at": instant(rec.at), "comment": rec.comment, "data": rec.payload, "version": rec.version}


def evidence_json(ev: Evidence) -> dict:
    return {"id": ev.id, "filename": ev.filename, "size": ev.size, "sha256": ev.sha256,
            "content_type": ev.content_type, "uploaded_at": instant(ev.uploaded_at),
            "report_version": ev.report_version, "url": f"/api/evidence/{ev.id}"}
