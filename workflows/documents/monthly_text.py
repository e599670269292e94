"""The sentences of the 月调度通报, written from the figures; a section with nothing to say is left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.documents.records import item_label
from workflows.documents.text import cn_cutoff, cn_date, cn_ordinal, cn_percent, quoted

if TYPE_CHECKING:
    from workflows.documents.monthly_brief import LaggingUnit, MonthlyBrief

Paragraph = str | tuple[str, str]  # plain text, or (lead in 楷体, text)


def opening(b: MonthlyBrief) -> str:
    return (f"按照《{b.plan_title}》（{b.plan_number}）“月调度”工作机制，我办对截至{cn_cutoff(b.cutoff)}"
            f"{b.scope}营商环境创新试点改革事项推进情况进行了调度。现将有关情况通报如下。")


def sections(b: MonthlyBrief) -> list[tuple[str, list[Paragraph]]]:
    candidates = [
        ("总体进展", [p for p in (_states(b), _on_time(b), _completed(b)) if p]),
        ("推进滞后单位", _lagging(b)),
        ("需协调解决的问题", _problems(b)),
        ("区领导批示落实情况", _instructions(b)),
        ("下月工作要求", [p.strip() for p in b.requirements.split("\n") if p.strip()]),
    ]
    return [(heading, paragraphs) for heading, paragraphs in candidates if paragraphs]


def _states(b: MonthlyBrief) -> str:
    if not b.measures:
        return ""
    parts = [f"{s.label}{s.count}项" for s in b.by_state if s.count]
    return f"截至{cn_cutoff(b.cutoff)}，{b.scope}营商环境创新试点共有具体举措{b.measures}项。其中，{'，'.join(parts)}。"


def _on_time(b: MonthlyBrief) -> str:
    if not b.due:
        return ""
    head = f"应完成具体举措{b.due}项，"
    if not b.on_time:
        return head + "均未按时完成。"
    if b.on_time == b.due:
        return head + f"均已按时完成，按时完成率{cn_percent(b.on_time_rate)}。"
    return head + f"已按时完成{b.on_time}项，按时完成率{cn_percent(b.on_time_rate)}。"


def _completed(b: MonthlyBrief) -> str:
    if not b.completed:
        return ""
    by_unit: dict[str, list[str]] = {}
    for m in b.completed:  # several measures of one item are named once, by the item's title
        titles = by_unit.setdefault(m.unit, [])
        if quoted(m.item_title) not in titles:
            titles.append(quoted(m.item_title))
    names = "，".join(unit + "".join(titles) for unit, titles in by_unit.items())
    late = sum(not m.on_time for m in b.completed)
    tail = "均按时完成" if not late else f"其中{late}项超过时间节点完成"
    return f"本月经区政府督查办核验完成具体举措{len(b.completed)}项，{tail}：{names}。"


def _lagging(b: MonthlyBrief) -> list[Paragraph]:
    if not b.lagging:
        return []
    head = f"{len(b.lagging)}个单位推进滞后"
    head += f"，共有逾期举措{len(b.overdue)}项（详见附件2）：" if b.overdue else "："
    return [head, *(_lagging_unit(b, i, u) for i, u in enumerate(b.lagging, start=1))]


def _lagging_unit(b: MonthlyBrief, n: int, u: LaggingUnit) -> tuple[str, str]:
    parts = []
    if u.overdue:
        named = "、".join(f"{item_label(m.item_no, m.item_title)}（逾期{m.workdays_overdue}个工作日）"
                         for m in u.overdue)
        parts.append(f"逾期举措{len(u.overdue)}项，涉及{named}")
    low = u.on_time_rate is not None and b.lagging_threshold is not None and u.on_time_rate < b.lagging_threshold
    if low:
        parts.append(f"按时完成率{cn_percent(u.on_time_rate)}，低于{b.lagging_threshold * 100:.0f}%")
    return f"（{cn_ordinal(n)}）{u.unit}。", "；".join(parts or ["推进滞后"]) + "。"


def _problems(b: MonthlyBrief) -> list[Paragraph]:
    if not b.problems:
        return []
    out: list[Paragraph] = [f"各单位报送的需协调解决的问题中，尚未解决的有{len(b.problems)}个："]
    for i, p in enumerate(b.problems, start=1):
        extra = [x for x in (p.raised_on and f"{cn_date(p.raised_on)}报送", p.status) if x]
        suffix = f"（{'，'.join(extra)}）" if extra else ""
        out.append(f"{i}．{p.unit}：{p.text.strip().rstrip('。')}{suffix}。")
    return out


def _instructions(b: MonthlyBrief) -> list[Paragraph]:
    if not b.instructions:
        return []
    out: list[Paragraph] = [f"区领导批示{len(b.instructions)}件尚未反馈落实情况："]
    for i, x in enumerate(b.instructions, start=1):
        about = f"就{quoted(x.item_title)}" if x.item_title else ""
        out.append(f"{i}．{x.leader}{cn_date(x.given_on)}{about}批示：{quoted(x.text)}。责任单位：{x.units}。")
    return out
