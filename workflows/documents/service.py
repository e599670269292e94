"""督办文书: drafted when L2 督办 or L3 通报 fires, numbered without gaps, edited while a draft, issued and frozen
(its SHA-256 in the history), then sent to the unit with the file attached."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlmodel import Session

from engine.decide import View
from engine.errors import NotFound
from engine.outbox import Notice
from engine.service import ActionFired, WorkflowService, version_of
from workflows.access import Access
from workflows.calendar import CalendarUnknown, WorkCalendar
from workflows.directory import unit_people
from workflows.documents.duban import DubanNotice, duban_notice_bytes
from workflows.documents.numbering import format_number
from workflows.documents.records import LateMeasure, LateUnit
from workflows.documents.table import DOCUMENT, KINDS
from workflows.documents.tongbao import Tongbao, tongbao_bytes
from workflows.lights import local_day
from workflows.models import Item, Measure, Plan, Unit
from workflows.reform.links import links_of
from workflows.reform.table import REFORM_MEASURE
from workflows.reform.views import beijing
from workflows.supervision_models import Document


@dataclass(frozen=True)
class Formats:
    duban: str
    tongbao: str
    reply_workdays: int = 5


class DocumentSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    kind_label: str
    number: str
    title: str
    measure_id: int | None
    unit: str | None
    state: str
    state_label: str
    version: int
    created_at: datetime
    issued_at: datetime | None
    required: str
    reply_by: date | None
    sha256: str
    allowed_actions: list[str] = []


class DocumentList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DocumentSummary]
    total: int


def _facts(session: Session, measure: Measure, overdue: int, level_label: str, links=None) -> dict[str, Any]:
    item = session.get(Item, measure.item_id)
    plan = session.get(Plan, measure.plan_id)
    links = links if links is not None else links_of(session, measure.id)
    return {"unit": links.primary.name if links.primary else "", "item_no": item.item_no, "item_title": item.title,
            "measure": measure.text, "deadline": measure.due_date.isoformat() if measure.due_date else None,
            "workdays_overdue": overdue, "level": level_label, "state": REFORM_MEASURE.label(measure.state),
            "plan_title": plan.title if plan else "", "plan_number": plan.doc_no if plan else ""}


def draft_dubans(session: Session, wanted: list[tuple[Measure, int, int, str, Any]], now: datetime,
                 calendar: WorkCalendar, formats: Formats) -> list[Document]:
    """The numbered 督办通知单 of the measures whose L2 督办 fired, written in the sweep's transaction: (measure,
    escalation id, working days overdue, level label, its links) each; the numbers taken under one lock, the
    documents inserted and their first versions recorded together."""
    from engine import history
    from workflows.documents.numbers import next_numbers

    if not wanted:
        return []
    today = local_day(now)
    numbers = next_numbers(session, "duban", today.year, len(wanted))
    required, reply_by = _default_required(), calendar.add_workdays(today, formats.reply_workdays)
    docs = []
    for (measure, escalation_id, overdue, level_label, links), seq in zip(wanted, numbers, strict=True):
        facts = _facts(session, measure, overdue, level_label, links)
        docs.append(Document(kind="duban", year=today.year, seq=seq,
                             number=format_number(formats.duban, today.year, seq),
                             title=f"关于{facts['unit']}改革举措推进滞后的督办通知单", measure_id=measure.id,
                             unit_id=links.primary.id if links.primary else None, escalation_id=escalation_id,
                             required=required, reply_by=reply_by, facts=json.dumps(facts, ensure_ascii=False),
                             created_at=now, state=DOCUMENT.initial[0]))
    session.add_all(docs)
    session.flush()
    history.append_many(session, [
        history.Entry(DOCUMENT.name, doc.id, "drafted", None, doc.state, doc.version, None, "system", now, doc.number,
                      {"kind": doc.kind, "escalation_id": esc_id, "measure_id": measure.id})
        for doc, (measure, esc_id, *_) in zip(docs, wanted, strict=True)])
    return docs


def draft_tongbao(session: Session, late: list[tuple[Measure, int]], now: datetime, formats: Formats) -> Document:
    """One 情况通报 per sweep naming the measures whose L3 通报 fired, grouped by 第一牵头单位."""
    from workflows.documents.numbers import next_number

    today = local_day(now)
    seq = next_number(session, "tongbao", today.year)
    rows = [_facts(session, m, overdue, "通报") for m, overdue in late]
    doc = Document(kind="tongbao", year=today.year, seq=seq,
                   number=format_number(formats.tongbao, today.year, seq),
                   title="关于营商环境创新试点改革事项推进滞后情况的通报", required="",
                   facts=json.dumps({"as_of": today.isoformat(), "measures": rows}, ensure_ascii=False),
                   created_at=now, state=DOCUMENT.initial[0])
    session.add(doc)
    session.flush()
    _record_draft(session, doc, now, {"measure_ids": [m.id for m, _ in late]})
    return doc


def _record_draft(session: Session, doc: Document, now: datetime, data: dict) -> None:
    """The sweep's draft is the document's first version: recorded like every version, so the audit chain holds."""
    from engine import history

    history.append(session, workflow=DOCUMENT.name, subject_id=doc.id, action="drafted", from_state=None,
                   to_state=doc.state, version=doc.version, actor_id=None, actor_name="system", at=now,
                   comment=doc.number, data={"kind": doc.kind, **data}, locked=True)


def _default_required() -> str:
    from workflows.documents.duban import DEFAULT_REQUIRED

    return DEFAULT_REQUIRED


def render(doc: Document, formats: Formats) -> bytes:
    """The .docx of a draft as it stands, or the frozen one of an issued document."""
    if doc.content is not None:
        return bytes(doc.content)
    facts = json.loads(doc.facts or "{}")
    issued = local_day(doc.issued_at) if doc.issued_at else local_day(doc.created_at)
    if doc.kind == "duban":
        return duban_notice_bytes(DubanNotice(
            number=doc.seq, year=doc.year, unit=facts["unit"], item_no=facts["item_no"],
            item_title=facts["item_title"], measure=facts["measure"], deadline=date.fromisoformat(facts["deadline"]),
            workdays_overdue=facts["workdays_overdue"], level=facts["level"], reply_by=doc.reply_by or issued,
            issue_date=issued, required=doc.required or _default_required(), number_format=formats.duban,
            **_plan(facts)))
    units: dict[str, list[LateMeasure]] = {}
    for m in facts["measures"]:
        units.setdefault(m["unit"], []).append(LateMeasure(m["item_no"], m["item_title"], m["measure"],
                                                           date.fromisoformat(m["deadline"]), m["workdays_overdue"],
                                                           m["state"]))
    first = facts["measures"][0] if facts["measures"] else {}
    return tongbao_bytes(Tongbao(number=doc.seq, year=doc.year, issue_date=issued,
                                 as_of=date.fromisoformat(facts["as_of"]),
                                 units=tuple(LateUnit(u, tuple(ms)) for u, ms in units.items()),
                                 requirements=doc.required or None, number_format=formats.tongbao, **_plan(first)))


def _plan(facts: dict) -> dict:
    out = {}
    if facts.get("plan_title"):
        out["plan_title"] = facts["plan_title"]
    if facts.get("plan_number"):
        out["plan_number"] = facts["plan_number"]
    return out


class DocumentBinding:
    definition = DOCUMENT
    row_type = Document

    def __init__(self, formats: Formats | None = None, calendar: WorkCalendar | None = None) -> None:
        self.formats = formats or Formats("武隆督办〔{year}〕{n}号", "武隆督查通报〔{year}〕{n}号")
        self.calendar = calendar

    def view(self, session: Session, row: Document) -> View:
        return View(id=row.id, state=row.state, record=row)

    def apply(self, session: Session, row: Document, event: ActionFired) -> list[Notice]:
        facts = json.loads(row.facts or "{}")
        if event.action.name == "edit":
            row.required = event.fields["required"]
            if event.fields.get("reply_by"):
                row.reply_by, facts["reply_by_set"] = event.fields["reply_by"], True
                row.facts = json.dumps(facts, ensure_ascii=False)
            return []
        row.issued_at = event.at
        self._as_of(row, facts, local_day(event.at))
        content = render(row, self.formats)  # rendered once, frozen from now on
        row.content, row.sha256 = content, hashlib.sha256(content).hexdigest()
        event.recorded.update({"sha256": row.sha256, "number": row.number, "size": len(content)})
        return self._to_units(session, row, event)

    def _as_of(self, row: Document, facts: dict, day: date) -> None:
        """Issued days after it was drafted, a notice counts the working days overdue as of the day it is issued,
        and gives the unit its full reply time from then (unless 督查办 set the reply date)."""
        if self.calendar is None or row.kind != "duban" or not facts.get("deadline"):
            return
        try:
            facts["workdays_overdue"] = self.calendar.workdays_between(date.fromisoformat(facts["deadline"]), day)
            if not facts.get("reply_by_set"):
                row.reply_by = self.calendar.add_workdays(day, self.formats.reply_workdays)
        except CalendarUnknown:
            return  # the draft's figures stand
        row.facts = json.dumps(facts, ensure_ascii=False)

    def _to_units(self, session: Session, row: Document, event: ActionFired) -> list[Notice]:
        body = {"document_id": row.id, "number": row.number, "title": row.title, "kind": row.kind,
                "kind_label": KINDS[row.kind], "measure_id": row.measure_id, "actor": event.actor.display,
                "at": event.at.isoformat(), "attach": {"document_id": row.id, "filename": f"{row.number}.docx"}}
        units = [session.get(Unit, row.unit_id)] if row.unit_id else _named_units(session, row)
        people = [p for u in units if u is not None for p in unit_people(session, u)]
        return [Notice("document_issued", to, "document", row.id, body) for to in people]


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def issued_files(session: Session, refs) -> list[tuple[str, bytes]]:
    """(file name, frozen .docx) of the issued documents `refs` name ({"document_id": …}), each once, in order;
    a draft or a missing row carries nothing."""
    ids = list(dict.fromkeys(int(r["document_id"]) for r in refs if str(r.get("document_id", "")).isdigit()))
    if not ids:
        return []
    rows = {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids))).scalars()}
    return [(f"{d.number}.docx", d.content) for i in ids if (d := rows.get(i)) is not None and d.content
            and d.issued_at is not None]


def _named_units(session: Session, row: Document) -> list[Unit]:
    names = {m["unit"] for m in json.loads(row.facts or "{}").get("measures", [])}
    return list(session.execute(select(Unit).where(Unit.name.in_(sorted(names)))).scalars()) if names else []


@dataclass
class DocumentService:
    workflow: WorkflowService
    formats: Formats

    def list(self, session: Session, access: Access, kind: str | None = None, measure: int | None = None
             ) -> DocumentList:
        stmt = select(Document)
        if not access.sees_all:
            stmt = stmt.where(Document.unit_id.in_(sorted(access.actor.unit_ids)), Document.state.in_(
                sorted(DOCUMENT.tagged("frozen"))))
        if kind:
            stmt = stmt.where(Document.kind == kind)
        if measure is not None:
            stmt = stmt.where(Document.measure_id == measure)
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = session.execute(stmt.order_by(Document.created_at.desc(), Document.id.desc()).limit(500)).scalars()
        return DocumentList(items=[self.summary(session, access, r) for r in rows], total=total)

    def get(self, session: Session, access: Access, document_id: int) -> Document:
        row = session.get(Document, document_id)
        visible = row is not None and (access.sees_all or (row.unit_id in access.actor.unit_ids
                                                             and row.state in DOCUMENT.tagged("frozen")))
        if not visible:
            raise NotFound("找不到该文书", detail=f"document {document_id} not found or not visible")
        return row

    def content(self, session: Session, access: Access, document_id: int) -> tuple[Document, bytes]:
        row = self.get(session, access, document_id)
        return row, render(row, self.formats)

    def act(self, session: Session, access: Access, document_id: int, action: str, body: dict) -> DocumentSummary:
        row = self.get(session, access, document_id)
        fields = dict(body)
        version = version_of(action, fields.pop("version", None))
        self.workflow.fire(session, row, action, access.actor, fields, version)
        return self.summary(session, access, row)

    def summary(self, session: Session, access: Access, row: Document) -> DocumentSummary:
        unit = session.get(Unit, row.unit_id) if row.unit_id else None
        return DocumentSummary(id=row.id, kind=row.kind, kind_label=KINDS[row.kind], number=row.number,
                               title=row.title, measure_id=row.measure_id, unit=unit.name if unit else None,
                               state=row.state, state_label=DOCUMENT.label(row.state), version=row.version,
                               created_at=beijing(row.created_at), issued_at=beijing(row.issued_at),
                               required=row.required, reply_by=row.reply_by, sha256=row.sha256,
                               allowed_actions=self.workflow.allowed(session, row, access.actor))
