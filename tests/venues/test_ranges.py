"""Numbers outside what an exchange can send are malformed, on both exchanges, in public
and private frames and REST rows alike (``venues/ranges.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from mdtui.model.events import Balances, Book, Malformed, Ticker, Trade
from mdtui.venues import korbit, korbit_private, upbit, upbit_private
from mdtui.venues.private_common import BadBody
from mdtui.venues.ranges import PRICE, RATE, SIZE, TIME, VALUE
from tests.support.events import T0
from tests.support.samples import ABSURD, SIXTY_DIGITS, load, with_numbers

FIELDS = [
    ("upbit_ticker", ("trade_price",)),
    ("upbit_ticker", ("high_price",)),
    ("upbit_ticker", ("acc_trade_volume_24h",)),
    ("upbit_ticker", ("acc_trade_price_24h",)),
    ("upbit_trade", ("trade_price",)),
    ("upbit_trade", ("trade_volume",)),
    ("upbit_orderbook", ("orderbook_units", 0, "ask_price")),
    ("upbit_orderbook", ("orderbook_units", 2, "bid_size")),
    ("upbit_trade_simple", ("tp",)),
    ("korbit_ticker", ("data", "close")),
    ("korbit_ticker", ("data", "volume")),
    ("korbit_ticker", ("data", "bestAskPrice")),
    ("korbit_trade", ("data", 0, "price")),
    ("korbit_trade", ("data", 0, "qty")),
    ("korbit_orderbook", ("data", "asks", 1, "price")),
    ("korbit_orderbook", ("data", "bids", 0, "qty")),
]


def _decoder(sample: str) -> Callable[[bytes | str], list[Any]]:
    return upbit.decode if sample.startswith("upbit") else korbit.decode


@pytest.mark.parametrize(("sample", "path"), FIELDS, ids=lambda x: str(x))
def test_samples_decode_as_they_are(sample: str, path: tuple) -> None:
    doc = json.loads(load(sample))
    value = doc
    for step in path:
        value = value[step]
    events = _decoder(sample)(with_numbers(sample, {path: str(value)}))
    assert events and all(type(ev) in (Ticker, Trade, Book) for ev in events)


@pytest.mark.parametrize("text", ABSURD)
@pytest.mark.parametrize(("sample", "path"), FIELDS, ids=lambda x: str(x))
def test_absurd_numbers_are_malformed(sample: str, path: tuple, text: str) -> None:
    events = _decoder(sample)(with_numbers(sample, {path: text}))
    assert [type(ev) for ev in events] == [Malformed], events
    assert "out of range" in events[0].reason, events[0].reason


@pytest.mark.parametrize(
    ("sample", "path"),
    [
        ("upbit_ticker", ("timestamp",)),
        ("upbit_trade", ("trade_timestamp",)),
        ("upbit_orderbook", ("timestamp",)),
        ("korbit_ticker", ("timestamp",)),
        ("korbit_trade", ("data", 0, "timestamp")),
        ("korbit_orderbook", ("data", "timestamp")),
    ],
)
@pytest.mark.parametrize("ms", [0, 1, 10**15, -T0, 2**63 - 1])
def test_times_out_of_range_are_malformed(sample: str, path: tuple, ms: int) -> None:
    (event,) = _decoder(sample)(with_numbers(sample, {path: str(ms)}))
    assert type(event) is Malformed and "time out of range" in event.reason


def test_range_bounds() -> None:
    largest = D("999999999999999." + "9" * 30)
    assert PRICE.fits(largest) and not PRICE.fits(D("1E+15")) and not PRICE.fits(D(0))
    assert PRICE.fits(D("1E-30")) and not PRICE.fits(D("1E-31"))
    assert PRICE.fits(D("1." + "0" * 40)), "trailing zeros are no digits"
    assert SIZE.fits(D(0)) and SIZE.fits(D("-0")) and not SIZE.fits(D("-0.00000001"))
    assert SIZE.fits(D("9" * 18)) and not SIZE.fits(D("1" + "0" * 18))
    assert VALUE.fits(D("1386929.37231066771348207123")), "Upbit's documented sample"
    assert RATE.fits(D("-0.5")) and not RATE.fits(D("-1E+9")) and not RATE.fits(D("NaN"))
    for bad in ("Infinity", "-Infinity", "sNaN", "NaN"):
        assert not PRICE.fits(D(bad)) and not SIZE.fits(D(bad))
    TIME.check(TIME.low, TIME.high - 1, None)
    for ms in (TIME.low - 1, TIME.high):
        with pytest.raises(ValueError, match="time out of range"):
            TIME.check(ms)
    TIME.check_given(0, None)
    with pytest.raises(ValueError, match=r"price out of range: '1E\+999999' \(0 < price"):
        PRICE.check(D(1), D("1e999999"))


@pytest.mark.parametrize(
    ("sample", "path", "text"),
    [
        ("upbit_myorder", ("price",), "1e999999"),
        ("upbit_myorder", ("executed_volume",), "-1"),
        ("upbit_myorder", ("trade_fee",), "1e999999999999"),
        ("upbit_myorder", ("trade_timestamp",), "99999999999999999"),
        ("upbit_myasset", ("assets", 0, "balance"), SIXTY_DIGITS),
        ("korbit_myorder", ("order", "orders", 0, "price"), "1e999999"),
        ("korbit_myorder", ("order", "orders", 0, "filledQty"), "NaN"),
        ("korbit_myorder", ("order", "orders", 0, "createdAt"), "1"),
        ("korbit_myasset", ("asset", "assets", 1, "available"), "-1"),
    ],
)
def test_private_frames_out_of_range_are_malformed(sample: str, path: tuple, text: str) -> None:
    decode = upbit_private.decode_private if sample.startswith("upbit") else None
    events = (decode or korbit_private.decode_private)(with_numbers(sample, {path: text}))
    assert [type(ev) for ev in events] == [Malformed], events
    assert "out of range" in events[0].reason


def test_rest_rows_out_of_range_are_skipped() -> None:
    good = {"currency": "KRW", "balance": "1000", "locked": "0"}
    body = json.dumps([good, {**good, "currency": "BTC", "balance": "1e999999"}])
    skipped: list[str] = []
    balances = upbit_private.parse_accounts(body, skipped=skipped)
    assert isinstance(balances, Balances) and [b.currency for b in balances.rows] == ["KRW"]
    assert len(skipped) == 1 and "size out of range: '1E+999999'" in skipped[0]
    with pytest.raises(BadBody, match="out of range"):
        upbit_private.parse_accounts(body)
    row = json.loads(load("korbit_order_row"))
    body = json.dumps({"success": True, "data": [row, {**row, "orderId": 43, "qty": "-5"}]})
    skipped = []
    orders = korbit_private.parse_order_rows(body, skipped=skipped)
    assert [o.order_id for o in orders] == ["42"] and "size out of range" in skipped[0]
