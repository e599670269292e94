"""The 批示 record: issued by a district leader (or entered by 营商办 on their behalf), answered by the lead units."""

from __future__ import annotations

from engine.definition import Action, Condition, FieldSpec, State, WorkflowDefinition
from workflows.roles import LEADER, OFFICE, ORG, UNIT_ROLES

STATES = (
    State("issued", "待落实", tags=frozenset({"open", "awaiting_reply"}), colour="#c62828",
          next_step="等待牵头单位报告落实情况"),
    State("answered", "已落实", tags=frozenset({"done"}), colour="#2e7d32", next_step="牵头单位已报告落实情况"),
)

INSTRUCT = Action("instruct", ("issued",), "issued", frozenset({LEADER, OFFICE}), label="批示",
                  fields=(FieldSpec("text", "text", label="批示内容", long=True, max_length=2000),
                          FieldSpec("on_behalf_of", "int", required=False, label="代哪位区领导录入",
                                    hint="营商办代录时选择作出批示的区领导")),
                  conditions=("leader_named",))

ACTIONS = (
    Action("reply", ("issued", "answered"), "answered", UNIT_ROLES, label="报告落实情况",
           fields=(FieldSpec("text", "text", label="落实情况", long=True, max_length=3000),),
           tags=frozenset({"answers"})),
)


def _leader_named(record, actor, facts) -> bool:
    """A leader writes their own 批示; 营商办 must say which leader's it enters."""
    return actor is not None and (ORG.in_group(actor.role, "leaders") or bool(facts.get("leader_ok")))


CONDITIONS = {
    "leader_named": Condition("leader_named", _leader_named, "代录批示时须选择作出批示的区领导",
                              "区领导本人批示，或营商办代录并注明区领导", sees_actor=True),
}

INSTRUCTION = WorkflowDefinition(
    name="instruction", title="批示", states=STATES, initial=("issued",), actions=ACTIONS,
    roles=frozenset(ORG.names), scoped_roles=UNIT_ROLES, conditions=CONDITIONS, creations=(INSTRUCT,),
    lifecycle=False,
)
