"""Read models of a measure, its history and evidence: frozen msgspec Structs the API serialises and
documents and the pages read by attribute. Instants are in Beijing time, dates are dates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from engine.db import utc
from engine.definition import WorkflowDefinition
from engine.history import HistoryRecord
from workflows.instructions.views import InstructionView
from workflows.lights import LightInfo
from workflows.meetings.views import MeetingView
from workflows.models import Category, Evidence, Item, Measure
from workflows.reform.links import Links
from workflows.reform.table import REFORM_MEASURE

SHANGHAI = ZoneInfo("Asia/Shanghai")


def state_enum(defn: WorkflowDefinition, name: str) -> type[enum.StrEnum]:
    """The definition's states as an enum, so the OpenAPI schema lists them."""
    return enum.StrEnum(name, [(s, s) for s in defn.state_names])


def action_enum(defn: WorkflowDefinition, name: str) -> type[enum.StrEnum]:
    return enum.StrEnum(name, [(a.name, a.name) for a in defn.actions])


MeasureState = state_enum(REFORM_MEASURE, "MeasureState")
MeasureAction = action_enum(REFORM_MEASURE, "MeasureAction")


class LightColour(enum.StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"


def beijing(value: datetime | None) -> datetime | None:
    return utc(value).astimezone(SHANGHAI) if value is not None else None


class Struct(msgspec.Struct, frozen=True, kw_only=True):
    """A read model: immutable, serialised as JSON with its field names."""


class LightDetail(Struct):
    due_in_workdays: int | None = None
    overdue_workdays: int | None = None
    reviewer_overdue: bool = False
    missed_milestone: bool = False
    calendar: str = "official"
    calendar_error: str | None = None


class PendingExtension(Struct):
    proposed_due_date: date | None
    reason: str


class MeasureSummary(Struct):
    id: int
    item_no: str
    item_title: str
    text: str
    category: str
    units: list[str]
    primary_unit: str | None
    cooperating_units: list[str]
    due_date: date | None
    due_text: str
    deadline_version: int
    state: MeasureState
    state_label: str
    light: LightColour | None
    light_detail: LightDetail
    key: bool
    version: int
    note: str
    declared_done: bool
    percent: int | None
    last_progress: str
    last_progress_at: datetime | None
    reported_at: datetime | None
    verified_at: datetime | None
    extension: PendingExtension | None
    rating: str | None
    satisfaction: int | None
    typical_case: bool
    case_text: str


class HistoryEntry(Struct):
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    comment: str
    data: dict[str, Any]
    version: int


class EvidenceItem(Struct):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime
    report_version: int | None
    url: str


class MeasureDetail(MeasureSummary):
    allowed_actions: list[MeasureAction]
    history: list[HistoryEntry]
    evidence: list[EvidenceItem]
    instructions: list[InstructionView] = []
    problems: list[ProblemLine] = []  # open ones first
    meetings: list[MeetingView] = []


class ProblemLine(Struct):
    """A problem as the measure's page lists it."""

    id: int
    origin_label: str
    text: str
    state: str
    state_label: str
    open: bool
    due_date: date | None
    age_days: int
    coordinating_units: list[str]


class MeasureList(Struct):
    items: list[MeasureSummary]
    total: int
    next_after: int | None = None  # more follow: pass it as `after` for the next page (keyset paging)
    prev_before: int | None = None  # more precede: pass it as `before` for the page before


def light_detail(info: LightInfo) -> LightDetail:
    return LightDetail(due_in_workdays=info.due_in_workdays, overdue_workdays=info.overdue_workdays,
                       reviewer_overdue=info.reviewer_overdue, missed_milestone=info.missed_milestone,
                       calendar=info.calendar, calendar_error=info.calendar_error)


def summary_fields(m: Measure, item: Item, category: Category, links: Links, info: LightInfo) -> dict[str, Any]:
    pending = PendingExtension(proposed_due_date=m.extension_date, reason=m.extension_reason) \
        if m.extension_date is not None else None
    return dict(
        id=m.id, item_no=item.item_no, item_title=item.title, text=m.text, category=category.title,
        units=links.names, primary_unit=links.primary.name if links.primary else None,
        cooperating_units=links.cooperating_names, due_date=m.due_date,
        due_text=m.due_text, deadline_version=m.deadline_version, state=MeasureState(m.state),
        state_label=REFORM_MEASURE.label(m.state), light=LightColour(info.light) if info.light else None,
        light_detail=light_detail(info), key=m.key, version=m.version, note=m.note, declared_done=m.declared_done,
        percent=m.percent, last_progress=m.last_progress, last_progress_at=beijing(m.last_progress_at),
        reported_at=beijing(m.reported_at), verified_at=beijing(m.verified_at), extension=pending,
        rating=m.rating, satisfaction=m.satisfaction, typical_case=m.typical_case, case_text=m.case_text)


def summary(m: Measure, item: Item, category: Category, links: Links, info: LightInfo) -> MeasureSummary:
    return MeasureSummary(**summary_fields(m, item, category, links, info))


def history_entry(rec: HistoryRecord, defn: WorkflowDefinition = REFORM_MEASURE) -> HistoryEntry:
    return HistoryEntry(action=rec.action, action_label=defn.action_label(rec.action), from_state=rec.from_state,
                        to_state=rec.to_state, actor=rec.actor_name, at=beijing(rec.at), comment=rec.comment,
                        data=rec.payload, version=rec.version)


def evidence_item(ev: Evidence) -> EvidenceItem:
    return EvidenceItem(id=ev.id, filename=ev.filename, size=ev.size, sha256=ev.sha256,
                        content_type=ev.content_type, uploaded_at=beijing(ev.uploaded_at),
                        report_version=ev.report_version, url=f"/api/evidence/{ev.id}")
