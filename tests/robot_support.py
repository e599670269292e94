"""A real robot receiver on a loopback port, sample digest items, and a clock that tests advance instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from notifications.robot_sink import RobotSink, start_robot_sink
from notifications.robots import SHANGHAI, RobotItem

FIRED_AT = datetime(2022, 6, 20, 9, 0, tzinfo=SHANGHAI)
SECRET = "SEC0123456789abcdef"


@contextmanager
def running_robot_sink(directory, **options) -> Iterator[RobotSink]:
    sink = start_robot_sink(directory, **options)
    try:
        yield sink
    finally:
        sink.stop()


def run(coroutine):
    return asyncio.run(coroutine)


def item(n: int = 1, *, unit: str = "区市场监管局", title: str | None = None, level: str = "L2",
         overdue: int | None = 6, copy: bool = False) -> RobotItem:
    labels = {"L0": "提醒", "L1": "催办", "L2": "督办", "L3": "通报"}
    return RobotItem(level=level, level_label=labels.get(level, ""), kind_label="预警督办" if level else "已被退回",
                     item_no=str(n), item_title=title or f"优化营商环境改革事项{n}",
                     measure_first_words=f"推进企业开办全程网办第{n}项举措", unit=unit, due_date=date(2022, 6, 10),
                     overdue_workdays=overdue, link=f"https://duban.wulong.example/measures/{n}", copy=copy)


class StepClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
