"""The demo account through the test hooks: private frames, REST, balances and the book.

Runs on the frozen simulator (nothing fills unless the test says so)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from mdtui.sim import Simulator
from mdtui.sim.engine.order_desk import OrderError
from mdtui.sim.engine.ticks import step_down, step_up
from tests.support.sim_client import (
    bearer,
    kapi,
    korbit_json,
    korbit_query,
    silent,
    upbit_frame,
    upbit_jwt,
)
from tests.support.waiting import wait_until

D = Decimal
MY_ORDER_FIELDS = {
    "type", "code", "uuid", "ask_bid", "order_type", "state", "trade_uuid", "price",
    "avg_price", "volume", "remaining_volume", "executed_volume", "trades_count",
    "reserved_fee", "remaining_fee", "paid_fee", "locked", "executed_funds", "time_in_force",
    "trade_fee", "is_maker", "identifier", "smp_type", "prevented_volume", "prevented_locked",
    "trade_timestamp", "order_timestamp", "timestamp", "stream_type",
}  # fmt: skip


async def upbit_socket(sim: Simulator, *types: dict[str, Any], fmt: str | None = None) -> Any:
    """A subscribed Upbit private socket (the PING round trip proves the request applied)."""
    ws = await connect(sim.upbit_private_ws_url, additional_headers=bearer(upbit_jwt()))
    body: list[dict[str, Any]] = [{"ticket": "test"}, *types]
    if fmt:
        body.append({"format": fmt})
    await ws.send(json.dumps(body))
    await ws.send("PING")
    assert await upbit_frame(ws) == {"status": "UP"}
    return ws


async def upbit_get(sim: Simulator, path: str, query: str = "") -> Any:
    url = f"{path}?{query}" if query else path
    headers = bearer(upbit_jwt(query=query or None))
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def korbit_socket(sim: Simulator, *requests: dict[str, Any]) -> ClientConnection:
    query = korbit_query([("timestamp", sim.server_time())])
    ws = await connect(f"{sim.korbit_private_ws_url}?{query}", additional_headers=kapi())
    await ws.send(json.dumps(list(requests)))
    for request in requests:
        assert await korbit_json(ws) == {"status": "success", "requestId": request["requestId"]}
    return ws


async def korbit_get(sim: Simulator, path: str, *params: tuple[str, str]) -> Any:
    query = korbit_query([*params, ("timestamp", sim.server_time())])
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get(f"{path}?{query}", headers=kapi())
    body = response.json()
    assert body["success"] is True, body
    return body["data"]


def _off_touch(sim: Simulator, venue: str, code: str, ticks: int, *, bid: bool) -> D:
    """``ticks`` ticks below the best bid (``bid``) or above the best ask."""
    market = sim.markets[venue][code]
    price, step = (market.bids[0].price, step_down) if bid else (market.asks[0].price, step_up)
    for _ in range(ticks):
        price = step(market.ladder, price)
    return price


def below_bid(sim: Simulator, venue: str, code: str, ticks: int = 2) -> D:
    return _off_touch(sim, venue, code, ticks, bid=True)


def above_ask(sim: Simulator, venue: str, code: str, ticks: int = 2) -> D:
    return _off_touch(sim, venue, code, ticks, bid=False)


def level_size(sim: Simulator, venue: str, code: str, price: D) -> D:
    market = sim.markets[venue][code]
    return sum((lv.size for lv in market.bids + market.asks if lv.price == price), D(0))


# -- Upbit ---------------------------------------------------------------------------------------


async def test_upbit_order_placed_filled_in_two_parts(private: Simulator) -> None:
    ws = await upbit_socket(private, {"type": "myOrder"}, {"type": "myAsset"})
    price = below_bid(private, "upbit", "KRW-BTC")
    before = level_size(private, "upbit", "KRW-BTC", price)
    order_id = private.place_order("upbit", "KRW-BTC", "buy", price, "0.01")
    assert isinstance(order_id, str)
    assert level_size(private, "upbit", "KRW-BTC", price) == before + D("0.01")

    placed = await upbit_frame(ws)
    assert placed.keys() == MY_ORDER_FIELDS
    assert (placed["uuid"], placed["state"], placed["ask_bid"]) == (order_id, "wait", "BID")
    assert placed["price"] == price and placed["volume"] == D("0.01")
    assert placed["trade_uuid"] is None and placed["is_maker"] is None
    reserve = price * D("0.01") * D("0.0005")
    assert placed["reserved_fee"] == reserve and placed["locked"] == price * D("0.01") + reserve
    asset = await upbit_frame(ws)
    assert asset["type"] == "myAsset" and [a["currency"] for a in asset["assets"]] == ["KRW"]
    assert asset["assets"][0]["locked"] == placed["locked"]

    (row,) = await upbit_get(private, "/v1/orders/open", "market=KRW-BTC")
    assert row["uuid"] == order_id and row["state"] == "wait" and row["price"] == str(price)
    assert all(isinstance(row[k], str) for k in ("volume", "locked", "remaining_volume"))

    private.fill_order("upbit", order_id, "0.004")
    trade = await upbit_frame(ws)
    assert (trade["state"], trade["volume"], trade["price"]) == ("trade", D("0.004"), price)
    assert trade["is_maker"] is True and trade["trade_uuid"]
    assert trade["trade_fee"] == price * D("0.004") * D("0.0005")
    assert trade["remaining_volume"] == D("0.006") and trade["executed_volume"] == D("0.004")
    assets = await upbit_frame(ws)
    assert {a["currency"] for a in assets["assets"]} == {"KRW", "BTC"}

    private.fill_order("upbit", order_id)
    last = await upbit_frame(ws)
    done = await upbit_frame(ws)
    assert (last["state"], last["volume"]) == ("trade", D("0.006"))
    assert (done["state"], done["trade_uuid"], done["trades_count"]) == ("done", None, 2)
    assert done["locked"] == 0 and done["paid_fee"] == price * D("0.01") * D("0.0005")
    assert (await upbit_frame(ws))["type"] == "myAsset"
    await ws.close()

    assert await upbit_get(private, "/v1/orders/open") == []
    detail = await upbit_get(private, "/v1/order", f"uuid={order_id}")
    assert detail["state"] == "done" and detail["executed_volume"] == "0.01"
    assert [t["volume"] for t in detail["trades"]] == ["0.004", "0.006"]
    (closed,) = await upbit_get(private, "/v1/orders/closed", "states[]=done&states[]=cancel")
    assert closed["uuid"] == order_id
    btc = next(a for a in await upbit_get(private, "/v1/accounts") if a["currency"] == "BTC")
    assert D(btc["balance"]) == D("0.51") and btc["locked"] == "0"
    expected_avg = ((D("0.5") * 140_000_000 + D("0.01") * price) / D("0.51")).quantize(D("1E-8"))
    assert D(btc["avg_buy_price"]) == expected_avg
    krw = private.account("upbit").holdings["KRW"]
    assert krw.locked == 0
    assert krw.available == 100_000_000 - price * D("0.01") * D("1.0005")
    # each fill is also a public trade at the order's price
    ticks = await _public(private, "/v1/trades/ticks?market=KRW-BTC&count=2")
    assert [t["trade_price"] for t in ticks] == [float(price)] * 2
    assert [t["ask_bid"] for t in ticks] == ["ASK", "ASK"]  # sellers hit the bid


async def _public(sim: Simulator, path: str) -> Any:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        return (await client.get(path)).json()


async def test_upbit_cancel_sell_and_code_filter_in_simple_format(private: Simulator) -> None:
    ws = await upbit_socket(
        private, {"type": "myOrder", "codes": ["KRW-ETH"]}, {"type": "myAsset"}, fmt="SIMPLE"
    )
    private.place_order("upbit", "KRW-BTC", "sell", above_ask(private, "upbit", "KRW-BTC"), "0.1")
    asset = await upbit_frame(ws)  # the BTC order is filtered out; its asset change is not
    assert asset["ty"] == "myAsset" and asset["ast"][0] == {
        "cu": "BTC",
        "b": D("0.4"),
        "l": D("0.1"),
    }
    order_id = private.place_order(
        "upbit", "KRW-ETH", "sell", above_ask(private, "upbit", "KRW-ETH"), "1"
    )
    placed = await upbit_frame(ws)
    assert (placed["ty"], placed["cd"], placed["uid"], placed["s"], placed["ab"]) == (
        "myOrder", "KRW-ETH", order_id, "wait", "ASK",
    )  # fmt: skip
    await upbit_frame(ws)
    private.cancel_order("upbit", order_id)
    canceled = await upbit_frame(ws)
    assert canceled["s"] == "cancel" and canceled["l"] == 0 and canceled["rv"] == 1
    eth = (await upbit_frame(ws))["ast"][0]
    assert (eth["cu"], eth["b"], eth["l"]) == ("ETH", 5, 0)
    closed = await upbit_get(private, "/v1/orders/closed", "state=cancel")
    assert [row["uuid"] for row in closed] == [order_id]
    open_rows = await upbit_get(private, "/v1/orders/open", "order_by=asc&limit=1&page=1")
    assert len(open_rows) == 1 and open_rows[0]["market"] == "KRW-BTC"
    await ws.close()


async def test_upbit_private_request_errors(private: Simulator) -> None:
    ws = await upbit_socket(private, {"type": "myAsset"})
    for request, name in (
        ('{"ticket":"t","type":"myOrder"}', "WRONG_FORMAT"),
        ('[{"ticket":"t"},{"type":"myAsset","codes":["KRW-BTC"]}]', "WRONG_FORMAT"),
        ('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"myOrder","codes":["krw-btc"]}]', "INVALID_PARAM"),
        ('[{"type":"myOrder"}]', "NO_TICKET"),
    ):
        await ws.send(request)
        assert (await upbit_frame(ws))["error"]["name"] == name
    await ws.send('[{"ticket":"t"},{"method":"LIST_SUBSCRIPTIONS"}]')
    assert (await upbit_frame(ws))["result"] == [{"type": "myAsset"}]  # errors kept it
    await ws.close()


async def test_no_snapshot_on_subscribe_and_hook_errors(private: Simulator) -> None:
    ws = await upbit_socket(private, {"type": "myOrder"}, {"type": "myAsset"})
    assert await silent(ws, 0.2)
    book = private.markets["upbit"]["KRW-BTC"]
    with pytest.raises(OrderError, match="cross"):
        private.place_order("upbit", "KRW-BTC", "buy", book.asks[0].price, "0.01")
    with pytest.raises(OrderError, match="valid price"):
        private.place_order("upbit", "KRW-BTC", "buy", book.bids[0].price - 1, "0.01")
    with pytest.raises(OrderError, match="available"):
        private.place_order("upbit", "KRW-BTC", "sell", book.asks[0].price, "5")
    with pytest.raises(OrderError, match="unknown market"):
        private.place_order("upbit", "btc_krw", "buy", "1000", "1")
    with pytest.raises(KeyError):
        private.fill_order("upbit", "no-such-order")
    assert await silent(ws, 0.1)
    await ws.close()


async def test_private_frames_are_held_not_dropped_during_a_stall(private: Simulator) -> None:
    ws = await upbit_socket(private, {"type": "myOrder"})
    private.stall(0.4)
    ids = [
        private.place_order(
            "upbit", "KRW-XRP", "buy", below_bid(private, "upbit", "KRW-XRP", n), "10"
        )
        for n in range(1, 6)
    ]
    assert await silent(ws, 0.2)
    got = [(await upbit_frame(ws, 2.0))["uuid"] for _ in ids]
    assert got == ids
    await ws.close()


# -- Korbit --------------------------------------------------------------------------------------


async def test_korbit_order_lifecycle_frames_and_rest(private: Simulator) -> None:
    ws = await korbit_socket(
        private,
        {"method": "subscribe", "type": "myOrder", "symbols": ["eth_krw"], "requestId": 1},
        {"method": "subscribe", "type": "myTrade", "symbols": ["eth_krw"], "requestId": 2,
         "accountSeqs": [1]},
        {"method": "subscribe", "type": "myAsset", "requestId": 3},
    )  # fmt: skip
    price = above_ask(private, "korbit", "eth_krw", 1)
    order_id = private.place_order("korbit", "eth_krw", "sell", price, "1.5")
    assert isinstance(order_id, int)
    placed = await korbit_json(ws)
    assert placed["channelType"] == "myOrder" and placed["symbol"] == "eth_krw"
    assert "type" not in placed and placed["order"]["accountSeq"] == 1
    (row,) = placed["order"]["orders"]
    assert row["orderId"] == order_id and row["status"] == "unfilled"
    assert (row["side"], row["price"], row["qty"], row["filledQty"]) == (
        "sell", str(price), "1.5", "0",
    )  # fmt: skip
    asset = await korbit_json(ws)
    assert "symbol" not in asset and asset["asset"]["accountSeq"] == 1
    (eth,) = asset["asset"]["assets"]
    assert (eth["currency"], eth["balance"], eth["available"], eth["tradeInUse"]) == (
        "eth", "4", "2.5", "1.5",
    )  # fmt: skip

    (open_row,) = await korbit_get(private, "/v2/openOrders", ("symbol", "eth_krw"))
    assert open_row["orderId"] == order_id and open_row["status"] == "open"

    private.fill_order("korbit", order_id, "0.5")
    order = (await korbit_json(ws))["order"]["orders"][0]
    assert (order["status"], order["filledQty"], order["avgPrice"]) == (
        "partiallyFilled", "0.5", str(price),
    )  # fmt: skip
    trade_frame = await korbit_json(ws)
    assert trade_frame["channelType"] == "myTrade"
    (trade,) = trade_frame["trade"]["trades"]
    fee = str((price * D("0.5") * D("0.0005")).normalize())
    assert (trade["orderId"], trade["qty"], trade["price"], trade["fee"]) == (
        order_id, "0.5", str(price), fee,
    )  # fmt: skip
    assert trade["isTaker"] is False and trade["feeCurrency"] == "krw"
    assets = {a["currency"]: a for a in (await korbit_json(ws))["asset"]["assets"]}
    assert assets.keys() == {"krw", "eth"} and assets["eth"]["balance"] == "3.5"

    private.cancel_order("korbit", order_id)
    canceled = (await korbit_json(ws))["order"]["orders"][0]
    assert canceled["status"] == "partiallyFilledCanceled"
    await korbit_json(ws)  # myAsset
    await ws.close()

    assert await korbit_get(private, "/v2/openOrders", ("symbol", "eth_krw")) == []
    (history,) = await korbit_get(private, "/v2/allOrders", ("symbol", "eth_krw"))
    assert history["status"] == "partiallyFilledCanceled" and history["filledQty"] == "0.5"
    (mine,) = await korbit_get(private, "/v2/myTrades")
    assert (mine["tradeId"], mine["feeQty"], mine["symbol"]) == (trade["tradeId"], fee, "eth_krw")
    balances = {b["currency"]: b for b in await korbit_get(private, "/v2/balance")}
    assert balances["eth"]["balance"] == "3.5" and balances["eth"]["tradeInUse"] == "0"
    proceeds = price * D("0.5") - D(fee)
    assert D(balances["krw"]["available"]) == 50_000_000 + proceeds


async def test_korbit_private_request_errors(private: Simulator) -> None:
    ws = await korbit_socket(private)
    for request, expected in (
        ("nope", {"status": "fail", "message": "invalid_format"}),
        ('[{"method":"subscribe","type":"ticker","symbols":["btc_krw"],"requestId":4}]',
         {"status": "fail", "code": "INVALID_REQUEST", "message": "unknown_type", "requestId": 4}),
        ('[{"method":"subscribe","type":"myOrder","requestId":5}]',
         {"status": "fail", "code": "INVALID_REQUEST", "message": "invalid_symbols",
          "requestId": 5}),
        ('[{"method":"subscribe","type":"myTrade","symbols":["BTC_KRW"]}]',
         {"status": "fail", "code": "INVALID_SYMBOL",
          "message": "The symbol does not exist (BTC_KRW)"}),
        ('[{"method":"subscribe","type":"myAsset","accountSeqs":[2],"requestId":6}]',
         {"status": "fail", "code": "INVALID_REQUEST", "message": "invalid_account_seqs",
          "requestId": 6}),
    ):  # fmt: skip
        await ws.send(request)
        assert await korbit_json(ws) == expected
    # subscribe then unsubscribe: nothing arrives for the pair any more
    await ws.send('[{"method":"subscribe","type":"myOrder","symbols":["btc_krw"]}]')
    await ws.send('[{"method":"unsubscribe","type":"myOrder","symbols":["btc_krw"],"requestId":9}]')
    assert await korbit_json(ws) == {"status": "success", "requestId": 9}
    private.place_order(
        "korbit", "btc_krw", "buy", below_bid(private, "korbit", "btc_krw"), "0.001"
    )
    assert await silent(ws, 0.2)
    await ws.close()


async def test_reconnected_client_sees_fills_through_rest(private: Simulator) -> None:
    ws = await upbit_socket(private, {"type": "myOrder", "codes": ["KRW-SOL"]})
    order_id = private.place_order(
        "upbit", "KRW-SOL", "buy", below_bid(private, "upbit", "KRW-SOL"), "2"
    )
    assert (await upbit_frame(ws))["state"] == "wait"
    public = await connect(private.upbit_ws_url)
    await wait_until(lambda: private.open_connections("upbit") == 2, 5.0, "the public socket")
    assert await private.drop_connections("upbit", channel="private") == 1
    assert private.open_connections("upbit") == 1  # the public socket stays
    await public.close()
    private.fill_order("upbit", order_id, "0.5")
    private.fill_order("upbit", order_id)
    detail = await upbit_get(private, "/v1/order", f"uuid={order_id}")
    assert detail["state"] == "done" and len(detail["trades"]) == 2
    assert await upbit_get(private, "/v1/orders/open", "market=KRW-SOL") == []


# -- fidelity against the verbatim samples in protocols/ -----------------------------------------

UPBIT_MY_ORDER_SAMPLE = json.loads(
    '{"type": "myOrder", "code": "SGD-XRP", "uuid": "ac2dc2a3-fce9-40a2-a4f6-5987c25c438f",'
    ' "ask_bid": "BID", "order_type": "limit", "state": "trade", "trade_uuid":'
    ' "68315169-fba4-4175-ade3-aff14a616657", "price": 0.001453, "avg_price": 0.00145372,'
    ' "volume": 30925891.29839369, "remaining_volume": 29968038.09235948, "executed_volume":'
    ' 30925891.29839369, "trades_count": 1, "reserved_fee": 44.23943970238218, "remaining_fee":'
    ' 21.77177967409916, "paid_fee": 22.467660028283017, "locked": 43565.33112787242,'
    ' "executed_funds": 44935.32005656603, "time_in_force": null, "trade_fee":'
    ' 22.467660028283017, "is_maker": true, "identifier": "test-1", "smp_type": "cancel_maker",'
    ' "prevented_volume": 1.174291929, "prevented_locked": 0.001706246173, "trade_timestamp":'
    ' 1710751590421, "order_timestamp": 1710751590000, "timestamp": 1710751597500,'
    ' "stream_type": "REALTIME"}'
)
UPBIT_MY_ASSET_SAMPLE = json.loads(
    '{"type": "myAsset", "asset_uuid": "e635f223-1609-4969-8fb6-4376937baad6", "assets":'
    ' [{"currency": "SGD", "balance": 1386929.37231066771348207123, "locked":'
    ' 10329.670127489597585685}], "asset_timestamp": 1710146517259, "timestamp": 1710146517267,'
    ' "stream_type": "REALTIME"}'
)
KORBIT_MY_ORDER_SAMPLE = json.loads(
    '{"symbol":"btc_krw","timestamp":1700000000000,"channelType":"myOrder","order":{"orders":'
    '[{"orderId":123456,"status":"partiallyFilled","side":"buy","orderType":"limit",'
    '"timeInForce":"gtc","price":"99017000","qty":"0.9","filledQty":"0.53793136",'
    '"amt":"89115300","filledAmt":"53260583.9536","avgPrice":"99010000",'
    '"createdAt":1700000001000,"lastFilledAt":1700000002000,'
    '"clientOrderId":"tjcfiDfSjq94giNAat31"}]}}'
)
KORBIT_MY_ASSET_SAMPLE = json.loads(
    '{"timestamp":1700000001000,"channelType":"myAsset","asset":{"assets":[{"currency":"btc",'
    '"balance":"10","available":"7","tradeInUse":"2","withdrawalInUse":"1","avgPrice":"50000",'
    '"updatedAt":1700000000000}]}}'
)
KORBIT_MY_TRADE_ROW = {
    "tradeId", "orderId", "side", "price", "qty", "fee", "feeCurrency", "filledAt", "isTaker",
}  # fmt: skip


async def test_frames_have_the_documented_shapes(private: Simulator) -> None:
    up = await upbit_socket(private, {"type": "myOrder"}, {"type": "myAsset"})
    order_id = private.place_order(
        "upbit", "KRW-BTC", "buy", below_bid(private, "upbit", "KRW-BTC"), "0.01"
    )
    private.fill_order("upbit", order_id, "0.005")
    frames = [await upbit_frame(up) for _ in range(4)]
    trade, asset = frames[2], frames[3]
    assert trade.keys() == UPBIT_MY_ORDER_SAMPLE.keys() and trade["state"] == "trade"
    numbers = ("price", "volume", "avg_price", "locked", "paid_fee", "trade_fee", "trades_count")
    assert all(isinstance(trade[k], int | D) for k in numbers)  # JSON numbers, not strings
    assert asset.keys() == UPBIT_MY_ASSET_SAMPLE.keys()
    assert asset["assets"][0].keys() == UPBIT_MY_ASSET_SAMPLE["assets"][0].keys()
    await up.close()

    kb = await korbit_socket(
        private,
        {"method": "subscribe", "type": "myOrder", "symbols": ["btc_krw"], "requestId": 1},
        {"method": "subscribe", "type": "myTrade", "symbols": ["btc_krw"], "requestId": 2},
        {"method": "subscribe", "type": "myAsset", "requestId": 3},
    )
    number = private.place_order(
        "korbit", "btc_krw", "buy", below_bid(private, "korbit", "btc_krw"), "0.01"
    )
    private.fill_order("korbit", number, "0.005")
    placed, _, order, my_trade, asset = [await korbit_json(kb) for _ in range(5)]
    sample_row = KORBIT_MY_ORDER_SAMPLE["order"]["orders"][0]
    assert order.keys() == KORBIT_MY_ORDER_SAMPLE.keys()
    row = order["order"]["orders"][0]
    assert row.keys() <= sample_row.keys() and sample_row.keys() - row.keys() == {
        "amt", "clientOrderId",
    }  # fmt: skip
    assert placed["order"]["orders"][0].keys() == row.keys() - {"avgPrice", "lastFilledAt"}
    assert my_trade["trade"]["trades"][0].keys() == KORBIT_MY_TRADE_ROW
    assert asset.keys() == KORBIT_MY_ASSET_SAMPLE.keys()
    assert asset["asset"]["assets"][0].keys() == KORBIT_MY_ASSET_SAMPLE["asset"]["assets"][0].keys()
    await kb.close()
