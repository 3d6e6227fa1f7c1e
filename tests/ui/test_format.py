"""Number and time formatting (pure functions)."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest

from mdtui.display.format import (
    compact,
    decimals_of,
    fmt_age,
    fmt_clock,
    fmt_exact,
    fmt_notional,
    fmt_pct,
    fmt_price,
    group_digits,
    infer_decimals,
    size_decimals,
    spread_text,
)


@pytest.mark.parametrize(
    ("value", "locale", "text"),
    [
        (D("1234567890123"), "ko", "1.2조"),
        (D("12345678901234"), "ko", "12.3조"),
        (D("123456789012345"), "ko", "123조"),
        (D("345678901234"), "ko", "3,457억"),
        (D("181500000"), "ko", "1.8억"),
        (D("56400"), "ko", "5.6만"),
        (D("56640000"), "ko", "5,664만"),
        (D("9999"), "ko", "9,999"),
        (D("1234567890123"), "en", "1.2T"),
        (D("345600000000"), "en", "345.6B"),
        (D("56640000"), "en", "56.6M"),
        (D("1500"), "en", "1.5K"),
        (D("999"), "en", "999"),
        (D("-345678901234"), "ko", "-3,457억"),
        (None, "ko", "—"),
    ],
)
def test_compact(value, locale, text):
    assert compact(value, locale) == text


def test_price_keeps_tick_precision_with_separators():
    assert fmt_price(D("145200000"), 0) == "145,200,000"
    assert fmt_price(D("3105.5"), 1) == "3,105.5"
    assert fmt_price(D("3105"), 1) == "3,105.0"
    assert fmt_price(D("0.01852"), 5) == "0.01852"
    assert fmt_price(None, 2) == "—"


def test_decimals_from_prices():
    assert decimals_of(D("1.2300")) == 2
    assert decimals_of(D("1E+3")) == 0
    assert decimals_of(D("145200000")) == 0
    assert infer_decimals([D("311.2"), D("311.25"), D("312")]) == 2
    assert infer_decimals([]) == 0


def test_size_precision_follows_price_level():
    assert size_decimals(D("145200000")) == 5
    assert size_decimals(D("5210000")) == 3
    assert size_decimals(D("3105")) == 0
    assert size_decimals(D("0.0185")) == 0
    assert fmt_exact(D("0.0123"), 5) == "0.01230"
    assert fmt_exact(D("1234.5"), 0) == "1,234.5", "no digit rounded away (no half-even)"
    assert fmt_exact(D("0.5"), 0) == "0.5", "a tiny non-zero size never shows as 0"


def test_percent_is_signed():
    assert fmt_pct(D("1.234")) == "+1.23%"
    assert fmt_pct(D("-0.45")) == "-0.45%"
    assert fmt_pct(D("0")) == "0.00%"
    assert fmt_pct(D("-0.001")) == "0.00%"


def test_notional_compact_for_krw_only():
    assert fmt_notional(D("56640000"), "KRW", "ko") == "5,664만"
    assert fmt_notional(D("0.12346"), "BTC", "ko") == "0.1235"


def test_age():
    assert fmt_age(0.42) == "0.4s"
    assert fmt_age(12.7) == "12s"
    assert fmt_age(185) == "3m05s"
    assert fmt_age(7440) == "2h04m"
    assert fmt_age(-1) == "0.0s"


def test_spread_and_mid():
    text = spread_text(D("145200000"), D("145201000"), 0)
    assert text.startswith("spread 1,000 (0.0007% 0.07bp)")
    assert text.endswith("mid 145,200,500")
    # an odd spread in ticks puts the mid between ticks: one more decimal
    assert spread_text(D("3105"), D("3106"), 0).endswith("mid 3,105.5")
    assert spread_text(D("3105"), D("3107"), 0).endswith("mid 3,106")


def test_more_digits_than_the_default_precision_are_all_shown():
    value = D("1234567890.12345678901234567891")  # 30 digits: past Decimal's default 28
    assert decimals_of(value) == 20
    assert fmt_exact(value) == "1,234,567,890.12345678901234567891"
    assert fmt_price(D("0.1" + "0" * 40), 2) == "0.10", "trailing zeros are no digits"


def test_absurd_values_are_cut_visibly_never_rounded_and_cost_little():
    sixty = "123456789012345678901234567890123456789012345678901234567890"
    start = time.thread_time()
    assert fmt_exact(D("1e999999999999")) == "1E+999999999999"
    assert fmt_exact(D(sixty)) == "1.234567890123456789012345678901234…E+59"
    assert fmt_exact(D("0." + sixty)) == "0.123456789012345678901234567890…"
    assert fmt_exact(D("1e-999999"), 2) == "0." + "0" * 30 + "…"
    assert fmt_exact(D("-1e999999")) == "-1E+999999"
    assert decimals_of(D("1e-999999999999")) == 30
    assert compact(D("1e999999999999")) == "1E+999999999999"
    assert fmt_pct(D("1e999999")) == "1E+999999%"
    assert fmt_notional(D("1e999999"), "BTC", "en") == "1E+999999"
    assert fmt_notional(D("1e999999999999"), "KRW", "ko") == "1E+999999999999"
    assert size_decimals(D("1e999999999999")) == 8
    assert spread_text(D("100"), D("1e999999999999"), 0) == "spread —"
    assert spread_text(D("1e-999999"), D("100"), 0) == "spread —"
    assert fmt_clock(10**30) == fmt_clock(-(10**30)) == "--:--:--"
    assert time.thread_time() - start < 0.05


def test_spread_and_mid_are_exact():
    bid, ask = D("0.123456789012345678901234567890"), D("0.123456789012345678901234567891")
    text = spread_text(bid, ask, 30)
    assert text.startswith("spread 0.000000000000000000000000000001 (")
    assert text.endswith("mid 0.123456789012345678901234567890…"), "half a unit: cut, not rounded"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "price 150001000 crossed up through 150000000",
            "price 150,001,000 crossed up through 150,000,000",
        ),
        ("bid 0.00012345 at 3140.5 (2 filled)", "bid 0.00012345 at 3,140.5 (2 filled)"),
        ("spread 1234 bps (alert at 999)", "spread 1,234 bps (alert at 999)"),
        ("gap -12345.6789% KRW-BTC btc_krw", "gap -12,345.6789% KRW-BTC btc_krw"),
        ("already 1,234,567 grouped, order a1234b", "already 1,234,567 grouped, order a1234b"),
    ],
)
def test_group_digits_groups_only_the_integer_part_of_numbers_in_prose(text, shown) -> None:
    assert group_digits(text) == shown
