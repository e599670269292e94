"""The measure–unit link, queried in one place: lead units (primary first) and cooperating units of measures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlmodel import Session

from engine.db import read_memo
from workflows.models import COOPERATING, LEAD, MeasureUnit, Unit


@dataclass(frozen=True)
class Links:
    """A measure's units: the lead units in the plan's order (the first is the 第一牵头单位), and the 配合单位."""

    leads: tuple[Unit, ...] = ()
    cooperating: tuple[Unit, ...] = ()

    @property
    def primary(self) -> Unit | None:
        return self.leads[0] if self.leads else None

    @property
    def co_leads(self) -> tuple[Unit, ...]:
        return self.leads[1:]

    @property
    def lead_ids(self) -> frozenset[int]:
        return frozenset(u.id for u in self.leads)

    @property
    def primary_ids(self) -> frozenset[int]:
        return frozenset({self.leads[0].id}) if self.leads else frozenset()

    @property
    def member_ids(self) -> frozenset[int]:
        """Every unit that takes part: lead and cooperating (they see the measure and report progress)."""
        return self.lead_ids | frozenset(u.id for u in self.cooperating)

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.leads]

    @property
    def cooperating_names(self) -> list[str]:
        return [u.name for u in self.cooperating]


_ONE = (select(MeasureUnit.part, Unit).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
        .where(MeasureUnit.measure_id == bindparam("mid")).order_by(MeasureUnit.position))


# a measure's units as (part, unit id), lead units first in the plan's order: what deciding who may act needs
_MU = MeasureUnit.__table__.c
_PARTS = (select(_MU.part, _MU.unit_id).where(_MU.measure_id == bindparam("mid"), _MU.part.in_((LEAD, COOPERATING)))
          .order_by(_MU.position))


def _links(rows: Iterable[tuple[str, Unit]]) -> Links:
    rows = list(rows)
    return Links(tuple(u for part, u in rows if part == LEAD), tuple(u for part, u in rows if part == COOPERATING))


def _read_once(session: Session) -> dict[int, Links] | None:
    """The links a read session has already read (engine.db.read_memo), or None in a write session."""
    return read_memo(session, "links")


def kept_links(session: Session, measure_id: int) -> Links | None:
    """The measure's units if this (read) session has already read them, else None."""
    kept = _read_once(session)
    return None if kept is None else kept.get(measure_id)


def links_of(session: Session, measure_id: int) -> Links:
    """A measure's units; in a read session each measure's once (a detail page asks for its access check, its
    summary and its rules)."""
    kept = _read_once(session)
    if kept is not None and measure_id in kept:
        return kept[measure_id]
    links = _links(session.execute(_ONE, {"mid": measure_id}).all())
    if kept is not None:
        kept[measure_id] = links
    return links


def links_of_many(session: Session, measure_ids: Iterable[int]) -> dict[int, Links]:
    kept = _read_once(session)
    known = {} if kept is None else kept
    ids = sorted(set(measure_ids))
    found: dict[int, list[tuple[str, Unit]]] = {mid: [] for mid in ids if mid not in known}
    if found:
        stmt = (select(MeasureUnit.measure_id, MeasureUnit.part, Unit).join(Unit, Unit.id == MeasureUnit.unit_id)
                .where(MeasureUnit.measure_id.in_(list(found))).order_by(MeasureUnit.measure_id, MeasureUnit.position))
        for measure_id, part, unit in session.execute(stmt):
            found[measure_id].append((part, unit))
    read = {mid: _links(rows) for mid, rows in found.items()}
    if kept is not None:
        kept.update(read)
    return {mid: read[mid] if mid in read else known[mid] for mid in ids}


def unit_ids_of(session: Session, measure_id: int) -> tuple[int | None, frozenset[int]]:
    """The measure's first lead unit and every unit taking part, as ids: what deciding who may act needs. The
    units a read session already holds, or one narrow query (no Unit rows)."""
    known = kept_links(session, measure_id)
    if known is not None:
        return (known.primary.id if known.primary else None), known.member_ids
    parts = session.execute(_PARTS, {"mid": measure_id}).all()
    return next((unit_id for part, unit_id in parts if part == LEAD), None), frozenset(u for _p, u in parts)


def scope_clause(scope: str, unit_ids, measure_id):
    """`unit_ids_of` in SQL, for a statement over measures (`measure_id`: its id column): one of `unit_ids` is the
    measure's first lead unit ("owner"), or any of its lead or cooperating units."""
    if scope == "owner":
        return (select(_MU.unit_id).where(_MU.measure_id == measure_id, _MU.part == LEAD)
                .order_by(_MU.position).limit(1).scalar_subquery().in_(unit_ids))
    return exists().where(_MU.measure_id == measure_id, _MU.part.in_((LEAD, COOPERATING)), _MU.unit_id.in_(unit_ids))


def measures_of_units(unit_ids: Iterable[int]):
    """A subquery of the ids of measures that any of the units leads or cooperates on: the SQL side of visibility."""
    return select(MeasureUnit.measure_id).where(MeasureUnit.unit_id.in_(sorted(set(unit_ids))))


def measures_led_by_name(name_clause):
    return (select(MeasureUnit.measure_id).join(Unit, Unit.id == MeasureUnit.unit_id)
            .where(name_clause, MeasureUnit.part == LEAD))
