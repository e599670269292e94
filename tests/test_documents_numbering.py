"""文号 are written 武隆督办〔2022〕12号 from a format with {year} and {n}; a bad format is refused in Chinese."""

from __future__ import annotations

import pytest

from workflows.documents.numbering import (
    DUBAN_FORMAT,
    TONGBAO_FORMAT,
    NumberFormatError,
    check_format,
    format_number,
)


def test_the_default_duban_number_reads_as_the_district_writes_it():
    assert format_number(DUBAN_FORMAT, 2022, 12) == "武隆督办〔2022〕12号"


def test_the_tongbao_default_and_a_configured_format():
    assert format_number(TONGBAO_FORMAT, 2022, 3) == "武隆督查通报〔2022〕3号"
    assert format_number("武隆府督〔{year}〕{n}号", 2023, 1) == "武隆府督〔2023〕1号"


def test_no_leading_zeros_in_the_number():
    assert format_number(DUBAN_FORMAT, 2022, 7).endswith("〕7号")


@pytest.mark.parametrize(("fmt", "words"), [
    ("武隆督办〔2022〕{n}号", "缺少{year}"),
    ("武隆督办〔{year}〕号", "缺少{n}"),
    ("武隆督办", "缺少{year}、{n}"),
    ("武隆督办〔{year}〕{n}号{unit}", "不能包含{unit}"),
    ("武隆督办[{year}]{n}号", "六角括号"),
    ("武隆督办（{year}）{n}号", "六角括号"),
    ("武隆督办〔{year}〕{n号", "无法解析"),
])
def test_a_bad_format_is_refused_with_a_chinese_message(fmt, words):
    with pytest.raises(NumberFormatError, match=words.replace("{", r"\{").replace("}", r"\}")):
        check_format(fmt)


def test_a_number_error_is_a_value_error():
    with pytest.raises(ValueError, match="正整数"):
        format_number(DUBAN_FORMAT, 2022, 0)
    with pytest.raises(ValueError, match="四位数字"):
        format_number(DUBAN_FORMAT, 22, 1)
