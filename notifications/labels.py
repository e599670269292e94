"""Chinese names of the notice kinds a digest can list; a kind without a name is a bug the tests catch."""

from __future__ import annotations

KIND_LABELS = {
    "escalation": "预警督办",
    "extension_requested": "延期申请待审批",
    "extension_decided": "延期申请已审批",
    "measure_reported": "完成情况已报送，待核验",
    "measure_verified": "已核验通过",
    "measure_returned": "已被退回，请补充完善",
    "evaluation_done": "评估已完成",
    "measure_adjusted": "需调整优化",
    "measure_submitted": "完成情况待您审签",
    "measure_sent_back": "已被单位负责人退回修改",
    "urge": "催办",
    "instruction_issued": "区领导批示，请报告落实情况",
    "problem_raised": "新提出的问题，待受理",
    "problem_found": "督查发现问题，请整改",
    "problem_assigned": "问题已交办，请协调办理",
    "problem_resolved": "问题已解决，请确认",
    "problem_reopened": "问题被重新打开",
    "problem_rectified": "整改情况已报送，待核查",
    "problem_returned": "整改被退回，请继续整改",
    "document_issued": "督办文书已印发",
}


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS[kind]
    except KeyError:
        raise LookupError(f"notice kind {kind!r} has no Chinese label in notifications/labels.py") from None
