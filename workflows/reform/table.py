"""The reform-measure workflow (改革举措), declared as one table the engine, UI, sweep, reports and tests read.

State tags say what a state means to the rest of the system:
- `open`: not yet verified by 督查办; `done`: verified (counts as completed in every report);
- `owes_work`: the lead units still owe the work: the deadline runs, the ladder's `due` rungs apply, evidence
  may be uploaded and milestones planned (awaiting the head's sign-off still owes it: 督查办 has nothing yet);
- `awaiting_signoff`: a clerk's report waits for the unit head's 审签 (the ladder's `signoff` rungs);
- `awaiting_review`: 督查办 must verify or return it: the reviewer's clock (the ladder's `review` rungs);
- `awaiting_evaluation`, `awaiting_replication`: 营商办's queue.

The head's sign-off (主要领导负责制) can be switched off by a deployment (REFORM_SIGNOFF=0): `measure_definition`
then builds the table without its state and actions, and clerks report directly as before.
"""

from __future__ import annotations

from engine.decide import cn_date
from engine.definition import Action, Condition, FieldSpec, Rule, State, WorkflowDefinition
from workflows.roles import HEAD, OFFICE, ORG, STAFF, SUPERVISOR, UNIT_ROLES

UNIT = UNIT_ROLES
CENTRAL = frozenset({SUPERVISOR, OFFICE})
RATINGS = ("好", "较好", "一般", "差")
SCOPES = ("全区", "全市", "其他区县")

ASSIGNED = State("assigned", "已交办", tags=frozenset({"open", "owes_work", "unstarted"}), colour="#90a4ae",
                 next_step="等待牵头单位签收")
IN_PROGRESS = State("in_progress", "推进中", tags=frozenset({"open", "owes_work"}), colour="#1e88e5",
                    next_step="等待牵头单位报送完成情况")
AWAITING_SIGNOFF = State("awaiting_signoff", "待审签", tags=frozenset({"open", "owes_work", "with_head"}),
                         colour="#5e35b1", next_step="等待单位负责人审签")
REPORTED = State("reported", "已报送（待核验）", short="已报送待核验", tags=frozenset({"open", "awaiting_review"}),
                 colour="#fb8c00", next_step="等待督查办核验")
LATER = (
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


def _offered(value, ctx) -> bool:
    """Files not yet reported, or carried over from an earlier, returned round."""
    return set(value) <= set(ctx.extra.get("pending_evidence", ())) | set(ctx.extra.get("earlier_evidence", ()))


LATER_THAN = Rule("not_later", _later_than_deadline,
                  lambda v, ctx: f"申请延期的日期须晚于当前时间节点（{cn_date(ctx.record.due_date)}）")
OFFERED = Rule("not_offered", _offered, "所选文件已不属于此举措的佐证材料，请重新选择或重新上传")
OPTIONAL_COMMENT = FieldSpec("comment", "text", required=False, label="意见", long=True)
REPORT_FIELDS = (FieldSpec("comment", "text", label="完成情况", long=True),
                 FieldSpec("evidence", "files", label="佐证材料", rules=(OFFERED,)))
OWING = ("assigned", "in_progress", "awaiting_signoff")


def _actions(signoff: bool) -> tuple[Action, ...]:
    owing = OWING if signoff else OWING[:2]
    staff_report = (Action("submit", ("in_progress",), "awaiting_signoff", frozenset({STAFF}), fields=REPORT_FIELDS,
                           conditions=("no_pending_extension", "unit_has_head"), label="提交审签",
                           tags=frozenset({"submits"})),
                    Action("sign_off", ("awaiting_signoff",), "reported", frozenset({HEAD}),
                           fields=(FieldSpec("comment", "text", required=False, label="审签意见", long=True),),
                           label="审签报送", tags=frozenset({"reports", "signs_off"})),
                    Action("send_back", ("awaiting_signoff",), "in_progress", frozenset({HEAD}),
                           fields=(FieldSpec("comment", "text", label="退回理由", long=True),), label="退回修改",
                           tags=frozenset({"sends_back"}), danger=True)) if signoff else ()
    return (
        Action("start", ("assigned",), "in_progress", UNIT, label="签收", tags=frozenset({"starts"})),
        Action("update_progress", ("in_progress",), "in_progress", UNIT, scope="participant",
               fields=(FieldSpec("comment", "text", label="进展情况", long=True),
                       FieldSpec("percent", "int", required=False, min=0, max=100, label="完成百分比",
                                 hint="0–100，单位为 %")),
               label="进展报送", tags=frozenset({"progress"})),
        Action("request_extension", ("in_progress",), "in_progress", UNIT,
               fields=(FieldSpec("proposed_due_date", "date", label="申请延期至", rules=(LATER_THAN,)),
                       FieldSpec("comment", "text", label="延期理由", long=True)),
               conditions=("no_pending_extension",), label="申请延期", tags=frozenset({"asks_extension"})),
        Action("decide_extension", ("in_progress",), "in_progress", frozenset({SUPERVISOR}),
               fields=(FieldSpec("approve", "bool", label="是否同意", words=("同意", "不同意")),
                       FieldSpec("comment", "text", label="审批意见", long=True)),
               conditions=("extension_pending",), four_eyes="request_extension", label="审批延期",
               tags=frozenset({"decides_extension"})),
        *staff_report,
        Action("report", ("in_progress",), "reported", UNIT, fields=REPORT_FIELDS,
               conditions=("no_pending_extension", "head_or_no_signoff") if signoff else ("no_pending_extension",),
               label="报送完成情况", tags=frozenset({"reports"})),
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
        Action("urge", owing, None, CENTRAL,
               fields=(FieldSpec("comment", "text", required=False, label="催办说明", long=True),),
               conditions=("not_urged_today",), label="催办", tags=frozenset({"urges"})),
    )


def _head_or_no_signoff(m, actor, facts) -> bool:
    """A head reports directly; a clerk only when the unit has no active head to sign (never a dead end)."""
    return actor is not None and (actor.role == HEAD or not facts.get("unit_has_head", False))


CONDITIONS = {
    "no_pending_extension": Condition("no_pending_extension", lambda m: m.extension_date is None,
                                      "已有待审批的延期申请，请等待督查办审批", "须无待审批的延期申请"),
    "extension_pending": Condition("extension_pending", lambda m: m.extension_date is not None,
                                   "没有待审批的延期申请", "须有待审批的延期申请"),
    "rating_not_poor": Condition("rating_not_poor", lambda m: m.rating != "差",
                                 "评估等级为“差”的举措不能复制推广，请调整优化", "评估等级不为“差”"),
    "unit_has_head": Condition("unit_has_head", lambda m, actor, facts: facts.get("unit_has_head", False),
                               "本单位尚无在用的负责人账户，请直接报送完成情况", "单位有在用的负责人账户",
                               sees_actor=True),
    "head_or_no_signoff": Condition("head_or_no_signoff", _head_or_no_signoff,
                                    "完成情况须经单位负责人审签：请“提交审签”",
                                    "由单位负责人报送，或单位尚无负责人账户", sees_actor=True),
    "not_urged_today": Condition("not_urged_today", lambda m, actor, facts: not facts.get("urged_today", False),
                                 "今天已催办过此举措，请勿重复催办", "当天未催办过", sees_actor=True),
}


def measure_definition(signoff: bool = True) -> WorkflowDefinition:
    """The table, with the head's sign-off step or without it."""
    states = (ASSIGNED, IN_PROGRESS, *((AWAITING_SIGNOFF,) if signoff else ()), REPORTED, *LATER)
    actions = _actions(signoff)
    used = {c for a in actions for c in a.conditions}
    return WorkflowDefinition(
        name="reform_measure", title="举措", states=states, initial=("assigned", "reported"), actions=actions,
        roles=frozenset(ORG.names), scoped_roles=UNIT, conditions={k: v for k, v in CONDITIONS.items() if k in used},
        events={"import": "导入台账", "reimport": "台账更新", "create": "创建", "instruct": "区领导批示"},
    )


REFORM_MEASURE = measure_definition(signoff=True)
WITHOUT_SIGNOFF = measure_definition(signoff=False)
STATE_LABELS = REFORM_MEASURE.state_labels
ACTION_LABELS = REFORM_MEASURE.action_labels
