"""帮助: the workflow drawn from its table, with the Mermaid source and the Markdown table beside it."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from engine.definition import to_markdown, to_mermaid
from web.ui.common import ROLE_LABELS, RT, Me, page
from web.ui.diagram import draw, who_of
from workflows.reform.table import REFORM_MEASURE, STATE_LABELS


def action_rows() -> list[dict]:
    """The table as people read it: one row per action, in Chinese."""
    rows = []
    for act in REFORM_MEASURE.actions:
        rules = [f"不能由执行“{REFORM_MEASURE.action(act.four_eyes).label}”的同一人办理"] if act.four_eyes else []
        rules += [REFORM_MEASURE.conditions[c][1].replace("已有", "须无").replace("没有", "须有")
                  for c in act.conditions]
        rows.append({"label": act.label, "name": act.name, "who": who_of(act.roles)[0],
                     "from": "、".join(STATE_LABELS[s] for s in act.source), "to": STATE_LABELS[act.target],
                     "fields": [(f.label, f.required) for f in act.fields], "rules": rules})
    return rows


@get("/help", sync_to_thread=True)
def help_page(rt: RT, user: Me) -> Template:
    return page(rt, user, "help.html", diagram=draw(REFORM_MEASURE), rows=action_rows(),
                mermaid=to_mermaid(REFORM_MEASURE), markdown=to_markdown(REFORM_MEASURE), roles=ROLE_LABELS)


ROUTES: list = [help_page]
