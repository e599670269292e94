"""What each notice kind is called in a digest and its subject; a new kind is one line, a kind without one is a bug.

- `label`: the digest line's heading (已被退回，请补充完善);
- `tag`: the subject's 【…】 (退回);
- `verb`: what happened, ending the subject after the item (报送被退回);
- `rank`: which kind names the subject when a digest holds several (higher first). Escalations add ten per
  ladder level (L0 50, L1 60, L2 70, L3 80), so a 退回 (55) outranks a 提醒 and yields to a 催办.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class KindText:
    label: str
    tag: str
    verb: str
    rank: int


ESCALATION = "escalation"
KINDS: dict[str, KindText] = {
    ESCALATION: KindText("预警督办", "督办", "", 50),
    "measure_returned": KindText("已被退回，请补充完善", "退回", "报送被退回", 55),
    "measure_adjusted": KindText("需调整优化", "调整优化", "需调整优化", 52),
    "extension_requested": KindText("延期申请待审批", "延期申请", "申请延期，待审批", 45),
    "extension_decided": KindText("延期申请已审批", "延期审批", "延期申请已审批", 40),
    "measure_reported": KindText("完成情况已报送，待核验", "待核验", "已报送完成情况，待核验", 35),
    "measure_verified": KindText("已核验通过", "核验通过", "已核验通过", 20),
    "evaluation_done": KindText("评估已完成", "评估", "评估已完成", 15),
    "measure_submitted": KindText("完成情况待您审签", "待审签", "已提交审签", 42),
    "measure_sent_back": KindText("已被单位负责人退回修改", "退回修改", "被单位负责人退回修改", 54),
    "urge": KindText("催办", "催办", "被催办", 58),
    "instruction_issued": KindText("区领导批示，请报告落实情况", "批示", "有区领导批示，请报告落实情况", 65),
    "problem_raised": KindText("新提出的问题，待受理", "问题", "提出问题，待受理", 44),
    "problem_found": KindText("督查发现问题，请整改", "督查整改", "督查发现问题，请整改", 56),
    "problem_assigned": KindText("问题已交办，请协调办理", "问题交办", "问题已交办，请协调办理", 48),
    "problem_resolved": KindText("问题已解决，请确认", "问题已解决", "问题已解决，请确认", 30),
    "problem_reopened": KindText("问题被重新打开", "问题重开", "问题被重新打开", 46),
    "problem_rectified": KindText("整改情况已报送，待核查", "整改待核查", "已报送整改情况，待核查", 36),
    "problem_returned": KindText("整改被退回，请继续整改", "整改退回", "整改被退回，请继续整改", 53),
    "document_issued": KindText("督办文书已印发", "督办文书", "收到督办文书", 68),
}
KIND_LABELS = {kind: text.label for kind, text in KINDS.items()}


def kind_text(kind: str) -> KindText:
    try:
        return KINDS[kind]
    except KeyError:
        raise LookupError(f"notice kind {kind!r} has no Chinese label in notifications/labels.py") from None


def kind_label(kind: str) -> str:
    return kind_text(kind).label


@lru_cache(maxsize=256)
def level_rank(level: str | None) -> int:
    """L0…L9 by their number; a level the ladder adds without one (review, urge) counts as a first reminder."""
    if not level:
        return 0
    found = re.fullmatch(r"L(\d)", level)
    return int(found.group(1)) if found else 1


def rank(kind: str, level: str | None) -> int:
    base = kind_text(kind).rank
    return base + 10 * level_rank(level) if kind == ESCALATION else base
