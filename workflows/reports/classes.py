"""分类推进: the class of each reform item, set by 营商办, with item lists and counts by class."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from engine import history
from engine.decide import Actor
from engine.errors import MissingField, NotFound, PermissionDenied
from workflows.models import ITEM_CLASSES, Category, Item, Measure
from workflows.reform.table import STATE_LABELS
from workflows.reports.periods import ReportInputError
from workflows.reports.rows import UNCLASSED

WORKFLOW = "item"
EDITORS = frozenset({"office"})


def set_class(session: Session, item_id: int, klass: str | None, actor: Actor, now: datetime) -> Item:
    """Class an item (None clears it); only 营商办 may, and only with one of the plan's three classes."""
    if actor.role not in EDITORS:
        raise PermissionDenied(f"item {item_id}: only 营商办 (office) may class items, not {actor.username!r}")
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} not found")
    klass = (klass or "").strip() or None
    if klass is not None and klass not in ITEM_CLASSES:
        raise MissingField("classify", ["klass"], {"klass": f"未知分类 {klass!r}，可选：{'、'.join(ITEM_CLASSES)}"})
    if klass != item.klass:
        version = _last_version(session, item_id) + 1
        history.append(session, workflow=WORKFLOW, subject_id=item_id, action="classify", from_state=item.klass,
                       to_state=klass or "", version=version, actor_id=actor.id, actor_name=actor.username,
                       at=now, data={"klass": klass})
        item.klass = klass
        session.add(item)
        session.flush()
    return item


def _last_version(session: Session, item_id: int) -> int:
    stmt = select(func.max(history.HistoryRecord.version)).where(history.HistoryRecord.workflow == WORKFLOW,
                                                                 history.HistoryRecord.subject_id == item_id)
    return session.exec(stmt).one() or 0


def items(session: Session, *, klass: str | None = None, category: int | None = None) -> list[dict]:
    """Items in plan order, with their category, class and number of measures; `klass` may be 未分类."""
    counts = dict(session.exec(select(Measure.item_id, func.count()).group_by(Measure.item_id)).all())
    stmt = (select(Item, Category).join(Category, Category.id == Item.category_id)
            .order_by(Item.plan_id, Category.seq, Item.seq))
    if category is not None:
        stmt = stmt.where(Category.seq == category)
    out = []
    for item, cat in session.exec(stmt):
        if klass and (item.klass or UNCLASSED) != klass:
            continue
        out.append({"id": item.id, "item_no": item.item_no, "title": item.title, "category": cat.title,
                    "category_seq": cat.seq, "klass": item.klass, "measures": counts.get(item.id, 0)})
    return out


def check_filter(klass: str | None) -> str | None:
    if klass and klass not in (*ITEM_CLASSES, UNCLASSED):
        raise ReportInputError(f"未知分类 {klass!r}，可选：{'、'.join((*ITEM_CLASSES, UNCLASSED))}")
    return klass or None


def counts(session: Session) -> list[dict]:
    """Per class: items, measures, and measures by current state."""
    rows = session.exec(select(Item.id, Item.klass, Measure.state).join(Measure, Measure.item_id == Item.id)).all()
    all_items = session.exec(select(Item.id, Item.klass)).all()
    out = []
    for klass in (*ITEM_CLASSES, UNCLASSED):
        mine = [state for _, k, state in rows if (k or UNCLASSED) == klass]
        by_state = Counter(mine)
        out.append({"klass": klass, "items": sum(1 for _, k in all_items if (k or UNCLASSED) == klass),
                    "measures": len(mine), "by_state": {s: by_state.get(s, 0) for s in STATE_LABELS}})
    return out
