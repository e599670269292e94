"""分类推进: the class of each reform item (set by 营商办 through the engine), item lists and counts by class."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from engine.decide import refusal
from engine.errors import BadRequest, NotFound
from engine.service import WorkflowService
from workflows.access import Access
from workflows.items.table import ITEM, ITEM_CLASSES, UNCLASSED
from workflows.models import Category, Item, Measure
from workflows.reform.table import REFORM_MEASURE


def set_class(session: Session, items: WorkflowService, item_id: int, klass: str | None, access: Access,
              version: int | None = None) -> Item:
    """Class an item (None or blank clears it) as the engine's `classify` action; a repeat changes nothing."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound("找不到该改革事项", detail=f"item {item_id} not found")
    reason = refusal(ITEM, ITEM.action("classify"), items.binding.view(session, item), access.actor, {})
    if reason is not None:
        raise reason
    if ((klass.strip() if isinstance(klass, str) else klass) or None) == item.klass:  # a non-text is refused below
        return item
    items.fire(session, item, "classify", access.actor, {"klass": klass}, item.version if version is None
               else version)
    return item


def items(session: Session, *, klass: str | None = None, category: int | None = None) -> list[dict]:
    """Items in plan order, with their category, class and number of measures; `klass` may be 未分类."""
    counts = dict(session.execute(select(Measure.item_id, func.count()).group_by(Measure.item_id)).all())
    stmt = (select(Item, Category).join(Category, Category.id == Item.category_id)
            .order_by(Item.plan_id, Category.seq, Item.seq))
    if category is not None:
        stmt = stmt.where(Category.seq == category)
    out = []
    for item, cat in session.execute(stmt):
        if klass and (item.klass or UNCLASSED) != klass:
            continue
        out.append({"id": item.id, "item_no": item.item_no, "title": item.title, "category": cat.title,
                    "category_seq": cat.seq, "klass": item.klass, "measures": counts.get(item.id, 0),
                    "version": item.version})
    return out


def check_filter(klass: str | None) -> str | None:
    if klass and klass not in (*ITEM_CLASSES, UNCLASSED):
        raise BadRequest(f"未知分类 {klass!r}，可选：{'、'.join((*ITEM_CLASSES, UNCLASSED))}")
    return klass or None


def counts(session: Session) -> list[dict]:
    """Per class: items, measures, and measures by current state."""
    rows = session.execute(select(Item.id, Item.klass, Measure.state).join(Measure, Measure.item_id == Item.id)).all()
    all_items = session.execute(select(Item.id, Item.klass)).all()
    out = []
    for klass in (*ITEM_CLASSES, UNCLASSED):
        mine = [state for _, k, state in rows if (k or UNCLASSED) == klass]
        by_state = Counter(mine)
        out.append({"klass": klass, "items": sum(1 for _, k in all_items if (k or UNCLASSED) == klass),
                    "measures": len(mine), "by_state": {s: by_state.get(s, 0) for s in REFORM_MEASURE.state_names}})
    return out
