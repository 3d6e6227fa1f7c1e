"""Upbit private codec: myOrder/myAsset frames (the samples of docs/protocols.md, "Upbit:
private websocket") and REST parsers ("Upbit: exchange REST (private)" samples), with exact
Decimal values."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from mdtui.model.events import (
    Balances,
    Fill,
    Heartbeat,
    Malformed,
    Order,
    OrdersSnapshot,
    VenueError,
)
from mdtui.venues import upbit_private
from mdtui.venues.private_common import BadBody
from mdtui.venues.upbit_private import (
    UpbitApiError,
    decode_private,
    parse_accounts,
    parse_error,
    parse_order,
    parse_order_rows,
    parse_orders,
    private_subscribe_message,
)
from tests.support.samples import load

D = Decimal
UUID = "ac2dc2a3-fce9-40a2-a4f6-5987c25c438f"

SIMPLE_KEYS = {
    "type": "ty",
    "code": "cd",
    "uuid": "uid",
    "ask_bid": "ab",
    "order_type": "ot",
    "state": "s",
    "trade_uuid": "tuid",
    "price": "p",
    "avg_price": "ap",
    "volume": "v",
    "remaining_volume": "rv",
    "executed_volume": "ev",
    "trades_count": "tc",
    "reserved_fee": "rsf",
    "remaining_fee": "rmf",
    "paid_fee": "pf",
    "locked": "l",
    "executed_funds": "ef",
    "time_in_force": "tif",
    "trade_fee": "tf",
    "is_maker": "im",
    "identifier": "id",
    "smp_type": "smpt",
    "prevented_volume": "pv",
    "prevented_locked": "pl",
    "trade_timestamp": "ttms",
    "order_timestamp": "otms",
    "timestamp": "tms",
    "stream_type": "st",
    "asset_uuid": "astuid",
    "assets": "ast",
    "currency": "cu",
    "balance": "b",
    "asset_timestamp": "asttms",
}
"""DEFAULT -> SIMPLE keys, from the myOrder/myAsset field lists (docs/protocols.md, "Upbit:
private websocket")."""


def to_simple(frame: bytes) -> bytes:
    """Rename keys in the text itself, so number literals keep every digit."""
    text = frame.decode()

    def rename(m: re.Match[str]) -> str:
        return f'"{SIMPLE_KEYS[m.group(1)]}":'

    return re.sub(r'"(\w+)":', rename, text).encode()


def with_fields(frame: bytes, **fields: object) -> bytes:
    """The sample with some fields replaced (JSON values; number literals elsewhere kept)."""
    text = frame.decode()
    for key, value in fields.items():
        text, n = re.subn(
            rf'"{key}": ("[^"]*"|[^,}}]+)', f'"{key}": {json.dumps(value)}', text, count=1
        )
        assert n == 1, key
    return text.encode()


# --------------------------------------------------------------------------- myOrder


def test_my_order_trade_gives_order_and_fill() -> None:
    events = decode_private(load("upbit_myorder"))
    assert [type(e) for e in events] == [Order, Fill]
    order, fill = events
    assert order == Order(
        venue="upbit",
        market="SGD-XRP",
        order_id=UUID,
        side="buy",
        order_type="limit",
        state="partial",
        raw_state="trade",
        price=None,  # the frame's price is the fill's
        qty=D("60893929.39075317"),  # executed + remaining
        filled=D("30925891.29839369"),
        remaining=D("29968038.09235948"),
        avg_price=D("0.00145372"),
        amount=None,
        filled_value=D("44935.32005656603"),
        fee=D("22.467660028283017"),
        created_ms=1710751590000,
        updated_ms=1710751597500,
        client_id="test-1",
        time_in_force=None,
    )
    assert fill == Fill(
        venue="upbit",
        market="SGD-XRP",
        order_id=UUID,
        trade_id="68315169-fba4-4175-ade3-aff14a616657",
        side="buy",
        price=D("0.001453"),
        size=D("30925891.29839369"),
        value=D("44935.32005656603157"),
        fee=D("22.467660028283017"),
        fee_currency="SGD",
        is_maker=True,
        ts=1710751590421,
    )
    assert fill.value == fill.price * fill.size  # exact (within the default precision)


def test_my_order_simple_keys_decode_the_same() -> None:
    simple = to_simple(load("upbit_myorder"))
    assert b'"ty":"myOrder"' in simple.replace(b" ", b"")
    assert decode_private(simple) == decode_private(load("upbit_myorder"))


def test_my_order_list_frames() -> None:
    one = load("upbit_myorder")
    events = decode_private(b"[" + one + b"," + load("upbit_myasset") + b"]")
    assert [type(e) for e in events] == [Order, Fill, Balances]
    simple = to_simple(one)
    assert decode_private(b"[" + simple + b"]") == decode_private(one)


@pytest.mark.parametrize(
    ("state", "executed", "remaining", "expected"),
    [
        ("wait", 0, 10, "open"),
        ("wait", 2, 8, "partial"),
        ("watch", 0, 10, "pending"),
        ("trade", 2, 8, "partial"),
        ("trade", 10, 0, "partial"),  # the `done` frame that follows makes it filled
        ("done", 10, 0, "filled"),
        ("cancel", 0, 10, "cancelled"),
        ("cancel", 2, 0, "cancelled"),
        ("prevented", 0, 0, "cancelled"),
        ("prevented", 2, 5, "partial"),
        ("someday", 0, 10, "open"),
    ],
)
def test_my_order_states(state: str, executed: int, remaining: int, expected: str) -> None:
    frame = with_fields(
        load("upbit_myorder"),
        state=state,
        executed_volume=executed,
        remaining_volume=remaining,
    )
    order = decode_private(frame)[0]
    assert isinstance(order, Order)
    assert (order.state, order.raw_state) == (expected, state)
    assert order.filled == D(executed)


def test_my_order_wait_carries_order_price_and_volume() -> None:
    frame = with_fields(
        load("upbit_myorder"),
        state="wait",
        price=0.00145,
        volume=100.5,
        executed_volume=0,
        remaining_volume=100.5,
        trade_uuid=None,
        trade_fee=None,
        is_maker=None,
        ask_bid="ASK",
    )
    events = decode_private(frame)
    assert len(events) == 1
    order = events[0]
    assert isinstance(order, Order)
    assert (order.side, order.price, order.qty, order.amount) == (
        "sell",
        D("0.00145"),
        D("100.5"),
        None,
    )
    assert order.avg_price is None  # nothing filled


def test_my_order_market_buy_by_amount() -> None:
    frame = with_fields(
        load("upbit_myorder"),
        order_type="price",
        state="wait",
        price=10000,
        volume=None,
        executed_volume=0,
        remaining_volume=None,
    )
    order = decode_private(frame)[0]
    assert isinstance(order, Order)
    assert (order.order_type, order.price, order.qty, order.amount) == (
        "market",
        None,
        None,
        D(10000),
    )


def test_my_order_trade_without_price_still_updates_the_order() -> None:
    frame = with_fields(load("upbit_myorder"), price=None)
    events = decode_private(frame)
    assert [type(e) for e in events] == [Order, Malformed]


def test_my_order_without_trade_uuid_gets_a_stable_id() -> None:
    frame = with_fields(load("upbit_myorder"), trade_uuid=None)
    fill = decode_private(frame)[1]
    assert isinstance(fill, Fill)
    assert fill.trade_id == f"{UUID}#1"


# --------------------------------------------------------------------------- myAsset


def test_my_asset_is_a_partial_balance_delta() -> None:
    (event,) = decode_private(load("upbit_myasset"))
    assert isinstance(event, Balances)
    assert (event.venue, event.ts, event.complete) == ("upbit", 1710146517267, False)
    (row,) = event.rows
    assert row.currency == "SGD"
    assert row.available == D("1386929.37231066771348207123")
    assert row.in_orders == D("10329.670127489597585685")
    assert row.total == D("1397259.04243815731106775623")
    assert row.avg_buy_price is None
    assert row.ts == 1710146517259
    assert decode_private(to_simple(load("upbit_myasset"))) == [event]


# --------------------------------------------------------------------------- other frames


def test_status_error_and_unknown_frames() -> None:
    assert decode_private(b'{"status":"UP"}') == [Heartbeat(venue="upbit")]
    err = decode_private(
        '{"error":{"name":"INVALID_AUTH","message":"인증 정보가 올바르지 않습니다."}}'.encode()
    )
    assert err == [
        VenueError(venue="upbit", code="INVALID_AUTH", message="인증 정보가 올바르지 않습니다.")
    ]
    assert decode_private(b'{"type":"announcement","x":1}') == []
    assert decode_private(b'{"method":"LIST_SUBSCRIPTIONS","result":[]}') == []


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"not json",
        b"[]",
        b"42",
        b'{"type":"myOrder"}',
        b'{"type":"myOrder","code":"KRW-BTC","uuid":"u","ask_bid":"SIDEWAYS","order_type":"limit","state":"wait"}',
        b'{"type":"myAsset","assets":[{"currency":"KRW","balance":"NaN","locked":0}]}',
        b'{"type":"myAsset","assets":"none"}',
        b'{"ty":"myOrder","cd":"KRW-BTC"}',
        b"\xff\xfe",
    ],
)
def test_bad_frames_are_malformed(frame: bytes) -> None:
    events = decode_private(frame)
    assert events and all(isinstance(e, Malformed) for e in events)


# --------------------------------------------------------------------------- subscribe


def test_private_subscribe_message() -> None:
    msg = json.loads(private_subscribe_message(ticket="t-1"))
    assert msg == [
        {"ticket": "t-1"},
        {"type": "myOrder"},
        {"type": "myAsset"},
        {"format": "DEFAULT"},
    ]
    msg = json.loads(
        private_subscribe_message(["KRW-BTC", "KRW-ETH", "KRW-BTC"], fmt="SIMPLE", ticket="t")
    )
    assert msg[1] == {"type": "myOrder", "codes": ["KRW-BTC", "KRW-ETH"]}
    assert msg[-1] == {"format": "SIMPLE"}
    assert json.loads(private_subscribe_message([]))[1] == {"type": "myOrder"}
    assert len(json.loads(private_subscribe_message())[0]["ticket"]) == 36
    with pytest.raises(ValueError):
        private_subscribe_message(fmt="XML")


# --------------------------------------------------------------------------- REST


def test_parse_accounts_sample() -> None:
    snap = parse_accounts(load("upbit_accounts"), ts=1751600000000)
    assert (snap.venue, snap.ts, snap.complete) == ("upbit", 1751600000000, True)
    krw, btc = snap.rows
    assert (krw.currency, krw.total, krw.available, krw.in_orders) == (
        "KRW",
        D("1000000.0"),
        D("1000000.0"),
        D("0.0"),
    )
    assert krw.avg_buy_price == D(0)
    assert (btc.currency, btc.total, btc.avg_buy_price) == ("BTC", D("2.0"), D("140000000"))


def test_parse_accounts_locked_is_added_to_total() -> None:
    body = b'[{"currency":"eth","balance":"1.5","locked":"0.25","avg_buy_price":"5000000"}]'
    (row,) = parse_accounts(body).rows
    assert (row.currency, row.total, row.available, row.in_orders) == (
        "ETH",
        D("1.75"),
        D("1.5"),
        D("0.25"),
    )


def test_parse_open_orders_sample() -> None:
    body = b"[" + load("upbit_orders_open_row") + b"]"
    snap = parse_orders(body, ts=1717580300000, markets=["SGD-XRP"])
    assert isinstance(snap, OrdersSnapshot)
    assert (snap.venue, snap.ts, snap.markets, snap.complete) == (
        "upbit",
        1717580300000,
        ("SGD-XRP",),
        True,
    )
    (o,) = snap.orders
    assert o == Order(
        venue="upbit",
        market="SGD-XRP",
        order_id="637fd66-d019-4d77-bee6-8e0cff28edd9",
        side="sell",
        order_type="limit",
        state="open",
        raw_state="wait",
        price=D("1.5"),
        qty=D("10"),
        filled=D("0"),
        remaining=D("10"),
        avg_price=None,
        amount=None,
        filled_value=D("0"),
        fee=D("0"),
        created_ms=1717580230000,  # 2024-06-05T09:37:10Z
        updated_ms=1717580300000,
    )
    assert parse_orders(body).markets is None


def test_parse_closed_orders_sample() -> None:
    (o,) = parse_order_rows(load("upbit_orders_closed"))
    assert (o.side, o.state, o.raw_state, o.price, o.qty, o.filled) == (
        "buy",
        "filled",
        "done",
        D("140000000"),
        D("1.0"),
        D("1.0"),
    )
    assert o.fee == D("70000.0")
    assert o.created_ms == 1751608800000  # 2025-07-04T15:00:00+09:00
    assert o.updated_ms == o.created_ms  # no ts given
    assert o.avg_price is None  # no executed_funds in this sample
    snap = parse_orders(load("upbit_orders_closed"), complete=False)
    assert snap.complete is False


def test_parse_single_order_sample() -> None:
    o = parse_order(load("upbit_order_market"))
    assert (o.market, o.side, o.order_type, o.state, o.price, o.qty, o.filled) == (
        "KRW-USDT",
        "sell",
        "market",
        "filled",
        None,
        D("5.377594"),
        D("5.377594"),
    )
    assert o.fee == D("3.697095875")


def test_rest_average_price_from_funds() -> None:
    body = (
        b'[{"uuid":"u","side":"bid","ord_type":"price","price":"10000","state":"cancel",'
        b'"market":"KRW-BTC","created_at":"2025-01-01T00:00:00Z","executed_volume":"0.0001",'
        b'"executed_funds":"9999","paid_fee":"5"}]'
    )
    (o,) = parse_order_rows(body)
    assert (o.order_type, o.amount, o.price, o.avg_price) == (
        "market",
        D("10000"),
        None,
        D("99990000"),
    )


def test_rest_errors() -> None:
    assert parse_error(b'{"error":{"name":404,"message":"Code not found"}}') == (
        "404",
        "Code not found",
    )
    body = '{"error":{"name":"jwt_verification","message":"Jwt 토큰 검증에 실패했습니다."}}'
    assert parse_error(body) == ("jwt_verification", "Jwt 토큰 검증에 실패했습니다.")
    assert parse_error(load("upbit_accounts")) is None
    assert parse_error(b"<html>") is None
    with pytest.raises(UpbitApiError) as exc:
        parse_accounts(body.encode())
    assert (exc.value.name, exc.value.message) == (
        "jwt_verification",
        "Jwt 토큰 검증에 실패했습니다.",
    )
    with pytest.raises(UpbitApiError):
        parse_orders(b'{"error":{"name":"out_of_scope","message":"x"}}')
    for bad in [b"<html>", b"{}", b'[{"currency":"KRW"}]', b'[{"currency":"KRW","balance":"NaN"}]']:
        with pytest.raises(BadBody):
            parse_accounts(bad)
    with pytest.raises(BadBody):
        parse_order_rows(
            b'[{"uuid":"u","side":"bid","ord_type":"limit","state":"wait",'
            b'"market":"KRW-BTC","created_at":"yesterday"}]'
        )
    assert issubclass(BadBody, ValueError) and issubclass(UpbitApiError, ValueError)


def test_auth_problems() -> None:
    from mdtui.venues.upbit_private import auth_problem

    assert auth_problem("INVALID_AUTH").kind == "key"  # type: ignore[union-attr]
    assert auth_problem("no_authorization_ip").kind == "ip"  # type: ignore[union-attr]
    assert auth_problem("out_of_scope").kind == "permission"  # type: ignore[union-attr]
    assert auth_problem("expired_access_key").kind == "expired"  # type: ignore[union-attr]
    assert auth_problem("nonce_used").kind == "retry"  # type: ignore[union-attr]
    assert auth_problem("insufficient_funds_bid") is None
    for name in ("INVALID_AUTH", "no_authorization_ip", "out_of_scope"):
        assert "Upbit" in auth_problem(name).hint  # type: ignore[union-attr]


def test_order_trades_become_fills() -> None:
    """The ``GET /v1/order`` market-order sample: one trade, exact values."""
    fills = upbit_private.parse_order_fills(load("upbit_order_market"))
    assert len(fills) == 1
    fill = fills[0]
    assert fill.order_id == "3b67e543-8ad3-48d0-8451-0dad315cae73"
    assert fill.trade_id == "795dff29-bba6-49b2-baab-63473ab7931c"
    assert (fill.market, fill.side) == ("KRW-USDT", "sell")
    assert fill.price == Decimal("1375") and fill.size == Decimal("5.377594")
    assert fill.value == Decimal("7394.19175")
    assert fill.fee is None and fill.is_maker is None
    assert fill.ts == 1754725440597


# --------------------------------------------------------------------------- one order builder

CREATED_MS = 1751608800000  # 2025-07-04T15:00:00+09:00
AGREE = {
    "partly filled limit buy": (
        {"state": "wait", "side": "bid", "ord_type": "limit", "price": "140000000"},
        {"volume": "1.0", "remaining_volume": "0.6", "executed_volume": "0.4"},
        {"executed_funds": "56000000", "paid_fee": "28000"},
    ),
    "filled limit sell": (
        {"state": "done", "side": "ask", "ord_type": "limit", "price": "1.5"},
        {"volume": "10", "remaining_volume": "0", "executed_volume": "10"},
        {"executed_funds": "15.2", "paid_fee": "0.0076"},
    ),
    "market buy by amount, cancelled with a remainder": (
        {"state": "cancel", "side": "bid", "ord_type": "price", "price": "10000"},
        {"remaining_volume": "0", "executed_volume": "0.0001"},
        {"executed_funds": "9999", "paid_fee": "4.9995"},
    ),
}
"""One order in a few states: its fields as a REST order object (decimals as strings)."""


STRINGS = ("state", "side", "ord_type")


def _rest_and_ws(row: dict[str, str], avg_price: str | None) -> tuple[bytes, bytes]:
    """The same order as a ``/v1/orders`` body and as a myOrder frame (numbers as JSON
    numbers, every digit kept; ``avg_price`` only in the frame, as documented: the REST
    order object has none)."""
    rest = {"uuid": "u-1", "market": "KRW-BTC", "created_at": "2025-07-04T15:00:00+09:00"}
    ws = [
        '"type": "myOrder"',
        '"code": "KRW-BTC"',
        '"uuid": "u-1"',
        f'"ask_bid": "{row["side"].upper()}"',
        f'"order_type": "{row["ord_type"]}"',
        f'"state": "{row["state"]}"',
        f'"order_timestamp": {CREATED_MS}',
        f'"timestamp": {CREATED_MS + 5000}',
    ]
    ws += [f'"{key}": {value}' for key, value in row.items() if key not in STRINGS]
    if avg_price is not None:
        ws.append(f'"avg_price": {avg_price}')
    return json.dumps([rest | row]).encode(), ("{" + ", ".join(ws) + "}").encode()


@pytest.mark.parametrize("case", AGREE)
@pytest.mark.parametrize("with_avg", [False, True], ids=["no avg_price", "avg_price"])
def test_stream_and_rest_give_the_same_order(case: str, with_avg: bool) -> None:
    """A myOrder frame and a REST row of the same order build the same Order (one builder,
    one average-price rule), whether or not the frame carries ``avg_price``."""
    state, sizes, money = AGREE[case]
    row = state | sizes | money
    avg = D(money["executed_funds"]) / D(sizes["executed_volume"])
    rest_body, frame = _rest_and_ws(row, str(avg) if with_avg else None)
    (from_rest,) = parse_order_rows(rest_body, ts=CREATED_MS + 5000)
    (from_ws,) = decode_private(frame)
    assert from_ws == from_rest
    assert from_rest.avg_price == avg
    assert from_rest.filled_value == D(money["executed_funds"])


def test_single_order_average_from_its_trades() -> None:
    """``GET /v1/order`` has no executed_funds in the current schema: the ``trades`` give
    the executed value, hence the average price."""
    o = parse_order(load("upbit_order_market"))
    assert o.filled_value == D("7394.19175")
    assert o.avg_price == D("1375")
    partial = load("upbit_order_market").replace(
        b'"executed_volume":"5.377594"', b'"executed_volume":"6"'
    )
    assert parse_order(partial).avg_price is None  # the trades do not cover the volume
