"""Reading measures for pages through the measure service, every page of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session

from engine.decide import Actor
from workflows.reform import service as measures


def visible(session: Session, actor: Actor, now: datetime, **filters) -> Iterator[dict]:
    """Every measure this actor may see that matches the filters, as the service lists them."""
    offset = 0
    while True:
        query = measures.MeasureQuery(limit=measures.MAX_LIMIT, offset=offset, **filters)
        page = measures.list_measures(session, actor, query, now)
        yield from page["items"]
        offset += measures.MAX_LIMIT
        if offset >= page["total"]:
            return
