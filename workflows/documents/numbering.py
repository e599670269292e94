"""文号 (document numbers) such as 武隆督办〔2022〕12号, from a configurable format."""

from __future__ import annotations

import re
from string import Formatter

DUBAN_FORMAT = "武隆督办〔{year}〕{n}号"
TONGBAO_FORMAT = "武隆督查通报〔{year}〕{n}号"
MONTHLY_FORMAT = "武隆营商办〔{year}〕{n}号"

_FIELDS = ("year", "n")
# GB/T 9704 writes the year in 六角括号 〔〕; square or round brackets are a common slip.
_WRONG_BRACKETS = re.compile(r"[\[(（【]\{year\}[\])）】]")


class NumberFormatError(ValueError):
    """A 文号 format or number a person got wrong; the message is in Chinese."""


def check_format(fmt: str) -> str:
    """Return fmt when it has exactly the fields {year} and {n}, else raise NumberFormatError."""
    try:
        fields = {name for _, name, _, _ in Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        raise NumberFormatError(f"文号格式无法解析：{fmt!r}（{exc}）") from exc
    missing = [name for name in _FIELDS if name not in fields]
    if missing:
        names = "、".join("{" + m + "}" for m in missing)
        raise NumberFormatError(f"文号格式缺少{names}：{fmt!r}，例如 {DUBAN_FORMAT}")
    extra = sorted(fields - set(_FIELDS))
    if extra:
        names = "、".join("{" + e + "}" for e in extra)
        raise NumberFormatError(f"文号格式只能包含{{year}}和{{n}}，不能包含{names}：{fmt!r}")
    if _WRONG_BRACKETS.search(fmt):
        raise NumberFormatError(f"文号中的年份应使用六角括号〔〕：{fmt!r}，例如 {DUBAN_FORMAT}")
    return fmt


def format_number(fmt: str, year: int, n: int) -> str:
    """武隆督办〔2022〕12号: the year in full, the number without leading zeros (不编虚位)."""
    check_format(fmt)
    if not 1000 <= year <= 9999:
        raise NumberFormatError(f"文号年份应为四位数字：{year}")
    if n < 1:
        raise NumberFormatError(f"文号序号应为正整数：{n}")
    return fmt.format(year=int(year), n=int(n))
