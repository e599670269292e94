"""The version claim: one UPDATE that checks the version, writes the new state and returns what the append needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from engine import history
from engine.definition import Action, WorkflowDefinition


class Claims:
    """The claim statements of one workflow, built once (per action for the claims that fetch the row).

    `of_row`: compare-and-set on the version of a row the caller has loaded and checked; the optimistic lock and
    the subject's row lock in one UPDATE, which returns the record's number and the subject's tail.
    `by_id`: the same for a row not loaded yet, the row fetched with the claim (RETURNING its columns); the checks
    the table makes of the row are in its WHERE clause (the version, the action's source state, and the scope
    through the binding's `scope_clause`), so it suits only actions with nothing else to check of the row (no
    condition, no four-eyes rule, no declared field) and one source state."""

    def __init__(self, definition: WorkflowDefinition, row_type: type, binding: Any) -> None:
        self.defn, self.row_type, self.binding = definition, row_type, binding
        table = row_type.__table__
        self.stamps = "updated_at" in table.c
        # what the binding derives from the row and wants recomputed after any change (the sweep's next day)
        self.resets = dict(getattr(binding, "reset_on_change", {}))
        values: dict[str, Any] = {"version": bindparam("b_new"), "state": bindparam("b_state")}
        if self.stamps:
            values["updated_at"] = bindparam("b_at", type_=table.c.updated_at.type)
        self._values = values | self.resets
        claim = update(table).where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_old"))
        self._of_row = {dialect: self._finish(claim, dialect) for dialect in ("postgresql", "sqlite")}
        self._by_id: dict[tuple[str, str, int | None], Any] = {}
        self._mapper = inspect(row_type)
        self._keys = [self._mapper.get_property_by_column(col).key for col in table.c]
        self._pk = [self._mapper.get_property_by_column(col).key for col in self._mapper.primary_key]

    def _finish(self, claim, dialect: str, columns=()):
        pg = dialect == "postgresql"
        if pg:  # appends take the chain lock shared before their number is drawn (see history._CHAIN_LOCK)
            claim = claim.where(history.chain_lock_shared())
        return claim.values(self._values).returning(
            *columns, *history.claim_returning(pg, self.defn.name, bindparam("b_id")))

    def of_row(self, dialect: str):
        return self._of_row[dialect]

    def fetches(self, act: Action, scoped: bool) -> bool:
        """Whether `by_id` can decide this action in SQL (for a scoped role: when the binding says how)."""
        return (len(act.source) == 1 and not act.conditions and not act.four_eyes and not act.fields
                and (not scoped or hasattr(self.binding, "scope_clause")))

    def by_id(self, dialect: str, act: Action, units: int | None):
        """A Core UPDATE returning every column of the row, then the append's three values (see `loaded`).
        `units`: for a scoped role, how many units the actor has (bound as b_unit0, b_unit1, ...: one statement
        per count, compiled once, where an expanding list would be rendered again at every claim)."""
        key = (dialect, act.name, units)
        stmt = self._by_id.get(key)
        if stmt is None:
            table = self.row_type.__table__
            claim = update(table).where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_old"),
                                        table.c.state == act.source[0])
            if units is not None:
                marks = [bindparam(f"b_unit{i}") for i in range(units)]
                claim = claim.where(self.binding.scope_clause(act.scope, marks))
            stmt = self._by_id[key] = self._finish(claim, dialect, table.c)
        return stmt

    def loaded(self, session: Session, returned: Sequence[Any]) -> Any:
        """The ORM instance of the row a `by_id` claim returned, as a query would have loaded it: in the session's
        identity map with every attribute committed (clean); an instance the session holds already gets the values.
        Built here rather than by an ORM-enabled UPDATE, whose statement handling cost more than the claim."""
        values = dict(zip(self._keys, returned, strict=True))
        identity = self._mapper.identity_key_from_primary_key([values[k] for k in self._pk])
        row = session.identity_map.get(identity)
        if row is not None:
            for name, value in values.items():
                set_committed_value(row, name, value)
            return row
        row = self._mapper.class_manager.new_instance()
        instance_state(row).dict.update(values)
        make_transient_to_detached(row)  # persistent once added: history reset, as if freshly loaded
        session.add(row)
        return row
