"""The 月调度通报 is written from a MonthlyReport: its sentences and tables carry every figure, and empty parts go."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from docx.table import Table

from tests import documents_samples as samples
from tests.docx_support import open_docx, parts, rows, squash, texts
from workflows.documents.monthly_brief import (
    DEFAULT_REQUIREMENTS,
    MonthlyBrief,
    StateCount,
    UnitLine,
    brief_from_report,
    monthly_tongbao_bytes,
)
from workflows.reform.table import STATE_LABELS


def june(**changes) -> MonthlyBrief:
    brief = brief_from_report(samples.june_report(), problems=samples.PROBLEMS, instructions=samples.INSTRUCTIONS)
    return replace(brief, **changes)


def lines_of(brief: MonthlyBrief) -> list[str]:
    return texts(open_docx(monthly_tongbao_bytes(brief)))


def table_by_header(doc, first: str) -> list[list[str]]:
    found = [rows(t) for t in doc.tables if rows(t)[0][0] == first]
    assert len(found) == 1, first
    return found[0]


def test_brief_from_report_takes_every_figure():
    report, brief = samples.june_report(), june()
    assert (brief.month_label, brief.scope, brief.cutoff) == ("2022年6月", "全区", report.cutoff)
    assert [s.label for s in brief.by_state] == list(STATE_LABELS.values())
    assert [s.count for s in brief.by_state] == list(report.overall.by_state.values()) and brief.measures == 34
    assert [s.count for s in brief.by_state if s.count] == [6, 17, 1, 8, 2]
    assert (brief.due, brief.on_time, f"{brief.on_time_rate:.3f}") == (15, 10, "0.667")
    assert [(c.unit, c.item_title, c.on_time) for c in brief.completed] == \
        [(r.unit, r.item_title, r.on_time) for r in report.completed]
    assert [u.unit for u in brief.units] == [u.unit for u in report.units]
    assert [u.unit for u in brief.lagging] == report.lagging_units == ["区市场监管局", "区住房城乡建委", "区交通局"]
    first = brief.lagging[0].overdue[0]
    assert (first.item_no, first.state, first.workdays_overdue, first.deadline) == ("7", "推进中", 21, samples.MAY)
    assert brief.lagging[2].overdue == () and brief.lagging[2].on_time_rate == 0.0
    assert brief.issue_date == date(2022, 6, 30) and brief.lagging_threshold == 0.8


def test_title_addressee_and_opening_with_the_cutoff_of_a_finished_month():
    lines = lines_of(june())
    assert lines[0] == "重庆市武隆区优化营商环境工作领导小组办公室"
    assert squash(lines[1]) == "关于2022年6月全区营商环境创新试点工作推进情况的通报"  # no 文号 given
    assert lines[2].endswith("各改革事项牵头单位：")
    assert "截至6月30日24时全区营商环境创新试点改革事项推进情况" in lines[3]


def test_overall_progress_names_only_the_states_that_have_measures():
    lines = lines_of(june())
    states = next(line for line in lines if "共有具体举措34项" in line)
    assert "已交办6项，推进中17项，已报送（待核验）1项，已核验8项，已评估2项。" in states
    assert "已复制推广" not in states
    assert "应完成具体举措15项，已按时完成10项，按时完成率66.7%。" in lines
    completed = next(line for line in lines if line.startswith("本月经区政府督查办核验完成具体举措2项"))
    assert "其中1项超过时间节点完成" in completed
    assert "区市场监管局“便利企业分支机构、连锁门店信息变更”" in completed
    assert "区交通局“推进客货运输电子证照跨区域互认与核验”" in completed


def test_lagging_units_are_named_with_their_overdue_measures_and_working_days():
    lines = lines_of(june())
    assert "3个单位推进滞后，共有逾期举措4项（详见附件2）：" in lines
    market = next(line for line in lines if line.startswith("（一）区市场监管局。"))
    for no, title in (("7", "拓展企业开办‘一网通办’业务范围"), ("10", "试行企业登记信息变更网上办理"),
                      ("45", "实行特种设备作业人员证书电子化管理")):
        assert f"第{no}项“{title}”（逾期21个工作日）" in market
    assert "按时完成率66.7%，低于80%" in market
    housing = next(line for line in lines if line.startswith("（二）区住房城乡建委。"))
    assert "第20项" in housing and "按时完成率" not in housing  # 80.0% is not below 80%
    assert "（三）区交通局。按时完成率0.0%，低于80%。" in lines


def test_problems_and_instructions_where_there_are_any():
    lines = lines_of(june())
    assert [line for line in lines if re.match("^[一二三四五六]、", line)] == \
        ["一、总体进展", "二、推进滞后单位", "三、需协调解决的问题", "四、区领导批示落实情况", "五、下月工作要求"]
    problem = lines[lines.index("三、需协调解决的问题") + 2]
    assert problem.startswith("1．区住房城乡建委：联合验收涉及的人防") and "（2022年6月15日报送，待协调）" in problem
    order = lines[lines.index("四、区领导批示落实情况") + 2]
    assert order.startswith("1．区政府分管副区长2022年6月10日就“拓展企业开办‘一网通办’业务范围”批示")
    assert order.endswith("责任单位：区市场监管局。")
    lines = lines_of(june(problems=(), instructions=()))
    assert [line for line in lines if re.match("^[一二三四五六]、", line)] == \
        ["一、总体进展", "二、推进滞后单位", "三、下月工作要求"]


def test_requirements_for_next_month_have_a_default_and_can_be_edited():
    lines = lines_of(june())
    assert lines[lines.index("五、下月工作要求") + 1] == DEFAULT_REQUIREMENTS
    lines = lines_of(june(requirements="一是加快推进逾期举措。\n二是7月25日前报送进展。"))
    at = lines.index("五、下月工作要求")
    assert lines[at + 1: at + 3] == ["一是加快推进逾期举措。", "二是7月25日前报送进展。"]


def test_attachments_listed_before_the_signature_then_drawn_on_their_pages():
    lines = lines_of(june())
    at = lines.index("区优化营商环境工作领导小组办公室")
    assert lines[at - 2: at + 2] == [
        "附件：1．全区营商环境创新试点推进情况统计表", "2．全区营商环境创新试点逾期举措清单",
        "区优化营商环境工作领导小组办公室", "2022年6月30日"]
    assert lines[at + 2: at + 4] == ["附件1", "全区营商环境创新试点推进情况统计表"]
    assert "附件2" in lines and "（统计截止：6月30日24时）" in lines


def test_state_and_unit_tables_with_totals_and_rates():
    doc = open_docx(monthly_tongbao_bytes(june()))
    states = table_by_header(doc, "状态")
    assert states[1:] == [["已交办", "6", "17.6%"], ["推进中", "17", "50.0%"], ["待审签", "0", "0.0%"],
                          ["已报送（待核验）", "1", "2.9%"],
                          ["已核验", "8", "23.5%"], ["已评估", "2", "5.9%"], ["已复制推广", "0", "0.0%"],
                          ["合计", "34", "100.0%"]]
    units = table_by_header(doc, "牵头单位")
    assert [squash(c) for c in units[0]] == \
        ["牵头单位", "举措数", "本月完成", "应完成", "按时完成", "按时完成率", "逾期"]
    assert units[1:] == [["区市场监管局", "20", "1", "9", "6", "66.7%", "3"],
                         ["区住房城乡建委", "8", "0", "5", "4", "80.0%", "1"],
                         ["区交通局", "2", "1", "1", "0", "0.0%", "0"],
                         ["区财政局", "4", "0", "0", "0", "—", "0"],
                         ["合计", "34", "2", "15", "10", "66.7%", "4"]]


def test_overdue_list_grouped_by_unit():
    doc = open_docx(monthly_tongbao_bytes(june()))
    listed = table_by_header(doc, "序号")
    assert listed[1][0] == "区市场监管局（3项）"  # a merged row across the table
    assert [(r[0], squash(r[3]), r[4]) for r in listed[2:5]] == [(n, "2022年5月31日", "21") for n in ("7", "10", "45")]
    assert listed[5][0] == "区住房城乡建委（1项）" and listed[6][0] == "20"


def test_a_running_month_has_its_exact_cutoff_and_nothing_awkward_when_figures_are_zero():
    brief = MonthlyBrief(
        month_label="2022年7月", cutoff=samples.july_report().cutoff, issue_date=date(2022, 7, 15),
        by_state=(StateCount("已交办", 3), StateCount("推进中", 0)), completed=(), due=0, on_time=0,
        units=(UnitLine("区财政局", 3, 0, 0, 0, 0),), lagging=())
    lines = lines_of(brief)
    assert "截至2022年7月15日9时02分" in lines[3]
    assert [line for line in lines if re.match("^[一二三]、", line)] == ["一、总体进展", "二、下月工作要求"]
    assert not [line for line in lines if re.search(r"(?<![\d.])0项", line)]
    assert "附件：全区营商环境创新试点推进情况统计表" in lines and "附件2" not in lines
    doc = open_docx(monthly_tongbao_bytes(brief))
    assert sum(isinstance(p, Table) for p in parts(doc)) == 2  # the state and unit tables, no overdue list
