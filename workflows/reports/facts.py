"""What a report reads from the database, loaded once into plain frozen records."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import msgspec
from sqlmodel import Session, select

from engine.history import HistoryRecord
from workflows.accounts_models import User
from workflows.models import LEAD, Category, Escalation, Item, Measure, MeasureUnit, Milestone, Plan, Unit
from workflows.reform.table import REFORM_MEASURE
from workflows.reports.periods import as_utc
from workflows.roles import UNIT_SUPERVISOR


# Structs, not frozen dataclasses: a city's report builds 10⁵ of each, and a frozen dataclass of 28 fields cost
# 20 µs to make (2 s of the 月调度 at 10⁵ measures), a Struct 1 µs
class Event(msgspec.Struct, frozen=True):
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    actor: str
    comment: str
    data: dict = msgspec.field(default_factory=dict)


class MeasureFact(msgspec.Struct, frozen=True):
    id: int
    seq: int
    plan_id: int
    category_seq: int
    category: str
    item_id: int
    item_no: str
    item_title: str
    klass: str | None
    text: str
    due_text: str
    due_date: date | None
    declared_done: bool
    plan_issued_on: date | None
    key: bool
    note: str
    state: str
    units: tuple[str, ...]
    unit_id: int | None
    percent: int | None
    last_progress: str
    reported_at: datetime | None
    verified_at: datetime | None
    rating: str | None
    satisfaction: int | None
    key_code: str = ""
    cooperating: tuple[str, ...] = ()  # 配合单位: shown and exported, never assessed
    unit_ids: tuple[int, ...] = ()  # the lead units' ids, in the order of `units`

    @property
    def unit(self) -> str:
        return self.units[0] if self.units else "（未指定）"

    @property
    def effective_due(self) -> date | None:
        """The deadline the rules use: the current one; a row the plan declared done is due on its issue day."""
        if self.due_date is None and self.declared_done:
            return self.plan_issued_on
        return self.due_date


@dataclass
class Facts:
    measures: list[MeasureFact]
    events: dict[int, list[Event]]
    escalations: list  # rows with the columns of Escalation (load), or Escalation entities
    milestones: list  # the same, of Milestone
    reviewer: str = "督查办"  # the supervision office's name, as its line in the reports is headed
    unit: str | None = None  # a unit's own report: only its line is shown

    def of_unit(self, unit_id: int | None) -> Facts:
        """The measures `unit_id` leads, first or jointly, and only its line."""
        if unit_id is None:
            return self
        keep = [m for m in self.measures if unit_id in m.unit_ids]
        ids = {m.id for m in keep}
        name = next((n for m in keep for uid, n in zip(m.unit_ids, m.units, strict=True) if uid == unit_id), None)
        return Facts(keep, {k: v for k, v in self.events.items() if k in ids},
                     [e for e in self.escalations if e.measure_id in ids],
                     [s for s in self.milestones if s.measure_id in ids], self.reviewer, name)

    def assessed(self, measure: MeasureFact) -> tuple[str, ...]:
        """The units `measure` counts for in these figures (in a unit's report, that unit alone)."""
        from workflows.reports.rows import units_assessed_for

        units = units_assessed_for(measure)
        return tuple(u for u in units if u == self.unit) if self.unit else units


def load(session: Session, unit_id: int | None = None) -> Facts:
    """Every measure with its whole history (readings pick the part before their instant); only those whose
    primary unit is `unit_id` when given."""
    reviewer = session.exec(select(Unit.name).where(Unit.kind == UNIT_SUPERVISOR).order_by(Unit.id)).first()
    # rungs and milestones as plain rows with the tables' column names: a city has 10⁵ of them, and ORM
    # entities cost a second of the 月调度 before any figure was counted
    core = session.connection()  # plain rows through Core: the ORM's row handling cost seconds at 10⁵
    escalations = core.execute(select(*Escalation.__table__.columns)
                               .order_by(Escalation.fired_at, Escalation.id)).all()
    milestones = core.execute(select(*Milestone.__table__.columns)
                              .order_by(Milestone.due_date, Milestone.id)).all()
    facts = Facts(measures(session), _events(session), list(escalations), list(milestones), reviewer or "督查办")
    return facts.of_unit(unit_id)


_COLUMNS = (Measure.id, Measure.seq, Measure.plan_id, Measure.text, Measure.due_text, Measure.due_date,
            Measure.declared_done, Measure.key, Measure.note, Measure.state, Measure.percent, Measure.last_progress,
            Measure.reported_at, Measure.verified_at, Measure.rating, Measure.satisfaction, Measure.key_code,
            Category.seq.label("category_seq"), Category.title.label("category"), Item.id.label("item_id"),
            Item.item_no, Item.title.label("item_title"), Item.klass, Plan.issued_on.label("plan_issued_on"))


def measures(session: Session) -> list[MeasureFact]:
    """Plain columns, not ORM objects: a report reads every measure, and 10^5 entities cost seconds."""
    units = _unit_links(session)
    rows = session.connection().execute(select(*_COLUMNS)
                        .join(Item, Item.id == Measure.item_id)
                        .join(Category, Category.id == Item.category_id)
                        .join(Plan, Plan.id == Measure.plan_id)
                        .order_by(Measure.plan_id, Measure.seq)).all()
    return [_fact(row, units.get(row.id, [])) for row in rows]


def _unit_links(session: Session) -> dict[int, list[tuple[int, str, str]]]:
    """Each measure's units in the plan's order: (unit id, name, part), the lead units first."""
    rows = session.connection().execute(select(MeasureUnit.measure_id, Unit.id, Unit.name, MeasureUnit.part)
                        .join(Unit, Unit.id == MeasureUnit.unit_id)
                        .order_by(MeasureUnit.measure_id, MeasureUnit.position)).all()
    out: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for measure_id, unit_id, name, part in rows:
        out[measure_id].append((unit_id, name, part))
    return out


def _fact(r, links: list[tuple[int, str, str]]) -> MeasureFact:
    # by position, in _COLUMNS' order: a Row's attributes by name cost half of building 10⁵ facts
    (mid, seq, plan_id, text, due_text, due_date, declared_done, key, note, state, percent, last_progress,
     reported_at, verified_at, rating, satisfaction, key_code, category_seq, category, item_id, item_no, item_title,
     klass, plan_issued_on) = r
    units = [(uid, name) for uid, name, part in links if part == LEAD]
    return MeasureFact(
        id=mid, seq=seq, plan_id=plan_id, category_seq=category_seq, category=category, item_id=item_id,
        item_no=item_no, item_title=item_title, klass=klass, text=text, due_text=due_text,
        due_date=due_date, declared_done=declared_done, plan_issued_on=plan_issued_on, key=key,
        note=note, state=state, units=tuple(name for _, name in units),
        unit_id=units[0][0] if units else None, percent=percent, last_progress=last_progress,
        reported_at=as_utc(reported_at) if reported_at else None,
        verified_at=as_utc(verified_at) if verified_at else None, rating=rating,
        satisfaction=satisfaction, key_code=key_code or "",
        cooperating=tuple(name for _, name, part in links if part != LEAD), unit_ids=tuple(uid for uid, _ in units))


def _events(session: Session) -> dict[int, list[Event]]:
    """The measures' history; actors by their display names, as a report for people names them."""
    names = {u: d for u, d in session.exec(select(User.username, User.display_name)) if d}
    stmt = (select(HistoryRecord.subject_id, HistoryRecord.at, HistoryRecord.action, HistoryRecord.from_state,
                   HistoryRecord.to_state, HistoryRecord.actor_name, HistoryRecord.comment, HistoryRecord.data)
            .where(HistoryRecord.workflow == REFORM_MEASURE.name).order_by(HistoryRecord.seq))
    out: dict[int, list[Event]] = defaultdict(list)
    records = session.connection().execute(stmt).all()  # plain columns through Core: every record is read
    # every record's data decoded in one call (a JSON list of them), not one json.loads per record
    datas = _decode_all("[" + ",".join(r[7] or "{}" for r in records) + "]") if records else []
    for (subject_id, at, action, from_state, to_state, actor, comment, _), data in zip(records, datas, strict=True):
        out[subject_id].append(Event(as_utc(at), action, from_state, to_state, names.get(actor, actor), comment,
                                     data if isinstance(data, dict) else {}))
    return out


_decode_all = msgspec.json.Decoder(list).decode
