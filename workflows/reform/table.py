"""The reform-measure workflow (改革举措), declared as one table the engine, UI, sweep and tests read."""

from __future__ import annotations

from engine.definition import Action, FieldSpec, State, WorkflowDefinition

UNIT = frozenset({"unit_staff", "unit_head"})
SUPERVISOR = frozenset({"supervisor"})
OFFICE = frozenset({"office"})
RATINGS = ("好", "较好", "一般", "差")

STATES = (
    State("assigned", "已交办"),
    State("in_progress", "推进中"),
    State("reported", "已报送（待核验）"),
    State("verified", "已核验"),
    State("evaluated", "已评估"),
    State("replicated", "已复制推广", final=True),
)

COMMENT = FieldSpec("comment", "text", label="说明")
OPTIONAL_COMMENT = FieldSpec("comment", "text", required=False, label="意见")

ACTIONS = (
    Action("start", ("assigned",), "in_progress", UNIT, label="签收"),
    Action("update_progress", ("in_progress",), "in_progress", UNIT, scope="participant",
           fields=(FieldSpec("comment", "text", label="进展情况"),
                   FieldSpec("percent", "int", required=False, min=0, max=100, label="完成百分比")),
           label="进展报送"),
    Action("request_extension", ("in_progress",), "in_progress", UNIT,
           fields=(FieldSpec("proposed_due_date", "date", label="申请延期至"),
                   FieldSpec("comment", "text", label="延期理由")),
           conditions=("no_pending_extension",), label="申请延期"),
    Action("decide_extension", ("in_progress",), "in_progress", SUPERVISOR,
           fields=(FieldSpec("approve", "bool", label="是否同意"), FieldSpec("comment", "text", label="审批意见")),
           conditions=("extension_pending",), four_eyes="request_extension", label="审批延期"),
    Action("report", ("in_progress",), "reported", UNIT,
           fields=(FieldSpec("comment", "text", label="完成情况"),
                   FieldSpec("evidence", "files", label="佐证材料")),
           conditions=("no_pending_extension",), label="报送完成情况"),
    Action("approve", ("reported",), "verified", SUPERVISOR, fields=(OPTIONAL_COMMENT,),
           four_eyes="report", label="核验通过"),
    Action("return", ("reported",), "in_progress", SUPERVISOR,
           fields=(FieldSpec("comment", "text", label="退回理由"),), label="退回"),
    Action("evaluate", ("verified",), "evaluated", OFFICE,
           fields=(FieldSpec("rating", "choice", choices=RATINGS, label="评估等级"),
                   FieldSpec("satisfaction", "int", min=0, max=100, label="市场主体满意度"),
                   FieldSpec("typical_case", "bool", required=False, label="典型案例"),
                   FieldSpec("case_text", "text", required=False, label="典型案例说明"),
                   OPTIONAL_COMMENT),
           label="评估"),
    Action("replicate", ("evaluated",), "replicated", OFFICE,
           fields=(FieldSpec("scope", "text", label="推广范围"), FieldSpec("description", "text", label="推广说明"),
                   OPTIONAL_COMMENT),
           conditions=("rating_not_poor",), label="复制推广"),
    Action("adjust", ("evaluated",), "in_progress", OFFICE,
           fields=(FieldSpec("comment", "text", label="调整理由"),
                   FieldSpec("new_due_date", "date", label="新的时间节点")),
           label="调整优化"),
)

CONDITIONS = {
    "no_pending_extension": (lambda m: m.extension_date is None, "已有待审批的延期申请"),
    "extension_pending": (lambda m: m.extension_date is not None, "没有待审批的延期申请"),
    "rating_not_poor": (lambda m: m.rating != "差", "评估等级为“差”的举措不能复制推广，请调整优化"),
}

REFORM_MEASURE = WorkflowDefinition(
    name="reform_measure",
    states=STATES,
    initial=("assigned", "reported"),
    actions=ACTIONS,
    roles=frozenset({"unit_staff", "unit_head", "supervisor", "office", "admin"}),
    scoped_roles=UNIT,
    conditions=CONDITIONS,
)

STATE_LABELS = {s.name: s.label for s in STATES}
ACTION_LABELS = {a.name: a.label for a in ACTIONS} | {"import": "导入台账", "reimport": "台账更新"}
