"""Realistic inputs for the 督办文书 tests: twelve late measures of five units from the 2022 ledger."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from config.settings import SHANGHAI
from workflows.documents.duban import DubanNotice
from workflows.documents.monthly_brief import Instruction, Problem
from workflows.documents.records import LateMeasure, LateUnit
from workflows.documents.tongbao import Tongbao
from workflows.reform.table import STATE_LABELS
from workflows.reports.monthly import CompletedRow, Figures, MonthlyReport, OverdueRow, UnitFigures


def every_state(**counts: int) -> dict[str, int]:
    """By state in the table's order, as the report counts them: states not named count 0."""
    return dict.fromkeys(STATE_LABELS, 0) | counts

MAY, JUNE = date(2022, 5, 31), date(2022, 6, 30)
# (unit, item number, item title, measure, deadline, working days overdue on 2022-07-15, state)
LATE = [
    ("区市场监管局", "1", "开展“一照多址”“一证多址”改革",
     "企业在住所外设立多个符合规定的经营场所，经营场所与住所在武隆辖区内的，可以申请经营场所备案，免于办理分支机构登记。"
     "对同一市场主体在武隆辖区内存在两个及以上食品生产地址的，符合食品生产许可条件的，经申请，准予在其食品生产许可证上载明多个生产地址。",
     JUNE, 11, "推进中"),
    ("区市场监管局", "7", "拓展企业开办“一网通办”业务范围",
     "在开办企业“一网通”平台和“E企办”小程序新增社保延伸服务功能，优化“渝快办”电子营业执照、电子印章、电子发票发放，"
     "进一步拓展电子营业执照和电子发票的应用。", MAY, 32, "推进中"),
    ("区市场监管局", "10", "试行企业登记信息变更网上办理",
     "完善电子营业执照登录和人员身份认证及签名确认等功能，通过公示、寄递等方式完善营业执照缴回和发放流程，实现企业变更登记“零见面”。",
     MAY, 32, "已交办"),
    ("区市场监管局", "44", "优化网络商品抽检机制",
     "贯彻落实网络交易商品质量监督抽查方案和监督抽查实施细则，加强辖区内网络销售平台产品的监督检查，"
     "配合市级开展网络交易商品质量监督抽查，严格履行监督抽查工作程序，对网售不合格商品的经营者依法开展后处理，"
     "加大网售不合格产品案件的查处力度。", JUNE, 11, "推进中"),
    ("区市场监管局", "45", "实行特种设备作业人员证书电子化管理",
     "按照市级统一部署，实行特种设备作业人员证书电子化管理，并通过“渝快办”申领电子证书。", MAY, 32, "推进中"),
    ("区住房城乡建委", "19", "开展联合验收“一口受理”",
     "依托工程建设项目审批服务大厅，对实行联合验收的工程建设项目实行综合窗口“一口受理”。强化主协办工作机制，主办部门牵头受理、按责转办，"
     "各部门联合勘验、并行推进、限时办结，避免建设单位反复与多个政府部门沟通协调。", JUNE, 11, "推进中"),
    ("区住房城乡建委", "20", "进一步优化工程建设项目联合验收方式",
     "对实行联合验收的工程建设项目，根据工程项目类别，科学合理确定纳入联合验收事项，原则上未经验收不得投入使用的事项应当纳入联合验收，"
     "对不影响投产使用的其他验收事项应在规定时限内完成。", MAY, 32, "推进中"),
    ("区住房城乡建委", "24", "承接落实市级下放部分工程资质行政审批权限",
     "承接落实市级下放的电子与智能化工程二级、消防设施工程二级、防水防腐保温工程二级、建筑装修装饰工程二级、建筑幕墙工程二级和特种工程资质等审批权限，"
     "加强与市级部门的对接、沟通、交流。", JUNE, 11, "已交办"),
    ("区法院", "14", "优化破产案件财产解封及处置机制",
     "按照破产案件财产处置协调机制改革范围，完善任务分工和工作计划。建立破产案件财产处置协调机制，加强与相关部门协商，"
     "通过府院协调联席会议等方式制定相关政策文件并实施。", JUNE, 11, "推进中"),
    ("区法院", "15", "进一步便利破产管理人查询破产企业财产信息",
     "明确破产管理人依法查询的破产企业财产信息范围，相关部门按要求增设破产企业信息查询的政府服务事项，按照规范化、便利化的要求，明确具体查询流程。",
     JUNE, 11, "推进中"),
    ("区财政局", "3", "清除招投标和政府采购领域对外地企业设置的隐性门槛和壁垒",
     "清理政府采购中排斥外地投标人的行为，禁止采购人在政府采购活动中要求投标供应商在本地设立分公司或办事处，协调、指导采购人和采购代理机构落实相关要求。",
     JUNE, 11, "推进中"),
    ("区公安局", "31", "探索将境内仲裁机构的开庭通知作为签证材料",
     "结合上级签证签发政策，对持中国驻外签证签发机关签发的相应签证证件来武参加仲裁的境外商事主体，在其签证有效期届满前，"
     "武隆的仲裁机构还未组织开庭的，境外商事主体可凭境内仲裁机构的开庭通知等材料，向区公安局申请签证证件延期、换发。",
     JUNE, 11, "推进中"),
]
UNITS = list(dict.fromkeys(row[0] for row in LATE))


def late_units() -> tuple[LateUnit, ...]:
    return tuple(LateUnit(u, tuple(LateMeasure(*row[1:]) for row in LATE if row[0] == u)) for u in UNITS)


def duban() -> DubanNotice:
    unit, *measure = LATE[10]
    m = LateMeasure(*measure)
    return DubanNotice(
        number=12, year=2022, unit=unit, item_no=m.item_no, item_title=m.item_title, measure=m.text,
        deadline=m.deadline, workdays_overdue=5, level="督办", reply_by=date(2022, 7, 14),
        issue_date=date(2022, 7, 7), contact="联系人：王明，联系电话：023-77722345")


def tongbao() -> Tongbao:
    return Tongbao(number=3, year=2022, issue_date=date(2022, 7, 15), as_of=date(2022, 7, 15), units=late_units())


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, SHANGHAI) - timedelta(microseconds=1)


def june_report() -> MonthlyReport:
    """A hand-made 2022年6月 report: June's figures as of June 30 24时 (only June's overdue measures count)."""
    overdue = [OverdueRow(measure_id=i, item_no=no, item_title=title, text=text, unit=unit, due_date=due,
                          state="in_progress" if state == "推进中" else "assigned", workdays_overdue=days - 11)
               for i, (unit, no, title, text, due, days, state) in enumerate(LATE) if due == MAY]
    completed = [
        CompletedRow(measure_id=101, item_no="2", item_title="便利企业分支机构、连锁门店信息变更",
                     text="优化食品经营连锁企业分支机构的食品经营许可信息变更流程。", unit="区市场监管局", due_date=MAY,
                     reported_at=datetime(2022, 5, 30, 2, tzinfo=SHANGHAI), on_time=True,
                     verified_at=datetime(2022, 6, 2, 1, tzinfo=SHANGHAI)),
        CompletedRow(measure_id=102, item_no="5", item_title="推进客货运输电子证照跨区域互认与核验",
                     text="推动道路运输从业人员从业资格证等9类电子证照项目全国互认。", unit="区交通局", due_date=MAY,
                     reported_at=datetime(2022, 6, 8, 2, tzinfo=SHANGHAI), on_time=False,
                     verified_at=datetime(2022, 6, 10, 1, tzinfo=SHANGHAI)),
    ]
    units = [
        UnitFigures(unit="区市场监管局", measures=20, completed=1, due=9, on_time=6, on_time_rate=6 / 9, overdue=3,
                    lagging=True),
        UnitFigures(unit="区住房城乡建委", measures=8, completed=0, due=5, on_time=4, on_time_rate=0.8, overdue=1,
                    lagging=True),
        UnitFigures(unit="区交通局", measures=2, completed=1, due=1, on_time=0, on_time_rate=0.0, overdue=0,
                    lagging=True),
        UnitFigures(unit="区财政局", measures=4, completed=0, due=0, on_time=0, on_time_rate=None, overdue=0),
    ]
    overall = Figures(measures=34, due=15, on_time=10, on_time_rate=10 / 15, overdue=4, completed=2,
                      by_state=every_state(assigned=6, in_progress=17, reported=1, verified=8, evaluated=2))
    return MonthlyReport(
        month="2022-06", label="2022年6月", first=date(2022, 6, 1), last=JUNE, cutoff=end_of(JUNE), running=False,
        scope="全区", lagging_threshold=0.8, overall=overall, units=units,
        lagging_units=[u.unit for u in units if u.lagging], classes=[], completed=completed, overdue=overdue,
        returns=[], progress=[], escalations=[], missed_milestones=[])


PROBLEMS = (Problem("区住房城乡建委",
                    "联合验收涉及的人防、消防验收系统尚未与工程建设项目审批管理系统对接，需区政务办协调",
                    raised_on=date(2022, 6, 15), status="待协调"),)
INSTRUCTIONS = (Instruction("区政府分管副区长", "请区市场监管局加快推进，月底前报送进展", date(2022, 6, 10),
                            "区市场监管局", item_title="拓展企业开办“一网通办”业务范围"),)


JULY_COMPLETED = [
    ("区市场监管局", "9", "开展不含行政区划名称的企业名称自主申报",
     "实现与市场监管总局业务系统衔接，提高企业名称登记效率。"),
    ("区住房城乡建委", "21", "简化实行联合验收的工程建设项目竣工验收备案手续",
     "对实行联合验收的工程建设项目，在通过全部联合验收事项后，可现场直接出具竣工联合验收意见书。"),
    ("区法院", "16", "健全企业重整期间信用修复机制", "将有关改革事项纳入府院协调联席会议议事事项。"),
    ("区财政局", "33", "清理设置非必要条件排斥潜在竞争者行为", "细化需清理取消的具体事项，组织开展自查自纠。"),
    ("区公安局", "70", "推进公安服务“一窗通办”", "建设涉及治安、户政、交管等公安服务综合窗口。"),
    ("区交通局", "5", "推进客货运输电子证照跨区域互认与核验", "推动9类电子证照项目全国互认。"),
]


def july_report() -> MonthlyReport:
    """2022年7月 while it runs (cut-off 2022-07-15 9:02): all twelve late measures are overdue."""
    overdue = [OverdueRow(measure_id=i, item_no=no, item_title=title, text=text, unit=unit, due_date=due,
                          state="in_progress" if state == "推进中" else "assigned", workdays_overdue=days)
               for i, (unit, no, title, text, due, days, state) in enumerate(LATE)]
    counts = {u: sum(1 for row in LATE if row[0] == u) for u in UNITS}
    units = [UnitFigures(unit=u, measures=n + 4, completed=1, due=n + 3, on_time=3, on_time_rate=3 / (n + 3),
                         overdue=n, lagging=True) for u, n in counts.items()]
    units.append(UnitFigures(unit="区交通局", measures=3, completed=1, due=2, on_time=2, on_time_rate=1.0))
    overall = Figures(measures=sum(u.measures for u in units), due=sum(u.due for u in units),
                      on_time=sum(u.on_time for u in units), overdue=12, completed=len(units),
                      by_state=every_state(assigned=8, in_progress=21, reported=3, verified=7, evaluated=2))
    completed = [CompletedRow(measure_id=200 + i, item_no=no, item_title=title, text=text, unit=unit, due_date=JUNE,
                              on_time=i != 0) for i, (unit, no, title, text) in enumerate(JULY_COMPLETED)]
    return MonthlyReport(
        month="2022-07", label="2022年7月", first=date(2022, 7, 1), last=date(2022, 7, 31),
        cutoff=datetime(2022, 7, 15, 9, 2, tzinfo=SHANGHAI), running=True, scope="全区", lagging_threshold=0.8,
        overall=overall, units=units, lagging_units=[u.unit for u in units if u.lagging], classes=[],
        completed=completed, overdue=overdue, returns=[], progress=[], escalations=[], missed_milestones=[])
