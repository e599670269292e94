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
}


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS[kind]
    except KeyError:
        raise LookupError(f"notice kind {kind!r} has no Chinese label in notifications/labels.py") from None
