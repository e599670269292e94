"""Import a ledger: create what is new, update what changed (with history), delete nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

from engine import history
from engine.clock import Clock
from engine.db import bulk_insert, collector_paused, next_ids
from engine.service import WorkflowService
from workflows.ledger import sources
from workflows.ledger.diff import (
    FIELD_LABELS,
    Change,
    ImportResult,
    Snapshot,
    compare,
    load_snapshot,
)
from workflows.ledger.errors import LedgerError
from workflows.ledger.rows import ParsedLedger, ParsedMeasure
from workflows.models import COOPERATING, LEAD, Category, Item, Measure, MeasureUnit, Plan, Unit
from workflows.reform.binding import BINDING
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import UNIT_LEAD

__all__ = ["ImportResult", "LedgerError", "import_ledger"]

STARTS = REFORM_MEASURE.initial[0]  # a measure the plan assigns
DECLARED_DONE = REFORM_MEASURE.initial_tagged("awaiting_review")  # 已完成 in the plan: waits for 督查办


def import_ledger(session: Session, source: str | Path, *, clock: Clock, dry_run: bool = False,
                  plan_code: str | None = None, actor_name: str = "system",
                  service: WorkflowService | None = None, force: bool = False,
                  create_units: bool = False) -> ImportResult:
    """Read the whole source, compare, and (unless dry_run) write inside the caller's transaction.

    `force` applies changes to measures already under way (otherwise they are held and reported); `create_units`
    confirms units the database does not know yet (otherwise the import is refused, naming them)."""
    with collector_paused():  # 10⁴ rows make objects enough to set off hundreds of collections, all fruitless
        return _import(session, source, clock, dry_run, plan_code, actor_name, service, force, create_units)


def _import(session: Session, source: str | Path, clock: Clock, dry_run: bool, plan_code: str | None,
            actor_name: str, service: WorkflowService | None, force: bool, create_units: bool) -> ImportResult:
    if plan_code is not None and not (0 < len(plan_code.strip()) <= 64):
        raise LedgerError("方案代码应为 1 至 64 个字符")
    ledger = sources.load(source, plan_code.strip() if plan_code else None)
    snap = load_snapshot(session, ledger.plan_code)
    result = compare(ledger, snap)
    result.dry_run, result.force, result.create_units = dry_run, force, create_units
    if not dry_run and result.new_units and not create_units:
        names = result.new_units
        listed = "、".join(names[:20]) + ("等" if len(names) > 20 else "")
        raise LedgerError(f"台账中有 {len(names)} 个尚未登记的单位：{listed}。请核对单位名称；"
                          "确认需要新建后，加 --create-units 再导入")
    if not dry_run and result.changed:
        _Writer(session, ledger, snap, result, service or WorkflowService(BINDING, clock), actor_name).write()
        session.flush()
    return result


@dataclass
class _Writer:
    session: Session
    ledger: ParsedLedger
    snap: Snapshot
    result: ImportResult
    service: WorkflowService
    actor_name: str

    def write(self) -> None:
        plan = self._plan()
        categories = self._categories(plan)
        units = self._units()
        items = self._items(plan, categories)
        held = {id(c) for c in self.result.held}
        fresh: list[tuple[ParsedMeasure, Change]] = []
        for change in self.result.changes:
            if change.kind != "measure" or id(change) in held:
                continue
            m, row = self.result.targets[change.key]
            if row is None:
                fresh.append((m, change))
            else:
                self._update_measure(row, m, change, items[m.item], units)
        if fresh:  # all in one go: a bulk write's cost is in its rows, not in its size
            self._create_measures(plan, fresh, items, units)

    def _plan(self) -> Plan:
        plan = self.snap.plan or Plan(code=self.ledger.plan_code, title="")
        change = self.result.changes_of("plan").get(self.ledger.plan_code)
        if change is not None:
            for name, (_, new) in change.fields.items():
                setattr(plan, name, new)
            self.session.add(plan)
            self.session.flush()
        return plan

    def _categories(self, plan: Plan) -> dict[int, Category]:
        rows = dict(self.snap.categories)
        for seq, change in self.result.changes_of("category").items():
            row = rows.get(seq) or Category(plan_id=plan.id, seq=seq, title="")
            row.title = change.fields["title"][1]
            self.session.add(row)
            rows[seq] = row
        self.session.flush()
        return rows

    def _units(self) -> dict[str, Unit]:
        rows = dict(self.snap.units)
        for name in self.result.changes_of("unit"):
            rows[name] = Unit(name=name, kind=UNIT_LEAD)
            self.session.add(rows[name])
        self.session.flush()
        return rows

    def _items(self, plan: Plan, categories: dict[int, Category]) -> dict[tuple[str, str], Any]:
        """Changed items through the unit of work, new ones in one bulk write: key -> something with the item's `id`."""
        rows: dict[tuple[str, str], Any] = dict(self.snap.items)
        changes = self.result.changes_of("item")
        fresh = []
        for item in self.ledger.items:
            if item.key not in changes:
                continue
            row = rows.get(item.key)
            if row is None:
                fresh.append((item.key, {"plan_id": plan.id, "category_id": categories[item.category_seq].id,
                                         "seq": changes[item.key].fields["seq"][1], "item_no": item.item_no,
                                         "title": item.title}))
                continue
            row.category_id = categories[item.category_seq].id
            self.session.add(row)
        self.session.flush()
        ids = _insert_all(self.session, Item, [values for _, values in fresh])
        for (key, _), item_id in zip(fresh, ids, strict=True):
            rows[key] = SimpleNamespace(id=item_id)
        return rows

    def _create_measures(self, plan: Plan, batch: list[tuple[ParsedMeasure, Change]],
                         items: dict[tuple[str, str], Any], units: dict[str, Unit]) -> None:
        """New measures in bulk: their ids drawn first, then one bulk write for the rows, one for their units, one
        for their history, chained in Python."""
        now = self.service.clock.now()
        values = [{"plan_id": plan.id, "item_id": items[m.item].id, "seq": change.key, "key_code": change.code,
                   "text": m.text, "due_text": m.due_text, "due_date": m.due_date, "key": m.key, "note": m.note,
                   "declared_done": m.declared_done, "state": DECLARED_DONE if m.declared_done else STARTS,
                   "updated_at": now, "reported_at": now if m.declared_done else None} for m, change in batch]
        ids = _insert_all(self.session, Measure, values)
        links = [{"measure_id": mid, "unit_id": units[name].id, "position": position, "part": part}
                 for mid, (m, _) in zip(ids, batch, strict=True) for position, (name, part) in enumerate(_parts(m))]
        if links:
            bulk_insert(self.session, MeasureUnit.__table__, links)
        entries = []
        for mid, row, (m, change) in zip(ids, values, batch, strict=True):
            comment = f"从台账导入（{self.ledger.source}）"
            if m.declared_done:
                comment += "；方案印发时已完成，待督查办核验"
            entries.append(history.Entry(
                self.service.defn.name, mid, "import", None, row["state"], 1, None, self.actor_name, now,
                comment, {"source": self.ledger.source, "seq": change.key, "key_code": change.code}))
        history.append_many(self.session, entries)  # rows just created: nobody else appends to them

    def _update_measure(self, row: Measure, m: ParsedMeasure, change: Change, item: Item,
                        units: dict[str, Unit]) -> None:
        """Only what the plan says: never the state, evidence, or a deadline an extension moved."""
        fields = change.fields
        row.item_id, row.text, row.key, row.note = item.id, m.text, m.key, m.note
        if "due_text" in fields:
            row.due_text, row.due_date, row.declared_done = m.due_text, m.due_date, m.declared_done
            row.deadline_version += 1
        if "units" in fields or "cooperating" in fields:
            self.session.execute(delete(MeasureUnit).where(MeasureUnit.measure_id == row.id))
            self._link(row, m, units)
        row.updated_at = self.service.clock.now()
        labels = "、".join(FIELD_LABELS[k] for k in fields)
        forced = "；举措已在办理中，经确认（--force）后变更" if change.guarded else ""
        data = {"source": self.ledger.source, "changes": _jsonable(fields)}
        if change.guarded:
            data |= {"forced": True, "activity": list(change.activity)}
        self.service.changed(self.session, row, self.actor_name, action="reimport",
                             comment=f"台账重新导入（{self.ledger.source}）：{labels}有变更{forced}", data=data)

    def _link(self, row: Measure, m: ParsedMeasure, units: dict[str, Unit]) -> None:
        """Lead units first (the first is the 第一牵头单位), then the 配合单位."""
        for position, (name, part) in enumerate(_parts(m)):
            self.session.add(MeasureUnit(measure_id=row.id, unit_id=units[name].id, position=position, part=part))


def _insert_all(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows, returning their ids in order: the ids drawn first, then one bulk write (COPY on PostgreSQL)
    rather than an INSERT ... RETURNING, which SQLite runs a row at a time to keep the ids in order."""
    table = model.__table__
    ids = next_ids(session, table, len(rows))
    bulk_insert(session, table, [row | {"id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _parts(m: ParsedMeasure) -> list[tuple[str, str]]:
    return [(name, LEAD) for name in m.units] + [(name, COOPERATING) for name in m.cooperating]


def _jsonable(fields: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    return {k: [old, new] for k, (old, new) in fields.items()}
