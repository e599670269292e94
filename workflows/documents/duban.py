"""督办通知单: 督查办's numbered notice to a unit whose measure is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.documents.numbering import DUBAN_FORMAT, format_number
from workflows.documents.records import item_label
from workflows.documents.text import cn_date, quoted

DEFAULT_REQUIRED = ("请你单位主要负责人亲自过问，认真分析滞后原因，明确整改措施和完成时限，"
                    "压实工作责任，加快推进落实，确保该项改革举措尽快落地见效。")


@dataclass(frozen=True)
class DubanNotice:
    """One 督办通知单; the lead fills it from the measure, its escalation row and the supervisor's form."""

    number: int
    year: int
    unit: str  # the addressee: the measure's 第一牵头单位
    item_no: str
    item_title: str
    measure: str
    deadline: date
    workdays_overdue: int
    level: str  # the escalation level's label, e.g. 督办
    reply_by: date
    issue_date: date
    required: str = DEFAULT_REQUIRED
    issuing_office: str = "区政府督查办"
    contact: str | None = None
    plan_title: str = "重庆市武隆区营商环境创新试点实施方案"
    plan_number: str = "武隆府发〔2022〕9号"
    number_format: str = DUBAN_FORMAT

    @property
    def document_number(self) -> str:
        return format_number(self.number_format, self.year, self.number)


def duban_notice_bytes(d: DubanNotice) -> bytes:
    from workflows.documents import gongwen as gw  # python-docx, loaded when a document is made

    doc = gw.new_document()
    gw.masthead(doc, gw.masthead_name(d.issuing_office), d.document_number)
    gw.title(doc, "督办通知单")
    gw.addressee(doc, d.unit)
    for text in (_facts(d), d.required.strip(), _reply(d)):
        if text:
            gw.body(doc, text)
    gw.signature(doc, d.issuing_office, d.issue_date)
    if d.contact:
        gw.note(doc, d.contact)
    return gw.document_bytes(doc)


def _facts(d: DubanNotice) -> str:
    return (f"你单位牵头的武隆区营商环境创新试点改革事项{item_label(d.item_no, d.item_title)}中的具体举措"
            f"{quoted(d.measure)}，时间节点为{cn_date(d.deadline)}。截至{cn_date(d.issue_date)}，该举措已逾期"
            f"{d.workdays_overdue}个工作日，仍未报送完成情况，已进入{quoted(d.level)}环节。根据《{d.plan_title}》"
            f"（{d.plan_number}）关于建立督查考核机制的要求，现予以督办。")


def _reply(d: DubanNotice) -> str:
    return (f"请于{cn_date(d.reply_by)}前将该举措推进情况、滞后原因及下一步工作措施书面报送{d.issuing_office}。"
            "已完成的，请同时通过系统报送完成情况和佐证材料。")
