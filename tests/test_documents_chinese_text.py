"""Dates, instants, cut-offs, rates and heading numbers are written as a 公文 writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from config.settings import SHANGHAI
from tests.documents_samples import end_of
from workflows.documents.text import cn_cutoff, cn_date, cn_ordinal, cn_percent, cn_time, quoted


def test_dates_have_no_zero_padding():
    assert cn_date(date(2022, 6, 30)) == "2022年6月30日"
    assert cn_date(date(2022, 7, 5)) == "2022年7月5日"


def test_an_instant_is_written_on_the_shanghai_clock_with_two_digit_minutes():
    assert cn_time(datetime(2022, 6, 20, 9, 2, tzinfo=SHANGHAI)) == "2022年6月20日9时02分"
    assert cn_time(datetime(2022, 6, 20, 1, 2, tzinfo=UTC)) == "2022年6月20日9时02分"
    assert cn_time(datetime(2022, 6, 20, 1, 2)) == "2022年6月20日9时02分"  # naive: stored UTC


def test_a_finished_months_cutoff_is_24_hours_of_its_last_day():
    assert cn_cutoff(end_of(date(2022, 6, 30))) == "6月30日24时"
    assert cn_cutoff(datetime(2022, 6, 30, 15, 59, 59, 999999, tzinfo=UTC)) == "6月30日24时"
    assert cn_cutoff(datetime(2022, 7, 15, 9, 2, tzinfo=SHANGHAI)) == "2022年7月15日9时02分"


def test_rates_have_one_decimal_and_none_is_a_dash():
    assert cn_percent(6 / 7) == "85.7%"
    assert cn_percent(1.0) == "100.0%"
    assert cn_percent(None) == "—"


def test_heading_numbers():
    assert [cn_ordinal(n) for n in (1, 2, 9, 10, 11, 20, 21, 99)] == \
        ["一", "二", "九", "十", "十一", "二十", "二十一", "九十九"]


def test_nested_quotation_marks_turn_single_and_a_quoted_sentence_loses_its_full_stop():
    assert quoted("开展“一照多址”改革") == "“开展‘一照多址’改革”"
    assert quoted("清理政府采购中排斥外地投标人的行为。") == "“清理政府采购中排斥外地投标人的行为”"
