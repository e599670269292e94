"""The mail says what happened: subjects name the most serious item, items are grouped by kind and level with
事项编号, title and first words, times come from the clock that fired them, dates read 2022年6月20日."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications.digest import digest_item, sections, subject_for
from tests.mail_support import mail_runtime, parsed, running_sink
from tests.world import bj, esc_act
from tests.world import esc_measure as measure
from tests.world import esc_people as people

BASE = "https://duban.wulong.example"
LONG = ("推行经营场所备案制，实行“一照多址”改革，市场主体在同一县级登记机关管辖区域内增设经营场所的，"
        "无需另行办理分支机构登记")


@pytest.fixture
def mail_rt(rt):
    mail_rt = mail_runtime(rt)
    with running_sink(mail_rt):
        yield mail_rt


def mails(rt) -> dict:
    return {m["To"].addresses[0].addr_spec: m for m in parsed(rt)}


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_l3_digest_names_the_unit_the_count_and_the_overdue_days(mail_rt):
    people(mail_rt, ("ysb", "office", "区营商办"), ("boss", "unit_head", "区市场监管局"))
    for n in range(3):
        measure(mail_rt, date(2022, 6, 6), text=f"{LONG}（{n}）")
    assert mail_rt.sweep(bj("2022-06-20 09:00")).fired["L3"] == 3
    mail_rt.flush()
    ysb = mails(mail_rt)["ysb@wulong.example"]
    assert ysb["Subject"] == "【通报】区市场监管局 3 项举措逾期超过10个工作日"
    text, html = plain(ysb), ysb.get_body(("html",)).get_content()
    assert "【通报（L3）】3 项" in text and text.count("第7项《一照多址改革》") == 3
    assert "推行经营场所备案制，实行“一照多址”改革，市场主体在同一县…" in text and LONG not in text  # first words
    assert "时间节点：2022年6月6日（逾期 10 个工作日）" in text and "2022-06-06" not in text
    assert "<th>事项编号</th>" in html and "<td style=\"white-space: nowrap;\">第7项</td>" in html


def test_the_header_time_is_the_sweeps_not_the_wall_clocks(mail_rt):
    people(mail_rt, ("boss", "unit_head", "区市场监管局"))
    measure(mail_rt, date(2022, 6, 10))
    mail_rt.clock.set(bj("2022-06-21 15:42"))  # the operator sweeps "as of" an earlier instant
    mail_rt.sweep(bj("2022-06-20 09:00"), queued_at=mail_rt.clock.now())
    mail_rt.clock.advance(timedelta(hours=3))
    mail_rt.flush()
    boss = mails(mail_rt)["boss@wulong.example"]
    assert "共 1 条提醒（2022年6月20日 09:00）" in plain(boss)
    assert boss["Date"].datetime == bj("2022-06-20 09:00")  # the same on every attempt, whatever the wall clock


def test_a_return_names_the_item_the_reviewer_and_the_reason(mail_rt):
    people(mail_rt, ("clerk", "unit_staff", "区市场监管局"), ("rev", "supervisor", "区政府督查办"))
    from sqlalchemy import select

    from workflows.accounts_models import User

    with mail_rt.write() as session:
        session.execute(select(User).where(User.username == "rev")).scalars().one().display_name = "督查办核验员"
    m = measure(mail_rt, date(2022, 6, 30), state="reported", reported_at=bj("2022-06-16 10:00"))
    esc_act(mail_rt, m, "rev", "return", "2022-06-20 10:15", comment="佐证材料不全")
    mail_rt.flush()
    clerk = mails(mail_rt)["clerk@wulong.example"]
    assert clerk["Subject"] == "【退回】第7项 一照多址改革 报送被退回"
    text = plain(clerk)
    assert "操作人：督查办核验员" in text and "说明：佐证材料不全" in text and "（2022年6月20日 10:15）" in text
    assert clerk["To"].addresses[0].display_name == "clerk" and "改革事项督办系统" in str(clerk["From"])


def item(n: int, kind: str = "escalation", **payload):
    body = {"measure_id": n, "measure_text": f"举措{n}", "item_no": str(n), "item_title": f"事项{n}",
            "unit": "区市场监管局", "due_date": "2022-06-10", **payload}
    return digest_item(n, kind, body, BASE)


def test_the_most_serious_section_names_the_subject_and_sections_run_most_serious_first():
    l1 = dict(level="L1", level_label="催办", overdue_workdays=1, anchor="due")
    l3 = dict(level="L3", level_label="通报", overdue_workdays=12, anchor="due")
    l0 = dict(level="L0", level_label="提醒", overdue_workdays=-5, anchor="due")
    items = [item(1, **l1), item(2, "measure_returned"), item(3, **l3), item(4, **l0), item(5, unit="区财政局", **l3)]
    assert subject_for(items) == "【通报】区市场监管局等 2 个单位 2 项举措逾期超过12个工作日（另有 3 条提醒）"
    assert [s.heading for s in sections(items)] == ["通报（L3）", "催办（L1）", "已被退回，请补充完善", "提醒（L0）"]
    assert subject_for([item(2, "measure_returned")]) == "【退回】第2项 事项2 报送被退回"
    two = [item(2, "measure_returned"), item(6, "measure_returned")]
    assert subject_for(two) == "【退回】第2项等 2 项举措报送被退回"
    assert subject_for([item(4, **l0)]) == "【提醒】区市场监管局 1 项举措5个工作日后到期"
    review = dict(level="review", level_label="核验超时", overdue_workdays=2, anchor="review")
    assert subject_for([item(7, **review)]) == "【核验超时】区市场监管局 1 项举措超过核验时限2个工作日"
    copy = dict(level="L2", level_label="督办", overdue_workdays=6, anchor="due", copy=True)
    assert subject_for([item(8, **copy)]).startswith("【督办·抄送】")


def test_a_new_notice_kind_is_one_line_in_the_labels(monkeypatch):
    from notifications import labels

    kind = labels.KindText("区领导批示，请落实", "批示", "有新的批示", 58)
    monkeypatch.setitem(labels.KINDS, "instruction_given", kind)
    assert subject_for([item(9, "instruction_given"), item(2, "measure_returned")]) == \
        "【批示】第9项 事项9 有新的批示（另有 1 条提醒）"
    with pytest.raises(LookupError, match="no Chinese label"):
        item(9, "problem_teleported")
