"""Korbit URLs, subscription diffs, the REST pair list and tick-size policy."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from mdtui.venues import korbit
from mdtui.venues.endpoints import Endpoints
from mdtui.venues.korbit import Request
from mdtui.venues.markets import MarketInfo
from mdtui.venues.subscription import EMPTY, Subscription
from tests.support.samples import load

D = Decimal


# --------------------------------------------------------------------------- endpoints


def test_default_endpoints() -> None:
    assert korbit.endpoints() == Endpoints(
        "wss://ws-api.korbit.co.kr/v2/public",
        "wss://ws-api.korbit.co.kr/v2/private",
        "https://api.korbit.co.kr",
    )


def test_rebranded_host() -> None:
    assert korbit.endpoints("digitalx.miraeasset.com") == Endpoints(
        "wss://ws-api.digitalx.miraeasset.com/v2/public",
        "wss://ws-api.digitalx.miraeasset.com/v2/private",
        "https://api.digitalx.miraeasset.com",
    )


def test_endpoints_from_base() -> None:
    assert korbit.endpoints_from_base("http://127.0.0.1:9999") == Endpoints(
        "ws://127.0.0.1:9999/v2/public",
        "ws://127.0.0.1:9999/v2/private",
        "http://127.0.0.1:9999",
    )


# --------------------------------------------------------------------------- subscriptions


def frames(old: Subscription, new: Subscription) -> list[list[dict]]:
    return [json.loads(f) for f in korbit.subscribe_messages(old, new, ids=itertools.count(1))]


def test_first_subscription() -> None:
    new = Subscription.of(tickers=["eth_krw", "btc_krw"], books=["btc_krw"], trades=["btc_krw"])
    assert frames(EMPTY, new) == [
        [
            {
                "method": "subscribe",
                "type": "ticker",
                "symbols": ["btc_krw", "eth_krw"],
                "requestId": 1,
            },
            {"method": "subscribe", "type": "orderbook", "symbols": ["btc_krw"], "requestId": 2},
            {"method": "subscribe", "type": "trade", "symbols": ["btc_krw"], "requestId": 3},
        ]
    ]


def test_market_switch_unsubscribes_first() -> None:
    old = Subscription.of(["btc_krw", "eth_krw"], ["btc_krw"], ["btc_krw"])
    new = Subscription.of(["btc_krw", "eth_krw"], ["eth_krw"], ["eth_krw"])
    unsub, sub = frames(old, new)
    assert unsub == [
        {"method": "unsubscribe", "type": "orderbook", "symbols": ["btc_krw"], "requestId": 1},
        {"method": "unsubscribe", "type": "trade", "symbols": ["btc_krw"], "requestId": 2},
    ]
    assert sub == [
        {"method": "subscribe", "type": "orderbook", "symbols": ["eth_krw"], "requestId": 3},
        {"method": "subscribe", "type": "trade", "symbols": ["eth_krw"], "requestId": 4},
    ]


def test_only_removals_and_no_change() -> None:
    old = Subscription.of(["btc_krw", "eth_krw"])
    assert frames(old, Subscription.of(["btc_krw"])) == [
        [{"method": "unsubscribe", "type": "ticker", "symbols": ["eth_krw"], "requestId": 1}]
    ]
    assert frames(old, old) == []
    assert frames(EMPTY, EMPTY) == []


def test_requests_keep_ids_for_ack_matching() -> None:
    reqs = korbit.requests_for(EMPTY, Subscription.of(["btc_krw"]), ids=iter([41]))
    assert reqs == [Request("subscribe", "ticker", ("btc_krw",), 41)]
    assert json.loads(korbit.encode_requests(reqs)) == [
        {"method": "subscribe", "type": "ticker", "symbols": ["btc_krw"], "requestId": 41}
    ]


def test_default_request_ids_are_unique() -> None:
    new = Subscription.of(["btc_krw"], ["btc_krw"])
    ids = [r.request_id for _ in range(3) for r in korbit.requests_for(EMPTY, new)]
    assert len(set(ids)) == len(ids) == 6
    assert all(isinstance(i, int) for i in ids)


def test_request_without_id_omits_key() -> None:
    assert json.loads(korbit.encode_requests([Request("subscribe", "trade", ("a_krw",))])) == [
        {"method": "subscribe", "type": "trade", "symbols": ["a_krw"]}
    ]


# --------------------------------------------------------------------------- REST


def test_parse_markets_sample() -> None:
    (info,) = korbit.parse_markets(load("korbit_currency_pairs"))
    assert info == MarketInfo(
        venue="korbit",
        market="algo_krw",
        base="ALGO",
        quote="KRW",
        korean_name=None,
        english_name=None,
        active=True,
        min_order_value=D("5000"),
        max_order_value=D("1000000000"),
        tick_bands=korbit.KRW_TICK_BANDS,
    )
    assert info.tick_size(D("250")) == D("0.1")


def test_parse_markets_stopped_and_unknown_fields() -> None:
    body = (
        b'{"success":true,"data":[{"symbol":"klay_krw","status":"stopped","baseCurrency":'
        b'"klay","quoteCurrency":"krw","new":1},{"symbol":"x_btc","status":"launched",'
        b'"baseCurrency":"x","quoteCurrency":"btc"}]}'
    )
    klay, x = korbit.parse_markets(body)
    assert (klay.active, klay.min_order_value) == (False, None)
    assert (x.quote, x.tick_bands) == ("BTC", ())


def test_parse_markets_error_envelope() -> None:
    body = b'{"success":false,"error":{"code":400,"message":"BAD_REQUEST"}}'
    with pytest.raises(korbit.ApiError) as info:
        korbit.parse_markets(body)
    assert (info.value.code, info.value.message) == (400, "BAD_REQUEST")
    with pytest.raises(korbit.ApiError):
        korbit.parse_markets(b'{"success":false}')


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"success":true,"data":[{}]}', b"<html>"])
def test_parse_markets_bad_body(body: bytes) -> None:
    with pytest.raises(ValueError):
        korbit.parse_markets(body)


def test_parse_tick_size_policy_sample() -> None:
    policy = korbit.parse_tick_size_policy(load("korbit_tick_size_policy"))
    table = policy["xrp_krw"]
    assert [(str(lo), str(t)) for lo, t in table] == [
        ("0", "0.0001"),
        ("1", "0.001"),
        ("10", "0.01"),
        ("100", "0.1"),
        ("1000", "1"),
        ("5000", "5"),
        ("1000000", "1000"),
    ]
    # The sample omits the 10000..500000 bands, so 600000 falls in the 5000 band here.
    assert korbit.tick_size(D("600000"), table) == D("5")
    assert korbit.tick_size(D("3.5"), table) == D("0.001")


def test_parse_tick_size_policy_sorts_bands() -> None:
    body = (
        b'{"success":true,"data":[{"symbol":"a_krw","tickSizePolicy":[{"priceGte":"10",'
        b'"tickSize":"0.01"},{"priceGte":"0","tickSize":"0.001"}],"orderbookLevels":[]}]}'
    )
    assert korbit.parse_tick_size_policy(body)["a_krw"] == ((D(0), D("0.001")), (D(10), D("0.01")))


def test_parse_tick_size_policy_rejects_bad_bands() -> None:
    body = (
        b'{"success":true,"data":[{"symbol":"a_krw","tickSizePolicy":[{"priceGte":"0",'
        b'"tickSize":"0"}]}]}'
    )
    with pytest.raises(ValueError):
        korbit.parse_tick_size_policy(body)


KRW_CASES = [
    ("0", "0.0001"),
    ("0.5", "0.0001"),
    ("1", "0.001"),
    ("9.999", "0.001"),
    ("10", "0.01"),
    ("99.99", "0.01"),
    ("100", "0.1"),
    ("999.9", "0.1"),
    ("1000", "1"),
    ("4999", "1"),
    ("5000", "5"),
    ("9995", "5"),
    ("10000", "10"),
    ("49990", "10"),
    ("50000", "50"),
    ("99950", "50"),
    ("100000", "100"),
    ("499900", "100"),
    ("500000", "500"),
    ("999500", "500"),
    ("1000000", "1000"),
    ("116455000", "1000"),
]


@pytest.mark.parametrize(("price", "tick"), KRW_CASES)
def test_krw_ticks(price: str, tick: str) -> None:
    assert korbit.tick_size(D(price)) == D(tick)


def test_korbit_matches_upbit_from_1000_krw_up() -> None:
    from mdtui.venues import upbit

    for price in ["1000", "4999", "5000", "12345", "77777", "250000", "750000", "3000000"]:
        assert korbit.tick_size(D(price)) == upbit.tick_size(D(price), "KRW")
