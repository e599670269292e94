"""Spreadsheet text cannot inject links, @mentions, Markdown or extra lines into a robot message."""

from __future__ import annotations

from datetime import date, datetime

from notifications.robots import RobotItem, RobotSender, RobotTarget, bodies_for, first_words, render_markdown
from tests.robot_support import FIRED_AT, SHANGHAI, item, run, running_robot_sink

HOSTILE = ["区财政局](http://evil)", "@all", "区市场\r\n监管局\n# 标题", "<@zhangsan> <font color=\"red\">x</font>",
           "**粗体** `code` ![img](http://evil/x.png)", "\u202e局管监\u2028区"]


def rendered(unit: str, **changes) -> str:
    [message] = render_markdown("群", [item(1, unit=unit, **changes)], FIRED_AT, "wecom")
    return message


def item_line(message: str) -> str:
    [line] = [x for x in message.splitlines() if x.startswith("- ")]
    return line


def test_no_link_but_ours_and_no_mention():
    for unit in HOSTILE:
        message = rendered(unit, title=unit)
        assert message.count("](") == 1 and "](https://duban.wulong.example/measures/1)" in message
        assert "http://evil" not in message and "@" not in message and "<" not in message
        assert "**粗体**" not in message and "`" not in message and "\u202e" not in message


def test_cr_lf_in_a_single_line_field_stays_on_its_line():
    message = rendered("区市场\r\n监管局\n# 标题")
    assert "牵头单位：区市场 监管局 ＃ 标题" in item_line(message)
    assert len(message.splitlines()) == 5  # title, fired-at, blank, section, the one item


def test_hostile_text_still_reads():
    assert "区财政局］（http：//evil）" in rendered("区财政局](http://evil)")
    assert "＠all" in rendered("@all")


def test_a_link_with_parentheses_cannot_end_early():
    odd = RobotItem("L1", "催办", "预警督办", "3", "t", "m", "u", None, None, "https://duban.example/m/3?x=(a)")
    [message] = render_markdown("群", [odd], FIRED_AT, "dingtalk")
    assert "[查看详情](https://duban.example/m/3?x=%28a%29)" in message


def test_a_line_names_level_number_title_unit_deadline_overdue_and_link():
    line = item_line(rendered("区市场监管局", copy=True))
    assert line == ("- **督办（L2）·抄送** 事项1《优化营商环境改革事项1》｜举措：推进企业开办全程网办第1项举措｜"
                    "牵头单位：区市场监管局｜时间节点：2022年6月10日｜**逾期 6 个工作日**｜"
                    "[查看详情](https://duban.wulong.example/measures/1)")
    assert "今日到期" in rendered("u", overdue=0) and "距到期还有 3 个工作日" in rendered("u", overdue=-3)


def test_the_header_names_the_firing_time_not_the_wall_clock():
    fired = datetime(2022, 7, 1, 1, 30, tzinfo=SHANGHAI).astimezone(datetime.now().astimezone().tzinfo)
    [message] = render_markdown("群", [item(1)], fired, "wecom")
    assert "> 触发时间：2022年7月1日 01:30，共 1 项" in message


def test_first_words_cuts_a_measure_to_about_30_characters():
    words = first_words("深化“放管服”改革，推进企业开办全程网上办理，实现企业开办一个环节、一天办结、零成本，"
                        "并进一步压缩时间")
    assert len(words) == 30 and words.endswith("…")
    assert first_words("短\n举措") == "短 举措"


def test_the_stored_robot_message_is_escaped(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("dingtalk"), "dingtalk", name="区财政局工作群")
        hostile = item(9, unit="区财政局](http://evil) @all\r\n")
        [body] = bodies_for(target, "区财政局工作群 @all", [hostile], FIRED_AT)

        async def go():
            async with RobotSender() as sender:
                return await sender.send(target, body, "row-9")

        assert run(go()).sent
        [stored] = sink.messages()
        text = stored["body"]["markdown"]["text"]
        assert "](http://evil" not in text and "@all" not in text and "\r" not in text
        assert stored["body"]["markdown"]["title"] == "区财政局工作群 ＠all"
        assert "时间节点：2022年6月10日" in text and date(2022, 6, 10) == hostile.due_date
