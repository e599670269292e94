"""The version claim: one UPDATE that checks the version, writes the new state and returns what the append needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, update

from engine import history
from engine.definition import Action, WorkflowDefinition


class Claims:
    """The claim statements of one workflow, built once (per action for the claims that fetch the row).

    `of_row`: compare-and-set on the version of a row the caller has loaded and checked; the optimistic lock and
    the subject's row lock in one UPDATE, which returns the record's number and the subject's tail.
    `by_id`: the same for a row not loaded yet, the row fetched with the claim (RETURNING the entity); the checks
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
        self._by_id: dict[tuple[str, str, bool], Any] = {}

    def _finish(self, claim, dialect: str):
        pg = dialect == "postgresql"
        if pg:  # appends take the chain lock shared before their number is drawn (see history._CHAIN_LOCK)
            claim = claim.where(history.chain_lock_shared())
        return claim.values(self._values).returning(*history.claim_returning(pg, self.defn.name, bindparam("b_id")))

    def of_row(self, dialect: str):
        return self._of_row[dialect]

    def fetches(self, act: Action, scoped: bool) -> bool:
        """Whether `by_id` can decide this action in SQL (for a scoped role: when the binding says how)."""
        return (len(act.source) == 1 and not act.conditions and not act.four_eyes and not act.fields
                and (not scoped or hasattr(self.binding, "scope_clause")))

    def by_id(self, dialect: str, act: Action, scoped: bool):
        key = (dialect, act.name, scoped)
        stmt = self._by_id.get(key)
        if stmt is None:
            entity = self.row_type
            claim = update(entity).where(entity.id == bindparam("b_id"), entity.version == bindparam("b_old"),
                                         entity.state == act.source[0])
            if scoped:  # the actor's units, as an expanding list: b_units
                claim = claim.where(self.binding.scope_clause(act.scope, bindparam("b_units", expanding=True)))
            pg = dialect == "postgresql"
            if pg:
                claim = claim.where(history.chain_lock_shared())
            stmt = self._by_id[key] = (
                claim.values(self._values)
                .returning(entity, *history.claim_returning(pg, self.defn.name, bindparam("b_id")))
                .execution_options(synchronize_session=False, populate_existing=True))
        return stmt
