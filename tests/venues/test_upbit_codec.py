"""Upbit frame decoding: documented samples, formats, control frames, malformed input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mdtui.model.events import Book, Candle, Heartbeat, Malformed, Ticker, Trade, VenueError
from mdtui.venues import upbit
from tests.support.samples import check_sample, exact, load, only

D = Decimal


# --------------------------------------------------------------------------- samples


SAMPLES = {
    "upbit_ticker": (
        Ticker(
            venue="upbit",
            market="KRW-ETH",
            last=D("36929"),
            prev_close=D("37235"),
            change=D("-306"),
            change_pct=D("-0.82180744"),
            open=D("37249"),
            high=D("37645"),
            low=D("36732"),
            volume_24h=D("0.22569412"),
            value_24h=D("8320.40577449"),
            best_bid=None,
            best_ask=None,
            ts=1693383690031,
            snapshot=True,
        ),
        {"change_pct": "-0.82180744", "value_24h": "8320.40577449"},
    ),
    "upbit_trade": (
        Trade(
            venue="upbit",
            market="KRW-ETH",
            price=D("37625"),
            size=D("0.00008428"),
            side="sell",
            ts=1696585056846,
            trade_id="1696585056846000",
            snapshot=True,
        ),
        {"size": "8.428e-05"},
    ),
    "upbit_trade_simple": (
        Trade(
            venue="upbit",
            market="KRW-BTC",
            price=D("6759000.0"),
            size=D("0.03243003"),
            side="buy",
            ts=1584257228000,
            trade_id="1584257228000000",
            snapshot=True,
        ),
        {"price": "6759000.0"},
    ),
}
"""Each documented sample: its one event, and fields whose digits must survive as sent."""


@pytest.mark.parametrize(("name", "expected", "exacts"), [(n, *v) for n, v in SAMPLES.items()])
def test_samples(name: str, expected: object, exacts: dict[str, str]) -> None:
    check_sample(upbit.decode(load(name)), expected, exacts)


def test_orderbook_sample() -> None:
    ev = only(upbit.decode(load("upbit_orderbook")))
    assert isinstance(ev, Book)
    assert (ev.venue, ev.market, ev.ts) == ("upbit", "KRW-ETH", 1746601573804)
    assert ev.snapshot is False  # the sample has no stream_type
    assert ev.bids == (
        (D("137001000"), D("0.03656812")),
        (D("137000000"), D("0.33543284")),
        (D("136999000"), D("0.00104379")),
        (D("136980000"), D("0.32709281")),
        (D("136978000"), D("0.00875219")),
    )
    assert ev.asks == (
        (D("137002000"), D("0.10623869")),
        (D("137023000"), D("0.06144079")),
        (D("137050000"), D("0.0055433")),
        (D("137052000"), D("0.00452071")),
        (D("137053000"), D("0.12781487")),
    )
    assert exact(ev.asks[2][1], "0.0055433")


def test_orderbook_snapshot_flag_and_level() -> None:
    frame = json.loads(load("upbit_orderbook"))
    frame |= {"stream_type": "SNAPSHOT", "level": 0}
    assert only(upbit.decode(json.dumps(frame))).snapshot is True
    frame["stream_type"] = "REALTIME"
    assert only(upbit.decode(json.dumps(frame))).snapshot is False


def test_orderbook_drops_zero_size_padding() -> None:
    frame = json.loads(load("upbit_orderbook"))
    units = frame["orderbook_units"]
    units[3]["bid_size"] = 0
    units.append({"ask_price": 137100000, "bid_price": 0, "ask_size": 0.5, "bid_size": 0})
    units.append({"ask_price": 0, "bid_price": 0, "ask_size": 0, "bid_size": 0})
    ev = only(upbit.decode(json.dumps(frame)))
    assert [p for p, _ in ev.bids] == [D(137001000), D(137000000), D(136999000), D(136978000)]
    assert len(ev.asks) == 6
    assert ev.asks[-1] == (D("137100000"), D("0.5"))


def test_long_trailing_zeros_survive() -> None:
    frame = json.loads(load("upbit_ticker"))
    text = json.dumps(frame).replace("8320.40577449", "860743.5307100000000000")
    ev = only(upbit.decode(text))
    assert exact(ev.value_24h, "860743.5307100000000000")
    assert str(ev.value_24h) == "860743.5307100000000000"


def test_change_pct_is_exact_percent() -> None:
    text = load("upbit_ticker").replace(b"-0.0082180744", b"0.12345678901234567890123456789")
    ev = only(upbit.decode(text))
    assert exact(ev.change_pct, "12.345678901234567890123456789")  # 29 digits, not rounded


SIMPLE_NAMES = {
    "type": "ty",
    "code": "cd",
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "prev_closing_price": "pcp",
    "change": "c",
    "change_price": "cp",
    "signed_change_price": "scp",
    "change_rate": "cr",
    "signed_change_rate": "scr",
    "trade_volume": "tv",
    "acc_trade_volume": "atv",
    "acc_trade_volume_24h": "atv24h",
    "acc_trade_price": "atp",
    "acc_trade_price_24h": "atp24h",
    "trade_date": "tdt",
    "trade_time": "ttm",
    "trade_timestamp": "ttms",
    "ask_bid": "ab",
    "acc_ask_volume": "aav",
    "acc_bid_volume": "abv",
    "highest_52_week_price": "h52wp",
    "highest_52_week_date": "h52wdt",
    "lowest_52_week_price": "l52wp",
    "lowest_52_week_date": "l52wdt",
    "market_state": "ms",
    "is_trading_suspended": "its",
    "delisting_date": "dd",
    "market_warning": "mw",
    "timestamp": "tms",
    "stream_type": "st",
    "total_ask_size": "tas",
    "total_bid_size": "tbs",
    "orderbook_units": "obu",
    "ask_price": "ap",
    "bid_price": "bp",
    "ask_size": "as",
    "bid_size": "bs",
    "sequential_id": "sid",
    "best_ask_price": "bap",
    "best_ask_size": "bas",
    "best_bid_price": "bbp",
    "best_bid_size": "bbs",
}


def to_simple(value: object) -> object:
    """A DEFAULT-key frame rewritten with SIMPLE keys (docs/protocols.md, "Upbit: public
    websocket")."""
    if isinstance(value, dict):
        return {SIMPLE_NAMES.get(k, k): to_simple(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_simple(v) for v in value]
    return value


@pytest.mark.parametrize("name", ["upbit_ticker", "upbit_trade", "upbit_orderbook"])
def test_simple_keys_decode_like_default(name: str) -> None:
    default = upbit.decode(load(name))
    simple_text = json.dumps(to_simple(json.loads(load(name))))
    assert '"ty":' in simple_text
    assert upbit.decode(simple_text) == default


# --------------------------------------------------------------------------- formats, frames


def test_binary_and_text_frames_agree() -> None:
    raw = load("upbit_ticker")
    assert upbit.decode(raw) == upbit.decode(raw.decode())


@pytest.mark.parametrize("simple", [False, True])
def test_list_formats(simple: bool) -> None:
    objs = [json.loads(load(n)) for n in ("upbit_ticker", "upbit_trade", "upbit_orderbook")]
    if simple:
        objs = [to_simple(o) for o in objs]
    events = upbit.decode(json.dumps(objs).encode())
    assert [type(e) for e in events] == [Ticker, Trade, Book]
    assert events == [
        only(upbit.decode(load(n))) for n in ("upbit_ticker", "upbit_trade", "upbit_orderbook")
    ]
    assert upbit.decode(json.dumps(objs[:1])) == events[:1]


def test_list_with_unknown_and_bad_elements() -> None:
    frame = (
        b"["
        + load("upbit_candle")
        + b","
        + load("upbit_trade")
        + b',{"type":"trade"},'
        + b'{"status":"UP"}]'
    )
    events = upbit.decode(frame)
    assert [type(e) for e in events] == [Candle, Trade, Malformed, Heartbeat]


def test_unknown_fields_ignored() -> None:
    frame = json.loads(load("upbit_trade"))
    frame |= {"brand_new_field": {"nested": [1, 2, 3]}, "another": None}
    assert upbit.decode(json.dumps(frame)) == upbit.decode(load("upbit_trade"))


@pytest.mark.parametrize("name", ["upbit_myorder", "upbit_myasset"])
def test_unhandled_types_are_ignored(name: str) -> None:
    assert upbit.decode(load(name)) == []


def test_list_subscriptions_reply_is_ignored() -> None:
    reply = b'{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":["KRW-BTC"]}],'
    reply += b'"ticket":"t"}'
    assert upbit.decode(reply) == []
    assert upbit.decode(b'{"mthd":"LIST_SUBSCRIPTIONS","rslt":[],"tckt":"t"}') == []


# --------------------------------------------------------------------------- control frames


@pytest.mark.parametrize("frame", [b'{"status":"UP"}', '{"status":"UP"}', b'{ "status" : "UP" }'])
def test_status_up_is_heartbeat(frame: bytes | str) -> None:
    assert upbit.decode(frame) == [Heartbeat(venue="upbit")]


def test_error_frame_observed_byte_order() -> None:
    raw = load("upbit_error_wrong_format")
    assert raw.startswith(b'{"error":{"message"')
    assert upbit.decode(raw) == [
        VenueError(venue="upbit", code="WRONG_FORMAT", message="Format 이 맞지 않습니다.")
    ]


def test_error_frame_with_integer_name() -> None:
    frame = b'{"error":{"name":404,"message":"Code not found"}}'
    assert upbit.decode(frame) == [VenueError(venue="upbit", code="404", message="Code not found")]


# --------------------------------------------------------------------------- malformed


MALFORMED = {
    "empty": b"",
    "not json": b"hello",
    "truncated": load("upbit_ticker")[:-10],
    "bad utf-8 in string": b'{"type":"trade","code":"\xff\xfe"}',
    "bad utf-8 bare": b"\xc3\x28",
    "scalar int": b"1",
    "scalar string": b'"ticker"',
    "null": b"null",
    "empty array": b"[]",
    "empty object": b"{}",
    "nested array": b"[[]]",
    "array of scalars": b"[1, 2]",
    "type not string": b'{"type": 5}',
    "missing required key": load("upbit_trade").replace(b'"trade_price":37625,', b""),
    "wrong type price": load("upbit_trade").replace(b'"trade_price":37625', b'"trade_price":true'),
    "wrong type code": load("upbit_trade").replace(b'"code":"KRW-ETH"', b'"code":7'),
    "bad ask_bid": load("upbit_trade").replace(b'"ask_bid":"ASK"', b'"ask_bid":"SELL"'),
    "float timestamp": load("upbit_trade").replace(b"1696585056846,", b"1696585056846.5,"),
    "units not a list": b'{"type":"orderbook","code":"K","orderbook_units":{},"timestamp":1}',
    "NaN price string": load("upbit_trade").replace(b"37625", b'"NaN"'),
    "Infinity in book": load("upbit_orderbook").replace(b"137001000", b'"Infinity"'),
    "NaN size in book": load("upbit_orderbook").replace(b"0.03656812", b'"NaN"'),
    "huge exponent rate": load("upbit_ticker").replace(b"-0.0082180744", b"1e999999999999999999"),
    "unknown status": b'{"status":"DOWN"}',
    "error not object": b'{"error":"boom"}',
    "error missing name": b'{"error":{"message":"x"}}',
    "no routing key": b'{"code":"KRW-BTC"}',
}


@pytest.mark.parametrize("frame", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frames(frame: bytes) -> None:
    events = upbit.decode(frame)
    assert events  # an array of bad elements gives one Malformed per element
    for ev in events:
        assert isinstance(ev, Malformed), ev
        assert ev.venue == "upbit"
        assert ev.reason
        assert len(ev.frame) <= 200


def test_malformed_keeps_first_200_chars() -> None:
    frame = "가" * 300  # not JSON; 3 UTF-8 bytes per character
    ev = only(upbit.decode(frame.encode()))
    assert isinstance(ev, Malformed)
    assert ev.frame == "가" * 200
    assert only(upbit.decode(frame)).frame == "가" * 200


@pytest.mark.parametrize("frame", [None, 12, object()])
def test_non_frame_objects_do_not_raise(frame: object) -> None:
    assert isinstance(only(upbit.decode(frame)), Malformed)  # type: ignore[arg-type]
