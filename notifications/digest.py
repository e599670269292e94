"""Outbox rows turned into digest items: what one line of a digest email says, in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifications.labels import kind_label

PROVISIONAL_CALENDAR = "provisional"  # the escalation payload's "calendar" when its working days are guessed
PROVISIONAL_NOTE = "注：所涉年份的放假安排尚未公布，工作日按暂定日历推算，日期以国务院通知为准"


@dataclass(frozen=True)
class DigestItem:
    outbox_id: int
    kind: str
    title: str  # 催办, 已被退回, …
    urgent: bool  # an escalation at or past the due date
    measure_id: int | None
    measure: str
    unit: str
    due_date: str
    timing: str  # 逾期 3 个工作日 / 距到期还有 5 个工作日 / ""
    details: tuple[str, ...]
    link: str


def timing_text(payload: dict[str, Any]) -> str:
    days = payload.get("overdue_workdays")
    if days is None:
        return ""
    if payload.get("anchor") == "review":
        return f"已超过核验时限 {days} 个工作日" if days > 0 else "今日为核验时限"
    if days > 0:
        return f"逾期 {days} 个工作日"
    return "今日到期" if days == 0 else f"距到期还有 {-days} 个工作日"


def details(kind: str, p: dict[str, Any]) -> tuple[str, ...]:
    lines = []
    if kind == "escalation" and p.get("copy"):
        lines.append("抄送：请督促主办单位办理")
    if p.get("actor"):
        lines.append(f"操作人：{p['actor']}")
    if kind == "extension_requested":
        lines.append(f"申请延期至：{p.get('proposed_due_date', '')}")
    if kind == "extension_decided":
        lines.append("审批结果：" + (f"同意，新的时间节点 {p.get('due_date')}" if p.get("approved") else "不同意"))
    if kind == "evaluation_done":
        lines.append(f"评估等级：{p.get('rating', '')}；满意度：{p.get('satisfaction', '')}"
                     + ("；列为典型案例" if p.get("typical_case") else ""))
    if kind == "measure_adjusted":
        lines.append(f"新的时间节点：{p.get('due_date', '')}")
    if p.get("comment"):
        lines.append(f"说明：{p['comment']}")
    if p.get("state_label"):
        lines.append(f"当前状态：{p['state_label']}")
    if p.get("calendar") == PROVISIONAL_CALENDAR:
        lines.append(PROVISIONAL_NOTE)
    return tuple(lines)


def title_of(kind: str, p: dict[str, Any]) -> str:
    if kind == "escalation":
        return f"{p.get('level_label', '')}（{p.get('level', '')}）" + ("·抄送" if p.get("copy") else "")
    return kind_label(kind)


def digest_item(outbox_id: int, kind: str, payload: dict[str, Any], base_url: str) -> DigestItem:
    mid = payload.get("measure_id")
    units = payload.get("units") or []
    return DigestItem(
        outbox_id=outbox_id, kind=kind, title=title_of(kind, payload),
        urgent=kind == "escalation" and (payload.get("overdue_workdays") or 0) >= 0,
        measure_id=mid, measure=payload.get("measure_text") or (f"事项 #{mid}" if mid else ""),
        unit=payload.get("unit") or (units[0] if units else ""), due_date=payload.get("due_date") or "未设定",
        timing=timing_text(payload), details=details(kind, payload),
        link=f"{base_url.rstrip('/')}/measures/{mid}" if mid else base_url.rstrip("/"),
    )


def subject_for(items: list[DigestItem]) -> str:
    escalations = [i for i in items if i.kind == "escalation"]
    head = f"【改革事项督办】您有 {len(items)} 条新事项提醒"
    return head + (f"（含预警督办 {len(escalations)} 条）" if escalations else "")
