"""What an import would change: the parsed ledger compared with what the database holds, decided purely."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from workflows.ledger.rows import ParsedLedger, ParsedMeasure
from workflows.models import Category, Item, Measure, MeasureUnit, Plan, Unit

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
FIELD_LABELS = {"title": "标题", "doc_no": "文号", "issued_on": "印发日期", "issuer": "印发机关",
                "category": "所属类别", "seq": "顺序", "item": "改革事项", "text": "具体举措",
                "units": "牵头单位", "due_text": "时间节点", "key": "重点改革事项", "note": "备注"}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Change:
    """One row created or updated; fields maps a field to (old, new)."""

    kind: str  # plan | category | item | unit | measure
    key: Any
    action: str  # created | updated
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportResult:
    plan_code: str
    source: str
    dry_run: bool
    plan: str = UNCHANGED
    categories: Counts = field(default_factory=Counts)
    items: Counts = field(default_factory=Counts)
    measures: Counts = field(default_factory=Counts)
    units: Counts = field(default_factory=Counts)
    changes: list[Change] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # seqs in the database but not in the source
    key: int = 0
    done: int = 0
    joint: int = 0

    def changes_of(self, kind: str) -> dict[Any, Change]:
        return {c.key: c for c in self.changes if c.kind == kind}

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass
class Snapshot:
    """The plan's rows as stored, loaded once."""

    plan: Plan | None
    categories: dict[int, Category]
    items: dict[tuple[str, str], Item]
    measures: dict[int, Measure]
    links: dict[int, tuple[str, ...]]  # measure id -> unit names, primary first
    units: dict[str, Unit]


def load_snapshot(session: Session, plan_code: str) -> Snapshot:
    plan = session.exec(select(Plan).where(Plan.code == plan_code)).first()
    units = {u.name: u for u in session.exec(select(Unit))}
    if plan is None:
        return Snapshot(None, {}, {}, {}, {}, units)
    categories = {c.seq: c for c in session.exec(select(Category).where(Category.plan_id == plan.id))}
    items = {(i.item_no, i.title): i for i in session.exec(select(Item).where(Item.plan_id == plan.id))}
    measures = {m.seq: m for m in session.exec(select(Measure).where(Measure.plan_id == plan.id))}
    stmt = (sa_select(MeasureUnit.measure_id, Unit.name).join(Unit, Unit.id == MeasureUnit.unit_id)
            .join(Measure, Measure.id == MeasureUnit.measure_id).where(Measure.plan_id == plan.id)
            .order_by(MeasureUnit.measure_id, MeasureUnit.position))
    links: dict[int, list[str]] = {}
    for measure_id, name in session.execute(stmt):
        links.setdefault(measure_id, []).append(name)
    return Snapshot(plan, categories, items, measures, {k: tuple(v) for k, v in links.items()}, units)


def _fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (old[k], v) for k, v in new.items() if old[k] != v}


def _tally(result: ImportResult, counts: Counts, kind: str, key: Any, old: dict | None, new: dict) -> None:
    if old is None:
        counts.created += 1
        result.changes.append(Change(kind, key, CREATED, {k: (None, v) for k, v in new.items()}))
    elif fields := _fields(old, new):
        counts.updated += 1
        result.changes.append(Change(kind, key, UPDATED, fields))
    else:
        counts.unchanged += 1


def measure_values(m: ParsedMeasure) -> dict[str, Any]:
    return {"item": f"{m.item[0]} {m.item[1]}", "text": m.text, "units": "、".join(m.units),
            "due_text": m.due_text, "key": m.key, "note": m.note}


def stored_values(row: Measure, item: Item | None, units: tuple[str, ...]) -> dict[str, Any]:
    return {"item": f"{item.item_no} {item.title}" if item else "", "text": row.text,
            "units": "、".join(units), "due_text": row.due_text, "key": row.key, "note": row.note}


def compare(ledger: ParsedLedger, snap: Snapshot) -> ImportResult:
    result = ImportResult(ledger.plan_code, ledger.source, dry_run=False)
    _compare_plan(ledger, snap, result)
    for seq, title in enumerate(ledger.categories, start=1):
        row = snap.categories.get(seq)
        _tally(result, result.categories, "category", seq, row and {"title": row.title}, {"title": title})
    cat_ids = {c.id: seq for seq, c in snap.categories.items()}
    for item in ledger.items:
        row = snap.items.get(item.key)
        old = row and {"category": cat_ids.get(row.category_id), "seq": row.seq}
        _tally(result, result.items, "item", item.key, old, {"category": item.category_seq, "seq": item.seq})
    for name in dict.fromkeys(u for m in ledger.measures for u in m.units):
        _tally(result, result.units, "unit", name, {} if name in snap.units else None, {})
    items_by_id = {i.id: i for i in snap.items.values()}
    for m in ledger.measures:
        row = snap.measures.get(m.seq)
        old = row and stored_values(row, items_by_id.get(row.item_id), snap.links.get(row.id, ()))
        _tally(result, result.measures, "measure", m.seq, old, measure_values(m))
    seqs = {m.seq for m in ledger.measures}
    result.missing = sorted(s for s in snap.measures if s not in seqs)
    result.key = sum(m.key for m in ledger.measures)
    result.done = sum(m.declared_done for m in ledger.measures)
    result.joint = sum(len(m.units) > 1 for m in ledger.measures)
    return result


def _compare_plan(ledger: ParsedLedger, snap: Snapshot, result: ImportResult) -> None:
    meta = ledger.meta
    new = {"title": meta.title or ledger.plan_code, "doc_no": meta.doc_no, "issued_on": meta.issued_on,
           "issuer": meta.issuer}
    if snap.plan is None:
        result.plan = CREATED
        fields = {k: (None, v) for k, v in new.items()}
        result.changes.append(Change("plan", ledger.plan_code, CREATED, fields))
        return
    if not ledger.meta_from_plan:
        return  # a spreadsheet's title row is not the plan's title
    old = {k: getattr(snap.plan, k) for k in new}
    if fields := _fields(old, new):
        result.plan = UPDATED
        result.changes.append(Change("plan", ledger.plan_code, UPDATED, fields))
