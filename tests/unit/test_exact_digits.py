"""Every digit the exchange sent reaches the screen and the JSON lines (issue: prices took
their decimals from one reference tick, own quantities were rounded half-even, ``watch``
printed exponent notation, compact values showed ``10.0억`` and ``-0``)."""

from __future__ import annotations

import json
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from mdtui.display.format import compact, fmt_exact, fmt_price
from mdtui.model.events import Order, Trade, event_json
from mdtui.venues import korbit, upbit


def number(text: str) -> D:
    return D(text.replace(",", ""))


def test_a_price_finer_than_the_tick_keeps_its_digits() -> None:
    # Best bid 100 on Upbit KRW (tick 1): deeper bids and the day's low under 100.
    assert [fmt_price(D(p), 0) for p in ("100", "99.9", "99.8", "99.5")] == [
        "100",
        "99.9",
        "99.8",
        "99.5",
    ]
    # A tick finer than the built-in table: no half-even rounding to one value.
    assert fmt_price(D("1375.5"), 0) != fmt_price(D("1376.5"), 0)
    assert fmt_price(D("145200000"), 0) == "145,200,000"
    assert fmt_price(D("0.5"), 2) == "0.50"  # the tick's decimals are a minimum


def test_own_quantities_are_never_rounded() -> None:
    assert fmt_exact(D("12.5")) == "12.5"
    assert fmt_exact(D("13.5")) == "13.5"
    assert fmt_exact(D("0.000015"), 5) == "0.000015"
    assert fmt_exact(D("3"), 4) == "3.0000"


def test_compact_values_drop_a_trailing_zero_and_a_minus_zero() -> None:
    assert compact(D("1000000000")) == "10억"
    assert compact(D("-0.4")) == "0"
    assert compact(D("1230000000")) == "12억"
    assert compact(D("123000000")) == "1.2억"


def test_watch_lines_write_decimals_in_plain_notation() -> None:
    frame = (
        b'{"type":"trade","code":"KRW-BTC","trade_price":0.00000001,"trade_volume":1.2345E10,'
        b'"ask_bid":"BID","trade_timestamp":1767225600000,"timestamp":1767225600000,'
        b'"sequential_id":1,'
        b'"stream_type":"REALTIME"}'
    )
    (trade,) = [ev for ev in upbit.decode(frame) if type(ev) is Trade]
    line = json.loads(event_json(trade))
    assert (line["price"], line["size"], line["type"]) == ("0.00000001", "12345000000", "trade")
    korbit_frame = json.dumps(
        {
            "type": "trade",
            "symbol": "btc_krw",
            "timestamp": 1767225600000,
            "snapshot": False,
            "data": [
                {
                    "timestamp": 1767225600000,
                    "price": "0.00000001",
                    "qty": "1.20",
                    "isBuyerTaker": True,
                    "tradeId": 5,
                }
            ],
        }
    ).encode()
    (ktrade,) = [ev for ev in korbit.decode(korbit_frame) if type(ev) is Trade]
    kline = json.loads(event_json(ktrade))
    assert (kline["price"], kline["size"]) == ("0.00000001", "1.20")  # the exchange's digits


def test_json_lines_keep_nested_decimals_and_optional_fields() -> None:
    order = Order(
        "upbit", "KRW-BTC", "u1", "buy", "limit", "open", "wait", D("1E+8"), D("1E-8"),
        D(0), None, None, None, None, None, 1, 2,
    )  # fmt: skip
    line = json.loads(event_json(order))
    assert (line["price"], line["qty"], line["remaining"]) == ("100000000", "0.00000001", None)


# Prices and sizes across the exchanges' ranges: 1e-8 to 1e12, at most 8 decimals.
values = st.decimals(
    min_value=D("0.00000001"), max_value=D("1E12"), places=8, allow_nan=False
).filter(lambda d: d > 0)


@given(values, st.integers(min_value=0, max_value=8))
def test_formatting_never_changes_a_value(value: D, decimals: int) -> None:
    assert number(fmt_price(value, decimals)) == value
    assert number(fmt_exact(value, decimals)) == value
    text = fmt_exact(value, decimals)
    assert "E" not in text and "e" not in text
    assert len(text.partition(".")[2]) >= decimals
