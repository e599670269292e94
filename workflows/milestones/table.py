"""The milestone record (倒排时间表节点): planned, done or removed, acted on by the measure's first lead unit."""

from __future__ import annotations

from engine.decide import cn_date
from engine.definition import Action, Condition, FieldSpec, Rule, State, WorkflowDefinition
from workflows.lights import local_day
from workflows.roles import ORG, UNIT_ROLES


def _not_past(value, ctx) -> bool:
    return ctx.now is None or value >= local_day(ctx.now)


def _within_deadline(value, ctx) -> bool:
    due = ctx.extra.get("measure_due")
    return due is None or value <= due


NOT_PAST = Rule("in_the_past", _not_past, lambda v, ctx: f"节点日期不能早于今天（{cn_date(local_day(ctx.now))}）")
WITHIN = Rule("after_deadline", _within_deadline,
              lambda v, ctx: f"节点日期不能晚于举措时间节点（{cn_date(ctx.extra['measure_due'])}）")
FIELDS = (FieldSpec("due_date", "date", label="节点日期", rules=(NOT_PAST, WITHIN)),
          FieldSpec("description", "text", label="节点内容", max_length=500, long=True))

STATES = (
    State("planned", "待完成", tags=frozenset({"open"}), colour="#1e88e5"),
    State("completed", "已完成", tags=frozenset({"done"}), colour="#43a047"),
    State("deleted", "已删除", final=True, tags=frozenset({"removed"}), colour="#90a4ae"),
)

ADD = Action("add", ("planned",), "planned", UNIT_ROLES, fields=FIELDS, label="添加节点",
             conditions=("measure_open",))
ACTIONS = (
    Action("complete", ("planned",), "completed", UNIT_ROLES, label="标记完成", confirm="确认将该节点标记为已完成？"),
    Action("reopen", ("completed",), "planned", UNIT_ROLES, label="撤销完成", conditions=("measure_open",)),
    Action("edit", ("planned",), "planned", UNIT_ROLES, fields=FIELDS, label="修改",
           conditions=("measure_open",)),
    Action("remove", ("planned",), "deleted", UNIT_ROLES, label="删除", danger=True, confirm="确认删除该节点？",
           conditions=("measure_open",)),
)

CONDITIONS = {
    "measure_open": Condition("measure_open", lambda r: r.measure_open,
                              "举措已报送或已完成，倒排时间表不能再修改", "举措尚未报送"),
}

MILESTONE = WorkflowDefinition(
    name="milestone", title="倒排时间表节点", states=STATES, initial=("planned",), actions=ACTIONS,
    roles=frozenset(ORG.names), scoped_roles=UNIT_ROLES, conditions=CONDITIONS,
    events={"add_milestone": "添加节点", "complete_milestone": "标记完成"},  # names of the first release
    creations=(ADD,),
)
