"""Korbit frame decoding: documented samples, control frames, private frames, malformed input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mdtui.model.events import Ack, Book, Malformed, Ticker, Trade, VenueError
from mdtui.venues import korbit
from tests.support.samples import check_sample, exact, load, only

D = Decimal


# --------------------------------------------------------------------------- samples


SAMPLES = {
    "korbit_ticker": (
        Ticker(
            venue="korbit",
            market="btc_krw",
            last=D("100650000"),
            prev_close=D("100497000"),
            change=D("153000"),
            change_pct=D("0.15"),
            open=D("100500000"),
            high=D("100651000"),
            low=D("100492000"),
            volume_24h=D("0.89102242"),
            value_24h=D("89632429.21566"),
            best_bid=D("100650000"),
            best_ask=D("100651000"),
            ts=1730365099072,  # the top-level (server send) time, not lastTradedAt
            snapshot=True,
        ),
        {"value_24h": "89632429.21566"},
    ),
    "korbit_orderbook": (
        Book(
            venue="korbit",
            market="btc_krw",
            bids=(
                (D("116455000"), D("0.00499")),
                (D("116453000"), D("0.01919775")),
                (D("116451000"), D("0.00059")),
            ),
            asks=(
                (D("116506000"), D("0.27522")),
                (D("116538000"), D("0.00665633")),
                (D("116542000"), D("0.03897506")),
            ),
            ts=1790134242563,  # data.timestamp: the book's own time
            snapshot=True,
        ),
        {},
    ),
    "korbit_trade": (
        Trade(
            venue="korbit",
            market="btc_krw",
            price=D("116439000"),
            size=D("0.0067"),
            side="sell",
            ts=1790134317520,
            trade_id="25441720",
            snapshot=True,
        ),
        {"size": "0.0067"},
    ),
}
"""Each documented sample: its one event, and fields whose digits must survive as sent."""


@pytest.mark.parametrize(("name", "expected", "exacts"), [(n, *v) for n, v in SAMPLES.items()])
def test_samples(name: str, expected: object, exacts: dict[str, str]) -> None:
    check_sample(korbit.decode(load(name)), expected, exacts)


def test_trade_rows_and_taker_side() -> None:
    frame = json.loads(load("korbit_trade"))
    row = frame["data"][0]
    frame["data"] = [row, row | {"isBuyerTaker": True, "tradeId": 25441721, "qty": "1.50"}]
    del frame["snapshot"]
    first, second = korbit.decode(json.dumps(frame))
    assert (first.side, second.side) == ("sell", "buy")
    assert second.trade_id == "25441721"
    assert exact(second.size, "1.50")
    assert first.snapshot is second.snapshot is False


def test_empty_trade_data_gives_no_events() -> None:
    frame = json.loads(load("korbit_trade"))
    frame["data"] = []
    assert korbit.decode(json.dumps(frame)) == []


@pytest.mark.parametrize("name", ["korbit_ticker", "korbit_orderbook", "korbit_trade"])
@pytest.mark.parametrize(("value", "expected"), [(None, False), (False, False), ("omit", False)])
def test_snapshot_flag_missing_or_null_is_false(name: str, value: object, expected: bool) -> None:
    frame = json.loads(load(name))
    if value == "omit":
        del frame["snapshot"]
    else:
        frame["snapshot"] = value
    assert all(ev.snapshot is expected for ev in korbit.decode(json.dumps(frame)))


def test_stopped_pair_empty_book_and_zero_best_prices() -> None:
    book = json.loads(load("korbit_orderbook"))
    book["data"]["bids"] = book["data"]["asks"] = []
    ev = only(korbit.decode(json.dumps(book)))
    assert (ev.bids, ev.asks) == ((), ())
    ticker = json.loads(load("korbit_ticker"))
    ticker["data"] |= {"bestBidPrice": "0", "bestAskPrice": "0"}
    ev = only(korbit.decode(json.dumps(ticker)))
    assert (ev.best_bid, ev.best_ask) == (None, None)
    del ticker["data"]["bestBidPrice"]
    assert only(korbit.decode(json.dumps(ticker))).best_bid is None


def test_grouped_book_extra_level_fields_ignored() -> None:
    frame = json.loads(load("korbit_orderbook"))
    for lv in frame["data"]["bids"]:
        lv["amt"] = "1"
        lv["quoteVolume"] = "2"
    assert korbit.decode(json.dumps(frame)) == korbit.decode(load("korbit_orderbook"))


def test_unknown_fields_ignored() -> None:
    frame = json.loads(load("korbit_ticker"))
    frame["new"] = {"x": [1]}
    frame["data"]["newField"] = "7"
    assert korbit.decode(json.dumps(frame)) == korbit.decode(load("korbit_ticker"))


def test_binary_and_text_frames_agree() -> None:
    raw = load("korbit_orderbook")
    assert korbit.decode(raw) == korbit.decode(raw.decode())


def test_unknown_type_ignored() -> None:
    frame = json.loads(load("korbit_ticker"))
    frame["type"] = "candle"
    assert korbit.decode(json.dumps(frame)) == []


@pytest.mark.parametrize("name", ["korbit_myorder", "korbit_myasset"])
def test_private_frames_give_no_public_events(name: str) -> None:
    """channelType frames are for korbit_private.decode_private; the public codec skips them."""
    assert korbit.decode(load(name)) == []


# --------------------------------------------------------------------------- control frames

CONTROL = [
    ('{"status": "success", "requestId": 1}', Ack(venue="korbit", request_id=1)),
    ('{"status":"success"}', Ack(venue="korbit", request_id=None)),
    (
        '{"status": "fail", "requestId": 2, "code": "..."}',
        VenueError(venue="korbit", code="...", message="", request_id=2),
    ),
    (
        '{"status": "error", "message": "..."}',
        VenueError(venue="korbit", code="error", message="...", request_id=None),
    ),
    (
        '{"requestId": 1, "status": "fail", "code": "INVALID_SYMBOL", "message": '
        '"The symbol does not exist (eth_btc)"}',
        VenueError(
            venue="korbit",
            code="INVALID_SYMBOL",
            message="The symbol does not exist (eth_btc)",
            request_id=1,
        ),
    ),
    (
        '{"status":"fail","code":"INVALID_SYMBOL","message":"The symbol does not exist '
        '(nope_krw)","requestId":2}',
        VenueError(
            venue="korbit",
            code="INVALID_SYMBOL",
            message="The symbol does not exist (nope_krw)",
            request_id=2,
        ),
    ),
    (
        '{"status":"fail","code":"INVALID_REQUEST","message":"unknown_type","requestId":4}',
        VenueError(venue="korbit", code="INVALID_REQUEST", message="unknown_type", request_id=4),
    ),
    (
        '{"status":"fail","code":"INVALID_REQUEST","message":"invalid_level","requestId":11}',
        VenueError(venue="korbit", code="INVALID_REQUEST", message="invalid_level", request_id=11),
    ),
    (
        '{"status":"fail","message":"invalid_format"}',
        VenueError(venue="korbit", code="fail", message="invalid_format", request_id=None),
    ),
    (
        '{"status":"weird","message":"?"}',
        VenueError(venue="korbit", code="weird", message="?", request_id=None),
    ),
]


@pytest.mark.parametrize(("frame", "expected"), CONTROL)
def test_control_frames(frame: str, expected: object) -> None:
    assert korbit.decode(frame) == [expected]
    assert korbit.decode(frame.encode()) == [expected]


def test_status_is_routed_first() -> None:
    frame = json.loads(load("korbit_ticker"))
    frame |= {"status": "fail", "code": "X", "message": "m"}
    assert korbit.decode(json.dumps(frame)) == [
        VenueError(venue="korbit", code="X", message="m", request_id=None)
    ]


# --------------------------------------------------------------------------- malformed

TRADE = load("korbit_trade")
BOOK = load("korbit_orderbook")
TICKER = load("korbit_ticker")

MALFORMED = {
    "empty": b"",
    "not json": b"ping",
    "truncated": BOOK[:-3],
    "bad utf-8 in string": b'{"type":"trade","symbol":"\xff"}',
    "bad utf-8 bare": b"\xff\xfe",
    "scalar": b"3.5",
    "null": b"null",
    "empty array": b"[]",
    "array of frames": b"[" + TRADE + b"]",
    "empty object": b"{}",
    "type not string": b'{"type":1,"symbol":"btc_krw"}',
    "missing data": TRADE.replace(b',"data":[', b',"x":['),
    "missing symbol": TRADE.replace(b'"symbol":"btc_krw",', b""),
    "data not array": b'{"symbol":"a","timestamp":1,"type":"trade","data":{}}',
    "price number not string": TRADE.replace(b'"116439000"', b"116439000"),
    "qty bool": BOOK.replace(b'"0.27522"', b"true"),
    "side not bool": TRADE.replace(b'"isBuyerTaker":false', b'"isBuyerTaker":"no"'),
    "tradeId string": TRADE.replace(b"25441720", b'"25441720"'),
    "snapshot string": TRADE.replace(b'"snapshot":true', b'"snapshot":"yes"'),
    "NaN price": TRADE.replace(b"116439000", b"NaN"),
    "Infinity qty": BOOK.replace(b"0.00499", b"Infinity"),
    "-inf ticker": TICKER.replace(b'"0.15"', b'"-inf"'),
    "garbage decimal": BOOK.replace(b"116455000", b"12abc"),
    "empty decimal": TICKER.replace(b'"100650000"', b'""'),
    "control status not string": b'{"status":1}',
    "control bad requestId": b'{"status":"success","requestId":"1"}',
    "control bool requestId": b'{"status":"success","requestId":true}',
}


@pytest.mark.parametrize("frame", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frames(frame: bytes) -> None:
    ev = only(korbit.decode(frame))
    assert isinstance(ev, Malformed), ev
    assert ev.venue == "korbit"
    assert ev.reason
    assert len(ev.frame) <= 200


def test_non_frame_object_does_not_raise() -> None:
    assert isinstance(only(korbit.decode(None)), Malformed)  # type: ignore[arg-type]
