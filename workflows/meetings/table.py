"""The meeting record: recorded by 营商办 or a lead unit, through the engine so the history keeps it."""

from __future__ import annotations

from engine.definition import Action, FieldSpec, State, WorkflowDefinition
from workflows.roles import OFFICE, ORG, UNIT_ROLES

RECORD = Action("record_meeting", ("held",), "held", UNIT_ROLES | {OFFICE}, label="记录推进会议",
                fields=(FieldSpec("held_on", "date", label="会议日期"),
                        FieldSpec("title", "text", label="会议名称", max_length=200),
                        FieldSpec("units", "text", label="参会单位", max_length=1000),
                        FieldSpec("measures", "text", required=False, label="研究的举措编号", max_length=500,
                                  hint="多个用“、”分隔"),
                        FieldSpec("problems", "text", required=False, label="研究的问题编号", max_length=500),
                        FieldSpec("decisions", "text", label="会议决定", long=True, max_length=5000),
                        FieldSpec("assign_units", "text", required=False, label="按会议决定交办给", max_length=500,
                                  hint="营商办填写：研究的问题中“已提交研究”的，交办给这些单位（多个用“、”分隔）"),
                        FieldSpec("assign_due_date", "date", required=False, label="交办办理时限")))

MEETING = WorkflowDefinition(
    name="meeting", title="推进会议", lifecycle=False, states=(State("held", "已召开", tags=frozenset({"done"})),),
    initial=("held",), actions=(), roles=frozenset(ORG.names), creations=(RECORD,),
)
