"""Upbit URLs, subscribe messages, the REST market list and price ticks."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from mdtui.venues import upbit
from mdtui.venues.endpoints import Endpoints
from mdtui.venues.markets import MarketInfo
from tests.support.samples import load

D = Decimal


# --------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("kr", "api.upbit.com"),
        ("sg", "sg-api.upbit.com"),
        ("id", "id-api.upbit.com"),
        ("th", "th-api.upbit.com"),
    ],
)
def test_region_endpoints(region: str, host: str) -> None:
    assert upbit.endpoints(region) == Endpoints(
        public_ws=f"wss://{host}/websocket/v1",
        private_ws=f"wss://{host}/websocket/v1/private",
        rest=f"https://{host}",
    )


def test_default_region_is_korea() -> None:
    assert upbit.endpoints().rest == "https://api.upbit.com"


def test_unknown_region() -> None:
    with pytest.raises(ValueError, match="region"):
        upbit.endpoints("us")


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:8123", ("ws://127.0.0.1:8123", "http://127.0.0.1:8123")),
        ("http://127.0.0.1:8123/", ("ws://127.0.0.1:8123", "http://127.0.0.1:8123")),
        ("ws://localhost:9", ("ws://localhost:9", "http://localhost:9")),
        (
            "https://proxy.example/upbit/",
            ("wss://proxy.example/upbit", "https://proxy.example/upbit"),
        ),
        ("wss://api.upbit.com", ("wss://api.upbit.com", "https://api.upbit.com")),
    ],
)
def test_endpoints_from_base(base: str, expected: tuple[str, str]) -> None:
    ws, rest = expected
    assert upbit.endpoints_from_base(base) == Endpoints(
        f"{ws}/websocket/v1", f"{ws}/websocket/v1/private", rest
    )


@pytest.mark.parametrize("base", ["127.0.0.1:8123", "ftp://x", "http://", "http://h/?a=1"])
def test_bad_base(base: str) -> None:
    with pytest.raises(ValueError):
        upbit.endpoints_from_base(base)


# --------------------------------------------------------------------------- subscribe


def test_subscribe_message_shape() -> None:
    text = upbit.subscribe_message(["KRW-BTC", "KRW-ETH"], ["KRW-BTC"], ["KRW-BTC"])
    msg = json.loads(text)
    assert isinstance(msg, list)
    ticket, *types, fmt = msg
    assert set(ticket) == {"ticket"}
    assert uuid.UUID(ticket["ticket"]).version == 4
    assert types == [
        {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
        {"type": "orderbook", "codes": ["KRW-BTC"]},
        {"type": "trade", "codes": ["KRW-BTC"]},
    ]
    assert fmt == {"format": "SIMPLE"}


def test_subscribe_message_fresh_ticket_each_time() -> None:
    a = json.loads(upbit.subscribe_message(["KRW-BTC"], [], []))[0]["ticket"]
    b = json.loads(upbit.subscribe_message(["KRW-BTC"], [], []))[0]["ticket"]
    assert a != b


def test_subscribe_message_explicit_ticket_depth_format_and_dedup() -> None:
    text = upbit.subscribe_message(
        [], ["KRW-BTC", "KRW-XRP", "KRW-BTC"], [], depth=15, fmt="DEFAULT", ticket="t-1"
    )
    assert json.loads(text) == [
        {"ticket": "t-1"},
        {"type": "orderbook", "codes": ["KRW-BTC.15", "KRW-XRP.15"]},
        {"format": "DEFAULT"},
    ]


@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"])
def test_subscribe_message_formats(fmt: str) -> None:
    assert json.loads(upbit.subscribe_message(["KRW-BTC"], [], [], fmt=fmt))[-1] == {"format": fmt}


def test_subscribe_message_rejects() -> None:
    with pytest.raises(ValueError, match="depth"):
        upbit.subscribe_message([], ["KRW-BTC"], [], depth=10)
    with pytest.raises(ValueError, match="format"):
        upbit.subscribe_message(["KRW-BTC"], [], [], fmt="simple")
    with pytest.raises(ValueError, match="nothing"):
        upbit.subscribe_message([], [], [])


# --------------------------------------------------------------------------- markets


def test_parse_markets_sample() -> None:
    row = load("upbit_market_all_row")
    body = b"[" + row + b',{"market":"BTC-ETH","korean_name":"\xec\x9d\xb4\xeb\x8d\x94\xeb\xa6\xac'
    body += b'\xec\x9b\x80","english_name":"Ethereum"},{"market":"USDT-XRP","english_name":"XRP"}]'
    btc, eth, xrp = upbit.parse_markets(body)
    assert btc == MarketInfo(
        venue="upbit",
        market="KRW-BTC",
        base="BTC",
        quote="KRW",
        korean_name="비트코인",
        english_name="Bitcoin",
        tick_bands=upbit.KRW_TICK_BANDS,
    )
    assert btc.tick_size(D("148520000")) == D("1000")
    assert (eth.base, eth.quote, eth.korean_name) == ("ETH", "BTC", "이더리움")
    assert eth.tick_size(D("0.03")) == D("0.00000001")
    assert (xrp.quote, xrp.korean_name, xrp.tick_bands) == ("USDT", None, upbit.USDT_TICK_BANDS)


def test_parse_markets_warning_flag() -> None:
    body = b'[{"market":"KRW-XYZ","korean_name":"x","english_name":"X",'
    body += b'"market_event":{"warning":true,"caution":{}}}]'
    assert upbit.parse_markets(body)[0].warning is True


def test_parse_markets_global_quote_has_no_ticks() -> None:
    info = upbit.parse_markets(b'[{"market":"SGD-XRP","english_name":"XRP"}]')[0]
    assert info.tick_bands == ()
    assert info.tick_size(D(1)) is None


@pytest.mark.parametrize(
    "body", [b"{}", b"[{}]", b'[{"market":"KRWBTC"}]', b'[{"market":1}]', b"not json"]
)
def test_parse_markets_bad_body(body: bytes) -> None:
    with pytest.raises(ValueError):
        upbit.parse_markets(body)


# --------------------------------------------------------------------------- ticks

KRW_CASES = [
    ("2500000", "1000"),
    ("1000000", "1000"),
    ("999999", "500"),
    ("500000", "500"),
    ("499999", "100"),
    ("100000", "100"),
    ("99999", "50"),
    ("50000", "50"),
    ("49999", "10"),
    ("10000", "10"),
    ("9999", "5"),
    ("5000", "5"),
    ("4999", "1"),
    ("1000", "1"),
    ("100", "1"),
    ("99.99", "0.1"),
    ("10", "0.1"),
    ("9.99", "0.01"),
    ("1", "0.01"),
    ("0.999", "0.001"),
    ("0.1", "0.001"),
    ("0.0999", "0.0001"),
    ("0.01", "0.0001"),
    ("0.001", "0.00001"),
    ("0.0001", "0.000001"),
    ("0.00001", "0.0000001"),
    ("0.000009", "0.00000001"),
    ("0", "0.00000001"),
]


@pytest.mark.parametrize(("price", "tick"), KRW_CASES)
def test_krw_ticks(price: str, tick: str) -> None:
    assert upbit.tick_size(D(price), "KRW") == D(tick)
    assert upbit.tick_size(D(price), "krw") == D(tick)


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        ("15", "0.01"),
        ("10", "0.01"),
        ("9.9", "0.001"),
        ("1", "0.001"),
        ("0.5", "0.0001"),
        ("0.05", "0.00001"),
        ("0.005", "0.000001"),
        ("0.0005", "0.0000001"),
        ("0.00005", "0.00000001"),
    ],
)
def test_usdt_ticks(price: str, tick: str) -> None:
    assert upbit.tick_size(D(price), "USDT") == D(tick)


def test_btc_ticks() -> None:
    assert upbit.tick_size(D("0.03"), "BTC") == D("0.00000001")


def test_tick_errors() -> None:
    with pytest.raises(ValueError, match="quote"):
        upbit.tick_size(D(1), "SGD")
    with pytest.raises(ValueError):
        upbit.tick_size(D(-1), "KRW")
    with pytest.raises(ValueError):
        upbit.tick_size(D("NaN"), "KRW")


def test_subscribe_tops_as_one_level_books() -> None:
    text = upbit.subscribe_message(
        ["KRW-BTC", "KRW-ETH"], ["KRW-BTC"], [], ticket="t", tops=["KRW-BTC", "KRW-ETH", "KRW-XRP"]
    )
    books = next(o for o in json.loads(text) if o.get("type") == "orderbook")
    assert books["codes"] == ["KRW-BTC", "KRW-ETH.1", "KRW-XRP.1"]
