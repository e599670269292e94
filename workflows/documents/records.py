"""Input records the documents share: a late measure and the units it is grouped under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.documents.text import cn_date, quoted

# The table of late measures in the 情况通报 and the 月调度通报 (widths in mm: 156, the 版心).
LATE_HEADER = ("序号", "改革事项", "具体举措", "时间节点", "逾期\n工作日", "当前\n状态")
LATE_WIDTHS = (12, 28, 58, 26, 16, 16)
LATE_CENTRED = (0, 3, 4, 5)


@dataclass(frozen=True)
class LateMeasure:
    """A measure past its deadline and not yet reported, as a 通报 names it."""

    item_no: str
    item_title: str
    text: str
    deadline: date
    workdays_overdue: int
    state: str  # the state's Chinese label, e.g. 推进中


@dataclass(frozen=True)
class LateUnit:
    """A lead unit (第一牵头单位) with its late measures, in ledger order."""

    unit: str
    measures: tuple[LateMeasure, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "measures", tuple(self.measures))

    @property
    def most_overdue(self) -> int:
        return max((m.workdays_overdue for m in self.measures), default=0)


def item_label(item_no: str, item_title: str) -> str:
    """第3项“清除……壁垒”: the ledger's number and title, as a sentence names an item."""
    number = item_no.strip()
    return f"第{number}项{quoted(item_title)}" if number else quoted(item_title)


def late_row(m: LateMeasure) -> tuple[str, ...]:
    return (m.item_no, m.item_title, m.text, table_date(m.deadline), str(m.workdays_overdue), m.state)


def table_date(day: date) -> str:
    """A date in a narrow column, broken after the year (2022年 / 6月30日) rather than before 日."""
    return cn_date(day).replace("年", "年\n", 1)
