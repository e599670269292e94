"""The item record: one state, and the 分类推进 class 营商办 sets, each change a versioned history record."""

from __future__ import annotations

from engine.definition import Action, FieldSpec, State, WorkflowDefinition
from workflows.roles import OFFICE, ORG

ITEM_CLASSES = ("率先形成试点成果", "发掘特色亮点", "等高对接先进地区经验")
UNCLASSED = "未分类"

ITEM = WorkflowDefinition(
    name="item", title="改革事项", lifecycle=False,
    states=(State("listed", "在册", tags=frozenset({"open"})),),
    initial=("listed",),
    actions=(Action("classify", ("listed",), "listed", frozenset({OFFICE}),
                    fields=(FieldSpec("klass", "choice", required=False, choices=ITEM_CLASSES, label="分类"),),
                    label="分类推进"),),
    roles=frozenset(ORG.names),
)
