"""Korbit ``/v2/public`` against korbit.md, with a plain websockets client."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.frames import Opcode

from mdtui.sim import Limits, Simulator
from mdtui.sim.engine.ticks import KORBIT_KRW, is_on_tick
from tests.support.sim_client import recv, silent

TICKER_FIELDS = {
    "open", "high", "low", "close", "prevClose", "priceChange", "priceChangePercent",
    "volume", "quoteVolume", "bestAskPrice", "bestBidPrice", "lastTradedAt",
}  # fmt: skip


def subscribe(kind: str, *symbols: str, **extra: Any) -> dict[str, Any]:
    return {"method": "subscribe", "type": kind, "symbols": list(symbols), **extra}


async def frame(ws: ClientConnection, timeout: float = 2.0) -> Any:
    data = await recv(ws, timeout)
    assert isinstance(data, str), "Korbit sends text frames"
    return json.loads(data)


async def send(ws: ClientConnection, *requests: dict[str, Any]) -> None:
    await ws.send(json.dumps(list(requests)))


async def test_snapshot_flag_then_absent(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await send(ws, subscribe("ticker", "btc_krw"))
        first = await frame(ws)
        assert list(first) == ["symbol", "timestamp", "type", "snapshot", "data"]
        assert first["snapshot"] is True and first["type"] == "ticker"
        assert first["data"].keys() == TICKER_FIELDS
        assert all(isinstance(v, str) for k, v in first["data"].items() if k != "lastTradedAt")
        assert isinstance(first["data"]["lastTradedAt"], int)
        assert isinstance(first["timestamp"], int)
        later = await frame(ws)
        assert "snapshot" not in later and later["symbol"] == "btc_krw"


async def test_orderbook_full_top_30_sorted_on_tick(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await send(ws, subscribe("orderbook", "eth_krw", "doge_krw"))
        for _ in range(4):
            data = (await frame(ws))["data"]
            bids = [Decimal(b["price"]) for b in data["bids"]]
            asks = [Decimal(a["price"]) for a in data["asks"]]
            assert len(bids) == len(asks) == 30
            assert all(a > b for a, b in pairwise(bids))
            assert all(a < b for a, b in pairwise(asks))
            assert bids[0] < asks[0]
            assert all(is_on_tick(KORBIT_KRW, p) for p in bids + asks)
            assert all("E" not in level["qty"] for level in data["bids"] + data["asks"])


async def test_trade_rows_with_rising_ids(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await send(ws, subscribe("trade", "btc_krw"))
        snapshot = await frame(ws)
        assert snapshot["snapshot"] is True and len(snapshot["data"]) == 1
        ids = [snapshot["data"][0]["tradeId"]]
        while len(ids) < 6:
            message = await frame(ws)
            assert isinstance(message["data"], list)
            for row in message["data"]:
                assert set(row) == {"timestamp", "price", "qty", "isBuyerTaker", "tradeId"}
                ids.append(row["tradeId"])
        assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_acks_only_with_request_id(frozen: Simulator) -> None:
    async with connect(frozen.korbit_ws_url) as ws:
        await send(ws, subscribe("ticker", "btc_krw", requestId=7))
        assert await frame(ws) == {"status": "success", "requestId": 7}
        assert (await frame(ws))["snapshot"] is True
        await send(ws, subscribe("ticker", "eth_krw"))
        assert (await frame(ws))["symbol"] == "eth_krw"  # no ack first
        await send(ws, {"method": "unsubscribe", "type": "ticker", "symbols": ["eth_krw"]})
        assert await silent(ws, 0.2)


async def test_invalid_symbol(frozen: Simulator) -> None:
    async with connect(frozen.korbit_ws_url) as ws:
        await send(ws, subscribe("ticker", "nope_krw", requestId=2))
        assert await frame(ws) == {
            "status": "fail",
            "code": "INVALID_SYMBOL",
            "message": "The symbol does not exist (nope_krw)",
            "requestId": 2,
        }
        await send(ws, subscribe("ticker", "BTC_KRW"))  # case-sensitive, no requestId
        assert await frame(ws) == {
            "status": "fail",
            "code": "INVALID_SYMBOL",
            "message": "The symbol does not exist (BTC_KRW)",
        }


async def test_invalid_format_keeps_socket_open(frozen: Simulator) -> None:
    async with connect(frozen.korbit_ws_url) as ws:
        for raw in ('{"method":"subscribe","type":"ticker","symbols":["btc_krw"]}', "nonsense"):
            await ws.send(raw)
            assert await frame(ws) == {"status": "fail", "message": "invalid_format"}
        await send(ws, subscribe("ticker", "btc_krw"))
        assert (await frame(ws))["snapshot"] is True


async def test_unknown_type_and_invalid_level(frozen: Simulator) -> None:
    async with connect(frozen.korbit_ws_url) as ws:
        await send(ws, subscribe("nope", "btc_krw", requestId=4))
        assert await frame(ws) == {
            "status": "fail",
            "code": "INVALID_REQUEST",
            "message": "unknown_type",
            "requestId": 4,
        }
        await send(ws, subscribe("orderbook", "btc_krw", level="7", requestId=11))
        assert (await frame(ws))["message"] == "invalid_level"


async def test_grouped_orderbook_level(frozen: Simulator) -> None:
    async with connect(frozen.korbit_ws_url) as ws:
        await send(ws, subscribe("orderbook", "xrp_krw", level="10"))
        data = (await frame(ws))["data"]
        assert all(Decimal(b["price"]) % 10 == 0 for b in data["bids"] + data["asks"])
        assert {"price", "qty", "quoteVolume"} == data["bids"][0].keys()


async def test_unsubscribe_stops_frames(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await send(ws, subscribe("orderbook", "btc_krw"))
        await frame(ws)
        await frame(ws)
        unsubscribe = {"method": "unsubscribe", "type": "orderbook", "symbols": ["btc_krw"]}
        await send(ws, {**unsubscribe, "requestId": 3})
        message = await frame(ws)
        while message.get("status") != "success":
            message = await frame(ws)
        assert message == {"status": "success", "requestId": 3}
        assert await silent(ws, 0.3)


async def test_stopped_pair_sends_one_empty_snapshot(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await send(ws, subscribe("orderbook", "klay_krw"))
        data = (await frame(ws))["data"]
        assert data["bids"] == [] and data["asks"] == []
        assert await silent(ws, 0.2)


async def test_server_sends_protocol_pings() -> None:
    pings: list[bytes] = []

    class Recording(ClientConnection):
        def process_event(self, event: Any) -> None:
            if getattr(event, "opcode", None) is Opcode.PING:
                pings.append(bytes(event.data))
            super().process_event(event)

    limits = Limits(korbit_ping_interval=0.1)
    async with (
        Simulator(seed=1, realtime=False, limits=limits) as sim,
        connect(sim.korbit_ws_url, create_connection=Recording, ping_interval=None) as ws,
    ):
        await silent(ws, 0.35)
        assert pings[:2] == [b"ping", b"ping"]
        await ws.ping()  # client pings are answered


async def test_client_without_compression(frozen: Simulator) -> None:
    for url in (frozen.korbit_ws_url, frozen.upbit_ws_url):
        async with connect(url, compression=None) as ws:
            await ws.send("x" if url == frozen.korbit_ws_url else "PING")
            assert await recv(ws)
