"""The problem workflow: a lead unit's problem that needs coordinating (信息报送), or 督查办's finding to rectify.

Origin `unit`: raised → 营商办 accepts it (coordinating units, a due date) or refers it to a 推进会议 / a
district leader → the coordinating units record what they did → 营商办 marks it resolved → the raising unit
confirms (closed) or reopens it with a reason.
Origin `inspection` (日常 or 专项督查): recorded by 督查办 with a 整改时限 → the lead unit reports its 整改情况
with evidence → 督查办 closes it or returns it.
Owner units are the raising unit (or, for a finding, the measure's lead units); participants the coordinating units.
"""

from __future__ import annotations

import re

from engine.definition import Action, FieldSpec, Rule, State, WorkflowDefinition
from workflows.roles import OFFICE, ORG, SUPERVISOR, UNIT_ROLES

LEVELS = ("区级", "市级")
INSPECTIONS = ("日常督查", "专项督查")
REFERRALS = ("推进会议", "区领导")
OFFICES = frozenset({OFFICE})

STATES = (
    State("raised", "待受理", tags=frozenset({"open", "awaiting_office"}), colour="#fb8c00",
          next_step="等待营商办受理"),
    State("coordinating", "协调中", tags=frozenset({"open", "has_due"}), colour="#1e88e5",
          next_step="协调单位办理中"),
    State("referred", "已提交研究", tags=frozenset({"open"}), colour="#8e24aa",
          next_step="等待推进会议或区领导研究"),
    State("resolved", "已解决待确认", tags=frozenset({"open", "awaiting_confirmation"}), colour="#00897b",
          next_step="等待提出单位确认"),
    State("rectifying", "整改中", tags=frozenset({"open", "has_due", "owes_rectification"}), colour="#e53935",
          next_step="等待牵头单位报送整改情况"),
    State("rectified", "已报整改", tags=frozenset({"open", "awaiting_review"}), colour="#fb8c00",
          next_step="等待督查办核查整改"),
    State("closed", "已关闭", final=True, tags=frozenset({"done", "closed"}), colour="#43a047", next_step="已办结"),
)

OF_PROBLEM = Rule("not_its_file", lambda v, ctx: set(v) <= set(ctx.extra.get("problem_evidence", ())),
                  "所选文件不是本问题上传的佐证材料，请重新选择")
UNIT_SEP = re.compile(r"[、，,；;\s]+")


def unit_names(text: str) -> list[str]:
    """Unit names as a person writes them: separated by 、，, ; or spaces."""
    return [n for n in dict.fromkeys(UNIT_SEP.split(text or "")) if n]


def _unknown(value, ctx) -> list[str]:
    return [n for n in unit_names(value) if n not in set(ctx.extra.get("known_units", ()))]


KNOWN = Rule("unknown_unit", lambda v, ctx: bool(unit_names(v)) and not _unknown(v, ctx),
             lambda v, ctx: "协调单位须为系统中已有的单位名称（多个用“、”分隔）：" + "、".join(_unknown(v, ctx)))
ASSIGN_FIELDS = (FieldSpec("units", "text", label="协调单位", max_length=500, hint="多个单位用“、”分隔",
                           rules=(KNOWN,)),
                 FieldSpec("due_date", "date", label="办理时限"),
                 FieldSpec("comment", "text", required=False, label="说明", long=True))
RAISE = Action("raise", ("raised",), "raised", UNIT_ROLES, label="提出问题",
               fields=(FieldSpec("text", "text", label="问题描述", long=True, max_length=3000),
                       FieldSpec("level", "choice", choices=LEVELS, label="问题层级"),
                       FieldSpec("needs", "text", required=False, label="需协调的单位", max_length=500),
                       FieldSpec("suggestion", "text", required=False, label="建议", long=True, max_length=3000)))
RECORD = Action("record_finding", ("rectifying",), "rectifying", frozenset({SUPERVISOR}), label="记录督查发现问题",
                fields=(FieldSpec("text", "text", label="发现的问题", long=True, max_length=3000),
                        FieldSpec("level", "choice", choices=INSPECTIONS, label="督查类型"),
                        FieldSpec("due_date", "date", label="整改时限")))

ACTIONS = (
    Action("accept", ("raised",), "coordinating", OFFICES, fields=ASSIGN_FIELDS, label="受理并交办",
           tags=frozenset({"assigns"})),
    Action("refer", ("raised",), "referred", OFFICES, label="提交研究",
           fields=(FieldSpec("to", "choice", choices=REFERRALS, label="提交至"),
                   FieldSpec("comment", "text", required=False, label="说明", long=True))),
    Action("assign", ("referred",), "coordinating", OFFICES, fields=ASSIGN_FIELDS, label="按研究决定交办",
           tags=frozenset({"assigns"})),
    Action("record_action", ("coordinating",), "coordinating", UNIT_ROLES, scope="participant",
           fields=(FieldSpec("comment", "text", label="办理情况", long=True),), label="报告办理情况"),
    Action("resolve", ("coordinating", "referred"), "resolved", OFFICES, label="标记已解决",
           fields=(FieldSpec("comment", "text", label="解决情况", long=True),)),
    Action("confirm", ("resolved",), "closed", UNIT_ROLES, label="确认解决",
           fields=(FieldSpec("comment", "text", required=False, label="意见", long=True),)),
    Action("reopen", ("resolved",), "coordinating", UNIT_ROLES, label="重新打开", danger=True,
           fields=(FieldSpec("comment", "text", label="重新打开的理由", long=True),)),
    Action("report_rectification", ("rectifying",), "rectified", UNIT_ROLES, label="报送整改情况",
           fields=(FieldSpec("comment", "text", label="整改情况", long=True),
                   FieldSpec("evidence", "files", required=False, label="佐证材料", rules=(OF_PROBLEM,)))),
    Action("close", ("rectified",), "closed", frozenset({SUPERVISOR}), label="整改完成，关闭",
           fields=(FieldSpec("comment", "text", required=False, label="意见", long=True),)),
    Action("return_rectification", ("rectified",), "rectifying", frozenset({SUPERVISOR}), label="退回整改",
           danger=True, fields=(FieldSpec("comment", "text", label="退回理由", long=True),)),
)

PROBLEM = WorkflowDefinition(
    name="problem", title="问题", states=STATES, initial=("raised", "rectifying"), actions=ACTIONS,
    roles=frozenset(ORG.names), scoped_roles=UNIT_ROLES, creations=(RAISE, RECORD),
)
ORIGINS = {RAISE.name: "unit", RECORD.name: "inspection"}
ORIGIN_LABELS = {"unit": "信息报送（单位提出）", "inspection": "督查发现"}
