"""帮助 for the people who use the desk: what each of them does, by when, what happens next; the flow drawn in
Chinese from the workflow table, and the reminder ladder in words from its configuration."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from web.ui.common import RT, Me, page
from web.ui.diagram import draw, who_of
from workflows.ladder import COOPERATING_UNITS, Ladder
from workflows.reform.table import REFORM_MEASURE
from workflows.roles import ORG

# what each ladder anchor counts from, in people's words (config/escalation.toml names the anchors)
ANCHORS = {"due": "时间节点", "review": "报送督查办", "signoff": "提交审签", "instruction": "领导批示下达",
           "problem": "问题整改期限"}


def action_rows() -> list[dict]:
    """The table as people read it: one row per action, in Chinese."""
    rows, defn = [], REFORM_MEASURE
    for act in defn.actions:
        rules = [f"不能由办理“{defn.action(act.four_eyes).title}”的同一人办理"] if act.four_eyes else []
        rules += [defn.conditions[c].rule for c in act.conditions]
        rows.append({"label": act.title, "who": who_of(act.roles)[0],
                     "from": "、".join(defn.label(s) for s in act.source), "to": defn.label(act.target),
                     "fields": [(f.title, f.required) for f in act.fields], "rules": rules})
    return rows


def people_named(roles: tuple[str, ...]) -> str:
    return "、".join("配合单位" if r == COOPERATING_UNITS else ORG.label(r) for r in roles)


def ladder_lines(ladder: Ladder) -> list[dict]:
    """Each rung as a sentence: when (working days from its anchor), what it is called, who gets it."""
    out = []
    for lvl in ladder.levels:
        anchor = ANCHORS.get(lvl.anchor, "期限")
        when = (f"{anchor}当天" if lvl.offset == 0 else
                f"{anchor}前 {-lvl.offset} 个工作日" if lvl.offset < 0 else f"{anchor}后第 {lvl.offset} 个工作日")
        out.append({"when": when, "label": lvl.title or lvl.label, "to": people_named(lvl.to),
                    "cc": people_named(lvl.cc)})
    return out


def stage(tag: str) -> str:
    """The label of the stage carrying `tag` (the table's tags, so the help never names a state by its code)."""
    return "、".join(REFORM_MEASURE.label(s) for s in REFORM_MEASURE.state_names if REFORM_MEASURE.has_tag(s, tag))


@get("/help", sync_to_thread=True)
def help_page(rt: RT, user: Me) -> Template:
    ladder = rt.config.ladder
    return page(rt, user, "help.html", diagram=draw(REFORM_MEASURE), rows=action_rows(), ladder=ladder_lines(ladder),
                due_soon=ladder.due_soon_within, review_within=ladder.review_within,
                stages={"signoff": stage("with_head"), "review": stage("awaiting_review")})


ROUTES: list = [help_page]
