"""The reform-measure workflow (改革举措), declared as one table the engine, UI, sweep, reports and tests read.

State tags say what a state means to the rest of the system:
- `open`: not yet verified by 督查办; `done`: verified (counts as completed in every report);
- `owes_work`: the lead unit still owes the work: the deadline runs, the ladder's `due` rungs apply,
  evidence may be uploaded and milestones planned;
- `awaiting_review`: 督查办 must verify or return it: the reviewer's clock (the ladder's `review` rungs);
- `awaiting_evaluation`, `awaiting_replication`: 营商办's queue.
"""

from __future__ import annotations

from engine.decide import cn_date
from engine.definition import Action, Condition, FieldSpec, Rule, State, WorkflowDefinition
from workflows.roles import OFFICE, ORG, SUPERVISOR, UNIT_ROLES

UNIT = UNIT_ROLES
RATINGS = ("好", "较好", "一般", "差")
SCOPES = ("全区", "全市", "其他区县")

STATES = (
    State("assigned", "已交办", tags=frozenset({"open", "owes_work", "unstarted"}), colour="#90a4ae",
          next_step="等待牵头单位签收"),
    State("in_progress", "推进中", tags=frozenset({"open", "owes_work"}), colour="#1e88e5",
          next_step="等待牵头单位报送完成情况"),
    State("reported", "已报送（待核验）", short="已报送待核验", tags=frozenset({"open", "awaiting_review"}),
          colour="#fb8c00", next_step="等待督查办核验"),
    State("verified", "已核验", tags=frozenset({"done", "awaiting_evaluation"}), colour="#43a047",
          next_step="等待营商办评估"),
    State("evaluated", "已评估", tags=frozenset({"done", "awaiting_replication"}), colour="#00897b",
          next_step="等待营商办复制推广或调整优化"),
    State("replicated", "已复制推广", final=True, tags=frozenset({"done", "closed"}), colour="#8e24aa",
          next_step="已办结"),
)


def _later_than_deadline(value, ctx) -> bool:
    due = getattr(ctx.record, "due_date", None)
    return due is None or value > due


def _pending(value, ctx) -> bool:
    return set(value) <= set(ctx.extra.get("pending_evidence", ()))


LATER = Rule("not_later", _later_than_deadline,
             lambda v, ctx: f"申请延期的日期须晚于当前时间节点（{cn_date(ctx.record.due_date)}）")
PENDING = Rule("not_pending", _pending, "所选文件已不是待报送的佐证材料，请重新选择或重新上传")
OPTIONAL_COMMENT = FieldSpec("comment", "text", required=False, label="意见", long=True)

ACTIONS = (
    Action("start", ("assigned",), "in_progress", UNIT, label="签收", tags=frozenset({"starts"})),
    Action("update_progress", ("in_progress",), "in_progress", UNIT, scope="participant",
           fields=(FieldSpec("comment", "text", label="进展情况", long=True),
                   FieldSpec("percent", "int", required=False, min=0, max=100, label="完成百分比", hint="0–100")),
           label="进展报送", tags=frozenset({"progress"})),
    Action("request_extension", ("in_progress",), "in_progress", UNIT,
           fields=(FieldSpec("proposed_due_date", "date", label="申请延期至", rules=(LATER,)),
                   FieldSpec("comment", "text", label="延期理由", long=True)),
           conditions=("no_pending_extension",), label="申请延期", tags=frozenset({"asks_extension"})),
    Action("decide_extension", ("in_progress",), "in_progress", frozenset({SUPERVISOR}),
           fields=(FieldSpec("approve", "bool", label="是否同意", words=("同意", "不同意")),
                   FieldSpec("comment", "text", label="审批意见", long=True)),
           conditions=("extension_pending",), four_eyes="request_extension", label="审批延期",
           tags=frozenset({"decides_extension"})),
    Action("report", ("in_progress",), "reported", UNIT,
           fields=(FieldSpec("comment", "text", label="完成情况", long=True),
                   FieldSpec("evidence", "files", label="佐证材料", rules=(PENDING,))),
           conditions=("no_pending_extension",), label="报送完成情况", tags=frozenset({"reports"})),
    Action("approve", ("reported",), "verified", frozenset({SUPERVISOR}), fields=(OPTIONAL_COMMENT,),
           four_eyes="report", label="核验通过", tags=frozenset({"verifies"})),
    Action("return", ("reported",), "in_progress", frozenset({SUPERVISOR}),
           fields=(FieldSpec("comment", "text", label="退回理由", long=True),), label="退回",
           tags=frozenset({"returns"}), danger=True),
    Action("evaluate", ("verified",), "evaluated", frozenset({OFFICE}),
           fields=(FieldSpec("rating", "choice", choices=RATINGS, label="评估等级"),
                   FieldSpec("satisfaction", "int", min=0, max=100, label="市场主体满意度", hint="0–100 分"),
                   FieldSpec("typical_case", "bool", required=False, label="典型案例"),
                   FieldSpec("case_text", "text", required=False, label="典型案例说明", long=True,
                             required_when="typical_case", required_message="选为典型案例时须填写典型案例说明"),
                   OPTIONAL_COMMENT),
           label="评估", tags=frozenset({"evaluates"})),
    Action("replicate", ("evaluated",), "replicated", frozenset({OFFICE}),
           fields=(FieldSpec("scope", "text", label="推广范围", max_length=64, suggestions=SCOPES),
                   FieldSpec("description", "text", label="推广说明", long=True), OPTIONAL_COMMENT),
           conditions=("rating_not_poor",), label="复制推广", tags=frozenset({"replicates"})),
    Action("adjust", ("evaluated",), "in_progress", frozenset({OFFICE}),
           fields=(FieldSpec("comment", "text", label="调整理由", long=True),
                   FieldSpec("new_due_date", "date", label="新的时间节点")),
           label="调整优化", tags=frozenset({"adjusts"}), danger=True),
)

CONDITIONS = {
    "no_pending_extension": Condition("no_pending_extension", lambda m: m.extension_date is None,
                                      "已有待审批的延期申请，请等待督查办审批", "须无待审批的延期申请"),
    "extension_pending": Condition("extension_pending", lambda m: m.extension_date is not None,
                                   "没有待审批的延期申请", "须有待审批的延期申请"),
    "rating_not_poor": Condition("rating_not_poor", lambda m: m.rating != "差",
                                 "评估等级为“差”的举措不能复制推广，请调整优化", "评估等级不为“差”"),
}

REFORM_MEASURE = WorkflowDefinition(
    name="reform_measure",
    title="举措",
    states=STATES,
    initial=("assigned", "reported"),
    actions=ACTIONS,
    roles=frozenset(ORG.names),
    scoped_roles=UNIT,
    conditions=CONDITIONS,
    events={"import": "导入台账", "reimport": "台账更新", "create": "创建"},
)

STATE_LABELS = REFORM_MEASURE.state_labels
ACTION_LABELS = REFORM_MEASURE.action_labels
