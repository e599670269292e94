"""The 督办文书 record: drafted by the sweep (a 督办通知单 when L2 fires, a 情况通报 per L3 sweep), edited by 督查办
while a draft, then issued and frozen."""

from __future__ import annotations

from engine.definition import Action, FieldSpec, State, WorkflowDefinition
from workflows.roles import ORG, SUPERVISOR

KINDS = {"duban": "督办通知单", "tongbao": "情况通报"}

DOCUMENT = WorkflowDefinition(
    name="document", title="督办文书",
    states=(State("draft", "草稿", tags=frozenset({"open", "editable"}), colour="#90a4ae",
                  next_step="等待督查办核改后印发"),
            State("issued", "已印发", final=True, tags=frozenset({"done", "frozen"}), colour="#2e7d32",
                  next_step="已印发")),
    initial=("draft",),
    actions=(
        Action("edit", ("draft",), "draft", frozenset({SUPERVISOR}), label="修改",
               fields=(FieldSpec("required", "text", label="督办要求", long=True, max_length=3000),
                       FieldSpec("reply_by", "date", required=False, label="书面回复期限"))),
        Action("issue", ("draft",), "issued", frozenset({SUPERVISOR}), label="印发",
               confirm="印发后不能再修改，确认印发？", tags=frozenset({"issues"})),
    ),
    roles=frozenset(ORG.names),
)
