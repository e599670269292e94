"""Chinese renderings of dates, instants, counts and rates as a 公文 writes them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_DIGITS = "零一二三四五六七八九"


def cn_date(day: date) -> str:
    """2022年6月30日: 公文 dates carry no zero padding."""
    return f"{day.year}年{day.month}月{day.day}日"


def local(instant: datetime) -> datetime:
    """An instant on the Shanghai wall clock; a naive one is taken as UTC, as the database stores it."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(SHANGHAI)


def cn_time(instant: datetime) -> str:
    """2022年6月20日9时02分 (Shanghai time)."""
    at = local(instant)
    return f"{cn_date(at.date())}{at.hour}时{at.minute:02d}分"


def is_end_of_day(instant: datetime) -> bool:
    """True for the last second of a Shanghai day: a finished period's cut-off (23:59:59.999999)."""
    at = local(instant)
    return (at + timedelta(seconds=1)).date() != at.date()


def cn_cutoff(instant: datetime) -> str:
    """A finished month's cut-off reads 6月30日24时; a running one keeps the exact instant."""
    if is_end_of_day(instant):
        day = local(instant).date()
        return f"{day.month}月{day.day}日24时"
    return cn_time(instant)


def cn_month(day: date) -> str:
    return f"{day.year}年{day.month}月"


def cn_percent(value: float | None) -> str:
    """85.7%; a rate with no denominator is a dash, never 0.0%."""
    return "—" if value is None else f"{value * 100:.1f}%"


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def cn_ordinal(n: int) -> str:
    """一 … 九十九, for heading numbers (一、 and （一）)."""
    if not 0 < n < 100:
        raise ValueError(f"标题序号应在 1 至 99 之间：{n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def quoted(text: str) -> str:
    """Wrap in “” and turn inner “” into ‘’; a quoted sentence loses its full stop inside another sentence."""
    inner = text.strip().rstrip("。；;").replace("“", "‘").replace("”", "’")
    return f"“{inner}”"


def joined(parts: list[str]) -> str:
    """A、B和C: the way a sentence lists names."""
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


def em_width(text: str) -> float:
    """Width in ems: a CJK character is one em, an ASCII character about half."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)
