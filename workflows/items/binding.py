"""How items meet the engine: anyone in the role may class any item; the class is the only effect."""

from __future__ import annotations

from sqlmodel import Session

from engine.decide import View
from engine.outbox import Notice
from engine.service import ActionFired
from workflows.items.table import ITEM
from workflows.models import Item


class ItemBinding:
    definition = ITEM
    row_type = Item

    def view(self, session: Session, row: Item) -> View:
        return View(id=row.id, state=row.state, record=row)

    def apply(self, session: Session, row: Item, event: ActionFired) -> list[Notice]:
        row.klass = event.fields.get("klass") or None
        return []


BINDING = ItemBinding()
