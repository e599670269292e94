"""月调度通报: 营商办's monthly notice on the pilot, written from the 月调度 figures, with its tables as 附件."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING

from workflows.documents import gongwen as gw
from workflows.documents import monthly_text as mt
from workflows.documents import tables as tb
from workflows.documents.numbering import MONTHLY_FORMAT, format_number
from workflows.documents.records import LATE_CENTRED, LATE_HEADER, LATE_WIDTHS, LateMeasure, late_row
from workflows.documents.text import cn_cutoff, cn_ordinal, cn_percent, local, rate

if TYPE_CHECKING:
    from workflows.reports.monthly import MonthlyReport

DEFAULT_REQUIREMENTS = (
    "各改革事项牵头单位要对照任务台账和倒排时间表，逐项梳理未完成举措，加快推进落实；逾期举措要认真分析原因，"
    "明确整改措施和完成时限，尽快报送完成情况和佐证材料。已完成的举措要注重总结经验做法，加快培育典型案例，"
    "形成可复制、可推广的改革成果。各单位要及时报送工作进展，重大情况和存在的问题及时报告我办。")
STATE_HEADER, STATE_WIDTHS = ("状态", "举措数", "占比"), (60, 40, 40)
UNIT_HEADER = ("牵头单位", "举措数", "本月\n完成", "应完成", "按时\n完成", "按时\n完成率", "逾期")
UNIT_WIDTHS = (50, 17, 17, 17, 17, 21, 17)


@dataclass(frozen=True)
class StateCount:
    label: str  # the state's Chinese label, e.g. 推进中
    count: int


@dataclass(frozen=True)
class CompletedMeasure:
    """A measure 督查办 verified this month."""

    unit: str
    item_no: str
    item_title: str
    text: str
    on_time: bool = True


@dataclass(frozen=True)
class UnitLine:
    """One lead unit's row of the per-unit table."""

    unit: str
    measures: int
    completed: int  # verified this month
    due: int
    on_time: int
    overdue: int

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.due)


@dataclass(frozen=True)
class LaggingUnit:
    unit: str
    overdue: tuple[LateMeasure, ...] = ()
    on_time_rate: float | None = None


@dataclass(frozen=True)
class Problem:
    """A problem a unit reported (重大情况和存在的问题) that is still open."""

    unit: str
    text: str
    raised_on: date | None = None
    status: str = ""  # e.g. 待协调, 已提请推进会议研究


@dataclass(frozen=True)
class Instruction:
    """A district leader's 批示 the lead unit has not yet answered with its 落实情况."""

    leader: str
    text: str
    given_on: date
    units: str
    item_title: str = ""


@dataclass(frozen=True)
class MonthlyBrief:
    month_label: str  # 2022年6月
    cutoff: datetime
    by_state: tuple[StateCount, ...]
    completed: tuple[CompletedMeasure, ...]
    due: int
    on_time: int
    units: tuple[UnitLine, ...]
    lagging: tuple[LaggingUnit, ...]
    issue_date: date
    scope: str = "全区"
    lagging_threshold: float | None = None
    problems: tuple[Problem, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    requirements: str = DEFAULT_REQUIREMENTS
    issuing_office: str = "区优化营商环境工作领导小组办公室"
    addressees: str = "区优化营商环境工作领导小组各成员单位，各改革事项牵头单位"
    plan_title: str = "重庆市武隆区营商环境创新试点实施方案"
    plan_number: str = "武隆府发〔2022〕9号"
    number: int | None = None  # no 文号 line when None
    number_format: str = MONTHLY_FORMAT

    def __post_init__(self) -> None:
        for f in fields(self):  # lists given by a caller become tuples: the brief is a frozen value
            if isinstance(getattr(self, f.name), list):
                object.__setattr__(self, f.name, tuple(getattr(self, f.name)))

    @property
    def measures(self) -> int:
        return sum(s.count for s in self.by_state)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.due)

    @property
    def overdue(self) -> tuple[tuple[str, LateMeasure], ...]:
        return tuple((u.unit, m) for u in self.lagging for m in u.overdue)

    @property
    def document_number(self) -> str | None:
        if self.number is None:
            return None
        return format_number(self.number_format, self.issue_date.year, self.number)

    @property
    def title(self) -> tuple[str, str]:
        return f"关于{self.month_label}{self.scope}营商环境创新试点", "工作推进情况的通报"


def monthly_tongbao_bytes(b: MonthlyBrief) -> bytes:
    doc = gw.new_document()
    gw.masthead(doc, gw.masthead_name(b.issuing_office), b.document_number)
    gw.title(doc, *b.title)
    gw.addressee(doc, b.addressees)
    gw.body(doc, mt.opening(b))
    for n, (heading, paragraphs) in enumerate(mt.sections(b), start=1):
        gw.heading1(doc, f"{cn_ordinal(n)}、{heading}")
        for par in paragraphs:
            _write(doc, par)
    attachments = _attachments(b)
    gw.attachment_list(doc, [name for name, _ in attachments])
    gw.signature(doc, b.issuing_office, b.issue_date)
    for n, (name, draw) in enumerate(attachments, start=1):
        gw.attachment_page(doc, f"附件{n}" if len(attachments) > 1 else "附件", name)
        draw(doc, b)
    return gw.document_bytes(doc)


def _write(doc, par: str | tuple[str, str]) -> None:
    if isinstance(par, tuple):
        gw.lead_paragraph(doc, *par)
    else:
        gw.body(doc, par)


def _attachments(b: MonthlyBrief) -> list[tuple[str, object]]:
    """Each attachment's title and the function that draws it; the month is in the cut-off line under the title."""
    out = [(f"{b.scope}营商环境创新试点推进情况统计表", _figures_tables)]
    if b.overdue:
        out.append((f"{b.scope}营商环境创新试点逾期举措清单", _overdue_table))
    return out


def _figures_tables(doc, b: MonthlyBrief) -> None:
    gw.paragraph(doc, f"（统计截止：{cn_cutoff(b.cutoff)}）", font=gw.KAITI, align=gw.CENTER, indent=None)
    tb.caption(doc, "表1  具体举措状态统计")
    total = b.measures
    rows = [(s.label, str(s.count), cn_percent(rate(s.count, total))) for s in b.by_state]
    rows.append(("合计", str(total), cn_percent(rate(total, total))))
    tb.table(doc, STATE_HEADER, rows, STATE_WIDTHS, centred=(0, 1, 2))
    tb.caption(doc, "表2  各牵头单位推进情况")
    tb.table(doc, UNIT_HEADER, [_unit_row(u) for u in (*b.units, _total_line(b))], UNIT_WIDTHS,
             centred=range(1, len(UNIT_HEADER)))


def _unit_row(u: UnitLine) -> tuple[str, ...]:
    return (u.unit, str(u.measures), str(u.completed), str(u.due), str(u.on_time), cn_percent(u.on_time_rate),
            str(u.overdue))


def _total_line(b: MonthlyBrief) -> UnitLine:
    units = b.units
    return UnitLine("合计", sum(u.measures for u in units), sum(u.completed for u in units), sum(u.due for u in units),
                    sum(u.on_time for u in units), sum(u.overdue for u in units))


def _overdue_table(doc, b: MonthlyBrief) -> None:
    gw.paragraph(doc, f"（统计截止：{cn_cutoff(b.cutoff)}）", font=gw.KAITI, align=gw.CENTER, indent=None)
    rows: list = []
    for u in b.lagging:
        if u.overdue:
            rows.append(tb.Group(f"{u.unit}（{len(u.overdue)}项）"))
            rows.extend(late_row(m) for m in u.overdue)
    tb.table(doc, LATE_HEADER, rows, LATE_WIDTHS, centred=LATE_CENTRED)


def brief_from_report(report: MonthlyReport, *, issue_date: date | None = None, problems=(), instructions=(),
                      requirements: str | None = None, number: int | None = None) -> MonthlyBrief:
    """The brief for a workflows.reports.monthly.MonthlyReport; problems and 批示 come from their own tables."""
    from workflows.reform.table import STATE_LABELS

    def late(row) -> LateMeasure:
        return LateMeasure(row.item_no, row.item_title, row.text, row.due_date, row.workdays_overdue,
                           STATE_LABELS.get(row.state, row.state))

    lagging = tuple(LaggingUnit(u.unit, tuple(late(r) for r in report.overdue if r.unit == u.unit), u.on_time_rate)
                    for u in report.units if u.lagging)
    return MonthlyBrief(
        month_label=report.label, cutoff=report.cutoff, scope=report.scope,
        by_state=tuple(StateCount(STATE_LABELS.get(k, k), v) for k, v in report.overall.by_state.items()),
        completed=tuple(CompletedMeasure(r.unit, r.item_no, r.item_title, r.text, r.on_time) for r in report.completed),
        due=report.overall.due, on_time=report.overall.on_time,
        units=tuple(UnitLine(u.unit, u.measures, u.completed, u.due, u.on_time, u.overdue) for u in report.units),
        lagging=lagging, lagging_threshold=report.lagging_threshold,
        issue_date=issue_date or local(report.cutoff).date(), problems=tuple(problems),
        instructions=tuple(instructions), number=number,
        **({} if requirements is None else {"requirements": requirements}))
