"""Korbit private codec: channelType frames (the samples of docs/protocols.md, "Korbit:
private websocket", and the CLI's accountSeq fixture) and REST parsers ("Korbit: private
REST" samples), with exact Decimal values."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from mdtui.model.events import Ack, Balances, Fill, Malformed, Order, Ticker, VenueError
from mdtui.venues.korbit import ApiError
from mdtui.venues.korbit_private import (
    decode_private,
    parse_balance,
    parse_error,
    parse_my_trades,
    parse_order_rows,
    parse_orders,
    private_requests,
    private_subscribe_messages,
)
from mdtui.venues.private_common import BadBody
from tests.support.samples import load

D = Decimal

MY_TRADE = (
    b'{"symbol":"btc_krw","timestamp":1700000003000,"channelType":"myTrade","trade":'
    b'{"trades":[{"tradeId":777,"orderId":123456,"side":"buy","price":"99010000",'
    b'"qty":"0.12345678","fee":"2444.4","feeCurrency":"krw","filledAt":1700000002000,'
    b'"isTaker":true},{"tradeId":778,"orderId":123456,"side":"buy","price":"99000000",'
    b'"qty":"0.1","fee":"0.00001","feeCurrency":"btc","filledAt":1700000002500,'
    b'"isTaker":false}]}}'
)
"""Built from the myTrade field table (docs/protocols.md, "Korbit: private websocket"; no
verbatim sample is published)."""


def envelope(data: bytes) -> bytes:
    return b'{"success":true,"data":' + data + b"}"


OPEN_ORDERS = envelope(b"[" + load("korbit_order_row") + b"]")
MY_TRADES = envelope(
    b'[{"symbol":"btc_krw","tradeId":5,"orderId":42,"side":"sell","price":"100000000",'
    b'"qty":"0.0005","amt":"50000","tradedAt":1700000009000,"isTaker":false,'
    b'"feeCurrency":"krw","feeQty":"25"}]'
)


# --------------------------------------------------------------------------- frames


ONE_EVENT = {
    "myOrder frame": (
        lambda: decode_private(load("korbit_myorder")),
        Order(
            venue="korbit",
            market="btc_krw",
            order_id="123456",
            side="buy",
            order_type="limit",
            state="partial",
            raw_state="partiallyFilled",
            price=D("99017000"),
            qty=D("0.9"),
            filled=D("0.53793136"),
            remaining=D("0.36206864"),
            avg_price=D("99010000"),
            amount=D("89115300"),
            filled_value=D("53260583.9536"),
            fee=None,
            created_ms=1700000001000,
            updated_ms=1700000002000,  # lastFilledAt: later than the frame's timestamp here
            client_id="tjcfiDfSjq94giNAat31",
            time_in_force="gtc",
        ),
    ),
    "openOrders row": (
        lambda: list(parse_orders(OPEN_ORDERS, ts=1700000005000, symbol="btc_krw").orders),
        Order(
            venue="korbit",
            market="btc_krw",
            order_id="42",
            side="buy",
            order_type="limit",
            state="open",
            raw_state="open",
            price=D("100"),
            qty=D("0.001"),
            filled=D("0"),
            remaining=D("0.001"),
            avg_price=None,
            amount=None,
            filled_value=D("0"),
            fee=None,
            created_ms=1700000000000,
            updated_ms=1700000005000,
            client_id="abc",
            time_in_force="gtc",
        ),
    ),
    "myTrades row": (
        lambda: parse_my_trades(MY_TRADES),
        Fill(
            venue="korbit",
            market="btc_krw",
            order_id="42",
            trade_id="5",
            side="sell",
            price=D("100000000"),
            size=D("0.0005"),
            value=D("50000.0000"),
            fee=D("25"),
            fee_currency="KRW",
            is_maker=True,
            ts=1700000009000,
        ),
    ),
}
"""Frames and REST bodies that give exactly one event, and that event."""


@pytest.mark.parametrize(("decode", "expected"), ONE_EVENT.values(), ids=ONE_EVENT.keys())
def test_one_event(decode: Callable[[], list[object]], expected: object) -> None:
    assert decode() == [expected]


def test_my_order_account_seq_fixture() -> None:
    (o,) = decode_private(load("korbit_myorder_accountseq"))
    assert isinstance(o, Order)
    assert (o.order_id, o.client_id, o.side, o.state, o.raw_state) == (
        "9001",
        "cid-1",
        "buy",
        "open",
        "unfilled",
    )
    assert (o.price, o.qty, o.filled, o.remaining) == (
        D("100000000"),
        D("0.003"),
        D(0),
        D("0.003"),
    )
    # No symbol, orderType or times in this fixture: unknown, filled in by the store.
    assert (o.market, o.order_type, o.created_ms, o.updated_ms) == ("", "", 0, 0)


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("pending", "0", "pending"),
        ("unfilled", "0", "open"),
        ("open", "0", "open"),
        ("open", "0.1", "partial"),
        ("partiallyFilled", "0.1", "partial"),
        ("filled", "0.9", "filled"),
        ("canceled", "0", "cancelled"),
        ("partiallyFilledCanceled", "0.1", "cancelled"),
        ("expired", "0", "rejected"),
        ("newWord", "0", "open"),
    ],
)
def test_order_states(status: str, filled: str, expected: str) -> None:
    frame = (
        '{"symbol":"btc_krw","timestamp":1700000000000,"channelType":"myOrder","order":{"orders":[{'
        f'"orderId":1,"status":"{status}","side":"sell","orderType":"limit","price":"1",'
        f'"qty":"0.9","filledQty":"{filled}","filledAmt":"0","createdAt":1700000000000}}]}}}}'
    )
    (o,) = decode_private(frame)
    assert isinstance(o, Order)
    assert (o.state, o.raw_state, o.filled) == (expected, status, D(filled))


def test_my_trade_rows_become_fills() -> None:
    a, b = decode_private(MY_TRADE)
    assert a == Fill(
        venue="korbit",
        market="btc_krw",
        order_id="123456",
        trade_id="777",
        side="buy",
        price=D("99010000"),
        size=D("0.12345678"),
        value=D("12223455.78780000"),
        fee=D("2444.4"),
        fee_currency="KRW",
        is_maker=False,
        ts=1700000002000,
    )
    assert a.value == D("99010000") * D("0.12345678")
    assert isinstance(b, Fill)
    assert (b.is_maker, b.fee, b.fee_currency, b.value) == (
        True,
        D("0.00001"),
        "BTC",
        D("9900000.0"),
    )


def test_my_asset_sample() -> None:
    (ev,) = decode_private(load("korbit_myasset"))
    assert isinstance(ev, Balances)
    assert (ev.venue, ev.ts, ev.complete) == ("korbit", 1700000001000, False)
    btc, eth = ev.rows
    assert (btc.currency, btc.total, btc.available, btc.in_orders, btc.avg_buy_price, btc.ts) == (
        "BTC",
        D("10"),
        D("7"),
        D("2"),
        D("50000"),
        1700000000000,
    )
    assert (eth.currency, eth.total, eth.available, eth.in_orders, eth.avg_buy_price) == (
        "ETH",
        D("100"),
        D("70"),
        D("20"),
        D("5000"),
    )


def test_control_public_and_unknown_frames() -> None:
    assert decode_private(b'{"status":"success","requestId":3}') == [
        Ack(venue="korbit", request_id=3)
    ]
    assert decode_private(b'{"status":"fail","message":"invalid_format"}') == [
        VenueError(venue="korbit", code="fail", message="invalid_format")
    ]
    (t,) = decode_private(load("korbit_ticker"))
    assert isinstance(t, Ticker)
    assert decode_private(b'{"channelType":"myFuture","x":{}}') == []
    empty = b'{"channelType":"myOrder","symbol":"btc_krw","order":{"orders":[]}}'
    assert decode_private(empty) == []


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"nope",
        b"[]",
        b'{"channelType":7}',
        b'{"channelType":"myOrder"}',
        b'{"channelType":"myOrder","order":{"orders":[{"orderId":1,"status":"open"}]}}',
        b'{"channelType":"myOrder","order":{"orders":[{"orderId":1,"status":"open","side":"buy","price":"NaN"}]}}',
        b'{"channelType":"myTrade","trade":{"trades":[{"tradeId":1,"orderId":1,"side":"buy","price":"1"}]}}',
        b'{"channelType":"myAsset","asset":{"assets":[{"currency":"krw","balance":"Infinity","available":"1"}]}}',
        b'{"channelType":"myAsset","asset":[]}',
        b"\xc3\x28",
    ],
)
def test_bad_frames_are_malformed(frame: bytes) -> None:
    events = decode_private(frame)
    assert events and all(isinstance(e, Malformed) for e in events)


# --------------------------------------------------------------------------- subscribe


def test_private_subscribe_messages() -> None:
    (frame,) = private_subscribe_messages(["eth_krw", "btc_krw", "btc_krw"], ids=itertools.count(7))
    assert json.loads(frame) == [
        {
            "method": "subscribe",
            "type": "myOrder",
            "symbols": ["btc_krw", "eth_krw"],
            "requestId": 7,
        },
        {
            "method": "subscribe",
            "type": "myTrade",
            "symbols": ["btc_krw", "eth_krw"],
            "requestId": 8,
        },
        {"method": "subscribe", "type": "myAsset", "requestId": 9},
    ]
    (frame,) = private_subscribe_messages([], ids=itertools.count(1), account_seqs=[1])
    assert json.loads(frame) == [
        {"method": "subscribe", "type": "myAsset", "requestId": 1, "accountSeqs": [1]}
    ]
    a, b = private_requests([], ids=None), private_requests([], ids=None)
    assert a[0].request_id != b[0].request_id


# --------------------------------------------------------------------------- REST


def test_parse_balance_sample_bare_and_enveloped() -> None:
    bare = parse_balance(load("korbit_balance_rows"), ts=5)
    wrapped = parse_balance(envelope(load("korbit_balance_rows")), ts=5)
    assert bare == wrapped
    assert (bare.venue, bare.complete, bare.ts) == ("korbit", True, 5)
    (krw,) = bare.rows
    assert (krw.currency, krw.total, krw.available, krw.in_orders, krw.avg_buy_price, krw.ts) == (
        "KRW",
        D("1000"),
        D("800"),
        D("200"),
        D("0"),
        5,
    )


def test_parse_open_orders_sample() -> None:
    snap = parse_orders(OPEN_ORDERS, ts=1700000005000, symbol="btc_krw")
    assert (snap.venue, snap.markets, snap.complete, snap.ts) == (
        "korbit",
        ("btc_krw",),
        True,
        1700000005000,
    )
    # The row's own symbol wins over the one requested.
    assert parse_order_rows(OPEN_ORDERS, ts=1700000005000, symbol="other") == list(snap.orders)
    assert parse_orders(envelope(b"[]"), symbol="eth_krw").orders == ()


def test_error_envelope() -> None:
    err = parse_error(load("korbit_error_time_window"))
    assert isinstance(err, ApiError)
    assert (err.code, err.message, err.description) == (400, "EXCEED_TIME_WINDOW", "skew")  # type: ignore[attr-defined]
    assert parse_error(envelope(b"[]")) is None
    assert parse_error(b"[]") is None
    for parse in (parse_balance, parse_orders, parse_my_trades):
        with pytest.raises(ApiError) as exc:
            parse(load("korbit_error_time_window"))  # type: ignore[operator]
        assert exc.value.message == "EXCEED_TIME_WINDOW"
    bare_fail = parse_error(b'{"success":false}')
    assert bare_fail is not None and bare_fail.message == "success is false"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>",
        b'{"success":true}',
        b'{"data":[]}',
        b'{"success":true,"data":{}}',
        b'[{"currency":"krw"}]',
        b'[{"currency":"krw","balance":"NaN","available":"1"}]',
    ],
)
def test_bad_rest_bodies(body: bytes) -> None:
    with pytest.raises(BadBody):
        parse_balance(body)


def test_server_time_and_auth_problems() -> None:
    from mdtui.venues.korbit_private import auth_problem, parse_server_time

    assert parse_server_time(b'{"success":true,"data":{"time":1790133963596}}') == 1790133963596
    with pytest.raises(ApiError):
        parse_server_time(load("korbit_error_time_window"))
    with pytest.raises(BadBody):
        parse_server_time(b'{"success":true,"data":{}}')
    err = parse_error(load("korbit_error_time_window"))
    assert err is not None
    problem = auth_problem(err.message)
    assert problem is not None and problem.kind == "clock" and "Korbit" in problem.hint
    assert auth_problem("KEY_NOT_FOUND").kind == "key"  # type: ignore[union-attr]
    assert auth_problem("NO_BALANCE") is None


@pytest.mark.parametrize("avg", [None, "99010000"], ids=["no avgPrice", "avgPrice"])
def test_stream_and_rest_rows_give_the_same_order(avg: str | None) -> None:
    """A myOrder row and an ``/v2/openOrders`` row of one order build the same Order (one
    builder, and the average-price rule of Upbit: ``avgPrice``, else filledAmt/filledQty)."""
    row = json.loads(load("korbit_myorder"))["order"]["orders"][0]
    row["status"] = "partiallyFilled"
    if avg is None:
        del row["avgPrice"]
    ts = 1700000000000
    ws = {
        "symbol": "btc_krw",
        "timestamp": ts,
        "channelType": "myOrder",
        "order": {"orders": [row]},
    }
    (from_ws,) = decode_private(json.dumps(ws))
    (from_rest,) = parse_order_rows(envelope(json.dumps([row]).encode()), ts=ts, symbol="btc_krw")
    assert from_ws == from_rest
    assert from_rest.avg_price == D("99010000")  # 53260583.9536 / 0.53793136
