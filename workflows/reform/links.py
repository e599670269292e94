"""The measure–unit link, queried in one place: lead units (primary first) of one or many measures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlmodel import Session

from workflows.models import MeasureUnit, Unit

PRIMARY = 0  # MeasureUnit.position of the 第一牵头单位


@dataclass(frozen=True)
class Links:
    """A measure's units: the lead units in the plan's order (primary first)."""

    leads: tuple[Unit, ...] = ()

    @property
    def primary(self) -> Unit | None:
        return self.leads[0] if self.leads else None

    @property
    def lead_ids(self) -> frozenset[int]:
        return frozenset(u.id for u in self.leads)

    @property
    def primary_ids(self) -> frozenset[int]:
        return frozenset({self.leads[0].id}) if self.leads else frozenset()

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.leads]


_ONE = (select(Unit).join(MeasureUnit, MeasureUnit.unit_id == Unit.id)
        .where(MeasureUnit.measure_id == bindparam("mid")).order_by(MeasureUnit.position))


def links_of(session: Session, measure_id: int) -> Links:
    return Links(tuple(session.execute(_ONE, {"mid": measure_id}).scalars()))


def links_of_many(session: Session, measure_ids: Iterable[int]) -> dict[int, Links]:
    ids = sorted(set(measure_ids))
    found: dict[int, list[Unit]] = {mid: [] for mid in ids}
    if ids:
        stmt = (select(MeasureUnit.measure_id, Unit).join(Unit, Unit.id == MeasureUnit.unit_id)
                .where(MeasureUnit.measure_id.in_(ids)).order_by(MeasureUnit.measure_id, MeasureUnit.position))
        for measure_id, unit in session.execute(stmt):
            found[measure_id].append(unit)
    return {mid: Links(tuple(units)) for mid, units in found.items()}


def measures_of_units(unit_ids: Iterable[int]):
    """A subquery of the ids of measures that any of the units leads: the SQL side of visibility."""
    return select(MeasureUnit.measure_id).where(MeasureUnit.unit_id.in_(sorted(set(unit_ids))))


def measures_led_by_name(name_clause):
    return select(MeasureUnit.measure_id).join(Unit, Unit.id == MeasureUnit.unit_id).where(name_clause)
