"""A generic webhook receives the delivery key as X-Reform-Delivery, and the items as JSON beside the Markdown."""

from __future__ import annotations

from notifications.robots import DELIVERY_HEADER, RobotSender, RobotTarget, bodies_for
from tests.robot_support import FIRED_AT, item, run, running_robot_sink


def test_the_generic_webhook_gets_the_key_the_markdown_and_the_items(tmp_path):
    with running_robot_sink(tmp_path) as sink:
        target = RobotTarget(sink.url("webhook"), "webhook", name="营商办系统")
        items = [item(1), item(2, level="L3", overdue=12, copy=True)]
        [body] = bodies_for(target, "营商办系统", items, FIRED_AT)

        async def go():
            async with RobotSender() as sender:
                return await sender.send(target, body, "outbox:41,42:part-1")

        assert run(go()).sent
        [stored] = sink.messages()
        assert stored["headers"][DELIVERY_HEADER] == "outbox:41,42:part-1"
        assert stored["body"]["title"] == "营商办系统" and "### 【改革事项督办】营商办系统" in stored["body"]["text"]
        by_no = {i["item_no"]: i for i in stored["body"]["items"]}
        assert list(by_no) == ["2", "1"]  # in the order the Markdown lists them: L3 before L2
        assert by_no["2"] == {
            "level": "L3", "level_label": "通报", "kind_label": "预警督办", "item_no": "2",
            "item_title": "优化营商环境改革事项2", "measure_first_words": "推进企业开办全程网办第2项举措",
            "unit": "区市场监管局", "due_date": "2022-06-10", "overdue_workdays": 12,
            "link": "https://duban.wulong.example/measures/2", "copy": True, "ref": ""}


def test_a_retried_message_carries_the_same_key_so_the_receiver_can_fold_it(tmp_path):
    with running_robot_sink(tmp_path, slow_seconds=1.0) as sink:
        target = RobotTarget(sink.url("webhook"), "webhook")
        [body] = bodies_for(target, "群", [item(1)], FIRED_AT)
        sink.fail_next(1, "slow")  # the receiver takes it, but answers after the client gave up

        async def go():
            async with RobotSender(total_timeout=0.3) as sender:
                first = await sender.send(target, body, "outbox:7:part-1")
                sink.server.stopping.wait(1.0)  # let the slow answer finish storing
                return first, await sender.send(target, body, "outbox:7:part-1")

        first, second = run(go())
        assert (first.status, second.status) == ("retry", "sent")
        keys = [m["headers"][DELIVERY_HEADER] for m in sink.messages()]
        assert keys == ["outbox:7:part-1", "outbox:7:part-1"]  # a duplicate, recognisable by its key
