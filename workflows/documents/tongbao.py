"""情况通报: 督查办's numbered notice naming the units whose measures are late, one section per unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.documents.numbering import TONGBAO_FORMAT, format_number
from workflows.documents.records import LATE_CENTRED, LATE_HEADER, LATE_WIDTHS, LateUnit, late_row
from workflows.documents.text import cn_date, cn_ordinal

TITLE = ("关于营商环境创新试点改革事项", "推进滞后情况的通报")
DEFAULT_REQUIREMENTS = (
    "被通报单位要切实提高思想认识，主要负责人要亲自研究、亲自部署，认真分析滞后原因，逐项制定整改措施，"
    "明确完成时限，于本通报印发之日起5个工作日内将整改情况书面报送{office}。{office}将持续跟踪督办，"
    "整改落实情况纳入年度督查考核。其他单位要引以为戒，对照时间节点加快推进，确保各项改革举措按期落地见效。")


@dataclass(frozen=True)
class Tongbao:
    """One 情况通报; the lead fills it from the overdue measures as of a day, grouped by 第一牵头单位."""

    number: int
    year: int
    issue_date: date
    as_of: date
    units: tuple[LateUnit, ...]
    requirements: str | None = None  # None: DEFAULT_REQUIREMENTS; "": no requirements section
    issuing_office: str = "区政府督查办"
    addressees: str = "各改革事项牵头单位"
    plan_title: str = "重庆市武隆区营商环境创新试点实施方案"
    plan_number: str = "武隆府发〔2022〕9号"
    number_format: str = TONGBAO_FORMAT

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(u for u in self.units if u.measures))

    @property
    def document_number(self) -> str:
        return format_number(self.number_format, self.year, self.number)

    @property
    def late_measures(self) -> int:
        return sum(len(u.measures) for u in self.units)

    @property
    def requirements_text(self) -> str:
        text = DEFAULT_REQUIREMENTS if self.requirements is None else self.requirements
        return text.replace("{office}", self.issuing_office).strip()


def tongbao_bytes(t: Tongbao) -> bytes:
    from workflows.documents import gongwen as gw  # python-docx, loaded when a document is made

    doc = gw.new_document()
    gw.masthead(doc, gw.masthead_name(t.issuing_office), t.document_number)
    gw.title(doc, *TITLE)
    gw.addressee(doc, t.addressees)
    gw.body(doc, opening(t))
    sections = 0
    if t.units:
        sections += 1
        gw.heading1(doc, f"{cn_ordinal(sections)}、推进滞后情况")
        for i, unit in enumerate(t.units, start=1):
            _unit_section(doc, i, unit)
    if t.requirements_text:
        sections += 1
        gw.heading1(doc, f"{cn_ordinal(sections)}、有关要求")
        gw.body(doc, t.requirements_text)
    gw.signature(doc, t.issuing_office, t.issue_date)
    return gw.document_bytes(doc)


def opening(t: Tongbao) -> str:
    basis = (f"按照《{t.plan_title}》（{t.plan_number}）关于建立督查考核机制的要求，{t.issuing_office}"
             "对营商环境创新试点改革事项推进情况进行了督查。")
    if not t.units:
        return basis + f"截至{cn_date(t.as_of)}，各改革事项具体举措均按时间节点推进，未发现推进滞后的情况。"
    worst = max(u.most_overdue for u in t.units)
    return (basis + f"截至{cn_date(t.as_of)}，有{len(t.units)}个单位牵头的{t.late_measures}项具体举措"
            f"超过时间节点仍未完成，最长逾期{worst}个工作日。现将有关情况通报如下。")


def _unit_section(doc, n: int, unit: LateUnit) -> None:
    from workflows.documents import gongwen as gw
    from workflows.documents import tables as tb

    gw.heading2(doc, f"（{cn_ordinal(n)}）{unit.unit}")
    count = len(unit.measures)
    worst = f"，最长逾期{unit.most_overdue}个工作日" if count > 1 else f"，已逾期{unit.most_overdue}个工作日"
    gw.keep_with_next(gw.body(doc, f"该单位牵头的{count}项具体举措未按时间节点完成{worst}，具体如下："))
    tb.table(doc, LATE_HEADER, [late_row(m) for m in unit.measures], LATE_WIDTHS, centred=LATE_CENTRED)
