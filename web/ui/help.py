"""帮助: the workflow drawn from its table, with the Mermaid source and the Markdown table beside it."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from engine.definition import to_markdown, to_mermaid
from web.ui.common import RT, Me, page
from web.ui.diagram import draw, who_of
from workflows.reform.table import REFORM_MEASURE


def action_rows() -> list[dict]:
    """The table as people read it: one row per action, in Chinese."""
    rows, defn = [], REFORM_MEASURE
    for act in defn.actions:
        rules = [f"不能由办理“{defn.action(act.four_eyes).title}”的同一人办理"] if act.four_eyes else []
        rules += [defn.conditions[c].rule for c in act.conditions]
        rows.append({"label": act.title, "name": act.name, "who": who_of(act.roles)[0],
                     "from": "、".join(defn.label(s) for s in act.source), "to": defn.label(act.target),
                     "fields": [(f.title, f.required) for f in act.fields], "rules": rules})
    return rows


@get("/help", sync_to_thread=True)
def help_page(rt: RT, user: Me) -> Template:
    return page(rt, user, "help.html", diagram=draw(REFORM_MEASURE), rows=action_rows(),
                mermaid=to_mermaid(REFORM_MEASURE), markdown=to_markdown(REFORM_MEASURE),
                due_soon=rt.config.ladder.due_soon_within, review_within=rt.config.ladder.review_within)


ROUTES: list = [help_page]
