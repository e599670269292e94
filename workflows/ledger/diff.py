"""What an import would change: the parsed ledger compared with what the database holds, decided purely."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from engine.history import HistoryRecord
from workflows.ledger.keys import KeyCounter, key_prefix
from workflows.ledger.match import MatchPlan, match
from workflows.ledger.rows import ParsedLedger, ParsedMeasure
from workflows.models import LEAD, Category, Evidence, Extension, Item, Measure, MeasureUnit, Plan, Unit
from workflows.reform.table import REFORM_MEASURE

IMPORT_ACTIONS = ("import", "reimport")  # what the importer itself records; anything else is activity

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
FIELD_LABELS = {"title": "标题", "doc_no": "文号", "issued_on": "印发日期", "issuer": "印发机关",
                "category": "所属类别", "seq": "顺序", "item": "改革事项", "text": "具体举措",
                "units": "牵头单位", "due_text": "时间节点", "key": "重点改革事项", "note": "备注",
                "cooperating": "配合单位"}


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
    key: Any  # a measure's seq in the plan (a new one's next free seq)
    action: str  # created | updated
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    code: str = ""  # a measure's 举措编号 (a new one's, given now)
    activity: tuple[str, ...] = ()  # why a changed measure counts as under way: applied only with --force
    state: str = ""  # a changed measure's state, for the warning

    @property
    def guarded(self) -> bool:
        return bool(self.activity)


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
    missing_codes: list[str] = field(default_factory=list)
    key: int = 0
    done: int = 0
    joint: int = 0
    force: bool = False  # changes to measures under way were applied
    create_units: bool = False  # units not yet known were confirmed
    matched: dict[str, int] = field(default_factory=dict)  # how rows were matched: key | item | text | new -> rows
    # what the writer needs for each changed measure (by the change's key): the row read and the stored measure
    targets: dict[int, tuple[ParsedMeasure, Measure | None]] = field(default_factory=dict, repr=False)

    def changes_of(self, kind: str) -> dict[Any, Change]:
        return {c.key: c for c in self.changes if c.kind == kind}

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def held(self) -> list[Change]:
        """Changes to measures under way that are not applied without --force."""
        return [] if self.force else [c for c in self.changes if c.kind == "measure" and c.guarded]

    @property
    def new_units(self) -> list[str]:
        return [c.key for c in self.changes if c.kind == "unit" and c.action == CREATED]


@dataclass
class Snapshot:
    """The plan's rows as stored, loaded once."""

    plan: Plan | None
    categories: dict[int, Category]
    items: dict[tuple[str, str], Item]
    measures: dict[int, Measure]
    links: dict[int, tuple[str, ...]]  # measure id -> lead unit names, primary first
    units: dict[str, Unit]
    activity: dict[int, tuple[str, ...]] = field(default_factory=dict)  # measure id -> signs it is under way
    helpers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # measure id -> 配合单位 names


def load_snapshot(session: Session, plan_code: str) -> Snapshot:
    plan = session.exec(select(Plan).where(Plan.code == plan_code)).first()
    units = {u.name: u for u in session.exec(select(Unit))}
    if plan is None:
        return Snapshot(None, {}, {}, {}, {}, units)
    categories = {c.seq: c for c in session.exec(select(Category).where(Category.plan_id == plan.id))}
    items = {(i.item_no, i.title): i for i in session.exec(select(Item).where(Item.plan_id == plan.id))}
    measures = {m.seq: m for m in session.exec(select(Measure).where(Measure.plan_id == plan.id))}
    stmt = (sa_select(MeasureUnit.measure_id, Unit.name, MeasureUnit.part).join(Unit, Unit.id == MeasureUnit.unit_id)
            .join(Measure, Measure.id == MeasureUnit.measure_id).where(Measure.plan_id == plan.id)
            .order_by(MeasureUnit.measure_id, MeasureUnit.position))
    links: dict[int, list[str]] = {}
    helpers: dict[int, list[str]] = {}
    for measure_id, name, part in session.execute(stmt):
        (links if part == LEAD else helpers).setdefault(measure_id, []).append(name)
    return Snapshot(plan, categories, items, measures, {k: tuple(v) for k, v in links.items()}, units,
                    activity_of(session, plan.id, measures.values()), {k: tuple(v) for k, v in helpers.items()})


def activity_of(session: Session, plan_id: int, measures) -> dict[int, tuple[str, ...]]:
    """Measures under way, and why: past their initial state, or with evidence, progress, extensions, or any
    recorded action besides the importer's own."""
    ids = sa_select(Measure.id).where(Measure.plan_id == plan_id)
    counted = {label: dict(session.execute(stmt.where(column.in_(ids)).group_by(column)).all()) for label, column, stmt
               in (("佐证材料", Evidence.measure_id, sa_select(Evidence.measure_id, func.count())),
                   ("延期申请", Extension.measure_id, sa_select(Extension.measure_id, func.count())),
                   ("办理记录", HistoryRecord.subject_id,
                    sa_select(HistoryRecord.subject_id, func.count()).where(
                        HistoryRecord.workflow == REFORM_MEASURE.name, HistoryRecord.action.not_in(IMPORT_ACTIONS))))}
    found: dict[int, tuple[str, ...]] = {}
    for m in measures:
        signs = [f"状态为{REFORM_MEASURE.label(m.state)}"] if m.state not in REFORM_MEASURE.initial else []
        signs += ["已报送进展"] if m.last_progress or m.percent is not None else []
        signs += [f"{label} {n} 条" for label, rows in counted.items() if (n := rows.get(m.id))]
        if signs:
            found[m.id] = tuple(signs)
    return found


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
            "due_text": m.due_text, "key": m.key, "note": m.note, "cooperating": "、".join(m.cooperating)}


def stored_values(row: Measure, item: Item | None, units: tuple[str, ...], helpers: tuple[str, ...] = ()
                  ) -> dict[str, Any]:
    return {"item": f"{item.item_no} {item.title}" if item else "", "text": row.text,
            "units": "、".join(units), "due_text": row.due_text, "key": row.key, "note": row.note,
            "cooperating": "、".join(helpers)}


def compare(ledger: ParsedLedger, snap: Snapshot) -> ImportResult:
    result = ImportResult(ledger.plan_code, ledger.source, dry_run=False)
    _compare_plan(ledger, snap, result)
    for seq, title in enumerate(ledger.categories, start=1):
        row = snap.categories.get(seq)
        _tally(result, result.categories, "category", seq, row and {"title": row.title}, {"title": title})
    cat_ids = {c.id: seq for seq, c in snap.categories.items()}
    # A stored item keeps its place (a row deleted above must not renumber the rest); a new one goes after them.
    last = max((i.seq for i in snap.items.values()), default=0)
    for item in ledger.items:
        row = snap.items.get(item.key)
        old = row and {"category": cat_ids.get(row.category_id)}
        new = {"category": item.category_seq} if row else {"category": item.category_seq, "seq": last + item.seq}
        _tally(result, result.items, "item", item.key, old, new)
    for name in dict.fromkeys(u for m in ledger.measures for u in (*m.units, *m.cooperating)):
        _tally(result, result.units, "unit", name, {} if name in snap.units else None, {})
    _compare_measures(ledger, snap, result)
    result.key = sum(m.key for m in ledger.measures)
    result.done = sum(m.declared_done for m in ledger.measures)
    result.joint = sum(len(m.units) > 1 for m in ledger.measures)
    return result


def _compare_measures(ledger: ParsedLedger, snap: Snapshot, result: ImportResult) -> MatchPlan:
    """Each row against the stored measure it is (match), never the one at its position; a new row takes the
    plan's next seq and its item's next 举措编号."""
    items_by_id = {i.id: i for i in snap.items.values()}
    plan = match(ledger, snap.measures.values(), items_by_id)
    next_seq = max(snap.measures, default=0) + 1
    keys = KeyCounter(key_prefix(ledger.plan_code), [m.key_code for m in snap.measures.values() if m.key_code]
                      + [m.code for m in ledger.measures if m.code])
    for pair in plan.pairs:
        m, row = pair.source, pair.stored
        result.matched[pair.how] = result.matched.get(pair.how, 0) + 1
        new = measure_values(m)
        if row is None:
            code = m.code or keys.next(m.item[0])
            result.measures.created += 1
            result.changes.append(Change("measure", next_seq, CREATED, {k: (None, v) for k, v in new.items()}, code))
            result.targets[next_seq] = (m, None)
            next_seq += 1
            continue
        fields = _fields(stored_values(row, items_by_id.get(row.item_id), snap.links.get(row.id, ()),
                                      snap.helpers.get(row.id, ())), new)
        if not fields:
            result.measures.unchanged += 1
            continue
        result.measures.updated += 1
        result.changes.append(Change("measure", row.seq, UPDATED, fields, row.key_code or "",
                                     snap.activity.get(row.id, ()), row.state))
        result.targets[row.seq] = (m, row)
    result.missing = [m.seq for m in plan.missing]
    result.missing_codes = [m.key_code or "" for m in plan.missing]
    return plan


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
