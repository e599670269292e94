"""How dates read to people on every page, list and record: 2022年6月30日, and 2022年6月30日 9:05 where a time
matters, in Beijing time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def cn_date(value: date | datetime | None, with_time: bool = False) -> str:
    """2022年6月30日 (and 2022年6月30日 9:05 where a time matters): how dates read on every page."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI) if value.tzinfo else value
        text = f"{local.year}年{local.month}月{local.day}日"
        return f"{text} {local.hour}:{local.minute:02d}" if with_time else text
    return f"{value.year}年{value.month}月{value.day}日"
