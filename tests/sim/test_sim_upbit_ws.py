"""Upbit ``/websocket/v1`` against upbit.md, with a plain websockets client."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mdtui.sim import Limits, Simulator
from mdtui.sim.engine.ticks import UPBIT_KRW, is_on_tick
from tests.support.sim_client import FAST, recv, silent

TICKER_FIELDS = {
    "type", "code", "opening_price", "high_price", "low_price", "trade_price",
    "prev_closing_price", "change", "change_price", "signed_change_price", "change_rate",
    "signed_change_rate", "trade_volume", "acc_trade_volume", "acc_trade_price",
    "acc_trade_volume_24h", "acc_trade_price_24h", "trade_date", "trade_time",
    "trade_timestamp", "ask_bid", "acc_ask_volume", "acc_bid_volume",
    "highest_52_week_price", "highest_52_week_date", "lowest_52_week_price",
    "lowest_52_week_date", "market_state", "delisting_date", "timestamp", "stream_type",
}  # fmt: skip
TRADE_FIELDS = {
    "type", "code", "trade_price", "trade_volume", "ask_bid", "prev_closing_price", "change",
    "change_price", "trade_date", "trade_time", "trade_timestamp", "timestamp",
    "sequential_id", "best_ask_price", "best_ask_size", "best_bid_price", "best_bid_size",
    "stream_type",
}  # fmt: skip
SIMPLE_TICKER = {
    "ty", "cd", "op", "hp", "lp", "tp", "pcp", "c", "cp", "scp", "cr", "scr", "tv", "atv",
    "atp", "atv24h", "atp24h", "tdt", "ttm", "ttms", "ab", "aav", "abv", "h52wp", "h52wdt",
    "l52wp", "l52wdt", "ms", "dd", "tms", "st",
}  # fmt: skip


def request(*types: dict[str, Any], fmt: str | None = None) -> str:
    body: list[dict[str, Any]] = [{"ticket": "test"}, *types]
    if fmt:
        body.append({"format": fmt})
    return json.dumps(body)


async def frame(ws: ClientConnection, timeout: float = 2.0) -> Any:
    """The next frame, which must be binary UTF-8 JSON; decimals kept exact."""
    data = await recv(ws, timeout)
    assert isinstance(data, bytes), "Upbit sends every frame as binary"
    return json.loads(data.decode("utf-8"), parse_float=Decimal)


async def test_snapshot_then_realtime_binary_frames(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(request({"type": "ticker", "codes": ["KRW-BTC"]}))
        first = await frame(ws)
        assert first["stream_type"] == "SNAPSHOT"
        assert first.keys() >= TICKER_FIELDS
        assert first["code"] == "KRW-BTC" and first["type"] == "ticker"
        assert first["change"] in ("RISE", "EVEN", "FALL")
        assert first["change_price"] == abs(first["signed_change_price"])
        assert len(first["trade_date"]) == 8 and len(first["trade_time"]) == 6
        later = await frame(ws)
        assert later["stream_type"] == "REALTIME"


async def test_trade_fields_and_orderbook_depth_suffix(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "trade", "codes": ["KRW-ETH"]},
                {"type": "orderbook", "codes": ["KRW-XRP.5", "KRW-SOL"]},
            )
        )
        seen: dict[tuple[str, str], Any] = {}
        while len(seen) < 3:
            message = await frame(ws)
            seen.setdefault((message["type"], message["code"]), message)
        trade = seen["trade", "KRW-ETH"]
        assert trade.keys() >= TRADE_FIELDS
        assert trade["trade_date"][4] == "-" and trade["trade_time"][2] == ":"
        assert trade["ask_bid"] in ("ASK", "BID")
        five, thirty = seen["orderbook", "KRW-XRP"], seen["orderbook", "KRW-SOL"]
        assert len(five["orderbook_units"]) == 5
        assert len(thirty["orderbook_units"]) == 30
        assert five["level"] == 0
        for book in (five, thirty):
            units = book["orderbook_units"]
            assert units[0]["bid_price"] < units[0]["ask_price"]
            assert all(a["ask_price"] < b["ask_price"] for a, b in pairwise(units))
            assert all(a["bid_price"] > b["bid_price"] for a, b in pairwise(units))
            for unit in units:
                assert is_on_tick(UPBIT_KRW, unit["ask_price"])
                assert is_on_tick(UPBIT_KRW, unit["bid_price"])
            assert book["total_ask_size"] == sum(u["ask_size"] for u in units)


@pytest.mark.parametrize(("suffix", "depth"), [("1", 1), ("15", 15), ("7", 30), ("30", 30)])
async def test_depth_fallback(frozen: Simulator, suffix: str, depth: int) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(request({"type": "orderbook", "codes": [f"KRW-BTC.{suffix}"]}))
        assert len((await frame(ws))["orderbook_units"]) == depth


async def test_simple_format_keys(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "ticker", "codes": ["KRW-BTC"]},
                {"type": "orderbook", "codes": ["KRW-BTC.1"]},
                fmt="SIMPLE",
            )
        )
        by_type = {}
        while len(by_type) < 2:
            message = await frame(ws)
            by_type[message["ty"]] = message
        assert by_type["ticker"].keys() >= SIMPLE_TICKER
        assert "type" not in by_type["ticker"]
        book = by_type["orderbook"]
        assert {"ty", "cd", "tms", "tas", "tbs", "obu", "st", "lv"} <= book.keys()
        assert set(book["obu"][0]) == {"ap", "bp", "as", "bs"}


async def test_list_format_sends_arrays(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
                fmt="SIMPLE_LIST",
            )
        )
        snapshots = await frame(ws)
        assert isinstance(snapshots, list) and {m["cd"] for m in snapshots} == {
            "KRW-BTC",
            "KRW-ETH",
        }
        assert all(m["st"] == "SNAPSHOT" for m in snapshots)
        realtime = await frame(ws)
        assert isinstance(realtime, list) and realtime[0]["st"] == "REALTIME"


async def test_format_object_anywhere_and_camel_case_flags(frozen: Simulator) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(
            json.dumps(
                [
                    {"format": "SIMPLE"},
                    {"ticket": "t"},
                    {"type": "ticker", "codes": ["KRW-BTC"], "isOnlySnapshot": True},
                ]
            )
        )
        assert (await frame(ws))["st"] == "SNAPSHOT"


async def test_is_only_snapshot_sends_one_frame_per_code(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(request({"type": "ticker", "codes": ["KRW-BTC"], "is_only_snapshot": True}))
        assert (await frame(ws))["stream_type"] == "SNAPSHOT"
        assert await silent(ws, 0.4)


async def test_is_only_realtime_skips_the_snapshot(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request({"type": "orderbook", "codes": ["KRW-BTC"], "is_only_realtime": True})
        )
        assert (await frame(ws))["stream_type"] == "REALTIME"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ('{"ticket":"t","type":"ticker","codes":["KRW-BTC"]}', "WRONG_FORMAT"),
        ("not json", "WRONG_FORMAT"),
        ('[{"type":"ticker","codes":["KRW-BTC"]}]', "NO_TICKET"),
        ('[{"ticket":"t"}]', "NO_TYPE"),
        ('[{"ticket":"t"},{"codes":["KRW-BTC"]}]', "NO_TYPE"),
        ('[{"ticket":"t"},{"type":"ticker"}]', "NO_CODES"),
        ('[{"ticket":"t"},{"type":"ticker","codes":[]}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"ticker","codes":["KRW-NOPE"]}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"ticker","codes":["krw-btc"]}]', "INVALID_PARAM"),
        ('[{"ticket":"t"},{"type":"myOrder","codes":["KRW-BTC"]}]', "INVALID_AUTH"),
    ],
)
async def test_error_frames(frozen: Simulator, raw: str, name: str) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(raw)
        data = await recv(ws)
        assert isinstance(data, bytes)
        assert list(json.loads(data)) == ["error"]
        error = json.loads(data)["error"]
        assert error["name"] == name and error["message"]
        if name == "INVALID_PARAM" and "[]" in raw:
            assert error["message"] == "codes 필드가 비어 있습니다."
        # the socket stays usable after an error
        await ws.send(request({"type": "ticker", "codes": ["KRW-BTC"]}))
        assert (await frame(ws))["type"] == "ticker"


async def test_wrong_format_bytes_as_observed(frozen: Simulator) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send("{}")
        assert (
            await recv(ws)
            == ('{"error":{"message":"Format 이 맞지 않습니다.","name":"WRONG_FORMAT"}}').encode()
        )


async def test_text_ping_gets_status_up(frozen: Simulator) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send("PING")
        assert await recv(ws) == b'{"status":"UP"}'
        await ws.ping()  # protocol pings are answered by the server too


async def test_list_subscriptions(frozen: Simulator) -> None:
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
                {"type": "orderbook", "codes": ["KRW-BTC.5"]},
                {"type": "trade", "codes": ["KRW-XRP"], "is_only_snapshot": True},
            )
        )
        for _ in range(4):
            await frame(ws)
        await ws.send(json.dumps([{"method": "LIST_SUBSCRIPTIONS"}, {"ticket": "lst"}]))
        reply = await frame(ws)
        assert reply["method"] == "LIST_SUBSCRIPTIONS" and reply["ticket"] == "lst"
        assert {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]} in reply["result"]
        assert {"type": "orderbook", "codes": ["KRW-BTC.5"], "level": 0} in reply["result"]
        assert all(item["type"] != "trade" for item in reply["result"])
        await ws.send(
            json.dumps([{"ticket": "l"}, {"method": "LIST_SUBSCRIPTIONS"}, {"format": "SIMPLE"}])
        )
        short = await frame(ws)
        assert short["mthd"] == "LIST_SUBSCRIPTIONS" and short["tckt"] == "l"
        assert {"ty": "ticker", "cds": ["KRW-BTC", "KRW-ETH"]} in short["rslt"]


async def test_new_request_replaces_subscriptions_on_the_same_socket(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(request({"type": "ticker", "codes": ["KRW-BTC"]}))
        assert (await frame(ws))["code"] == "KRW-BTC"
        await ws.send(request({"type": "ticker", "codes": ["KRW-ETH"]}))
        # frames already in flight for BTC may still arrive; then only ETH, snapshot first
        message = await frame(ws)
        while message["code"] == "KRW-BTC":
            message = await frame(ws)
        assert message["stream_type"] == "SNAPSHOT" and message["code"] == "KRW-ETH"
        for _ in range(5):
            assert (await frame(ws))["code"] == "KRW-ETH"
    stats = sim.stats("upbit")
    assert stats.connections_accepted == 1
    codes = [p[1]["codes"] for p in stats.payloads()]
    assert codes == [["KRW-BTC"], ["KRW-ETH"]]
    assert len({r.connection for r in stats.requests}) == 1


async def test_message_rate_limit_closes_the_socket() -> None:
    async with (
        Simulator(seed=1, realtime=False) as sim,
        connect(sim.upbit_ws_url) as ws,
    ):
        for _ in range(6):
            await ws.send(request({"type": "ticker", "codes": ["KRW-BTC"]}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await recv(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_connection_rate_limit_refuses_with_429() -> None:
    async with Simulator(seed=1, realtime=False) as sim:
        sockets = [await connect(sim.upbit_ws_url) for _ in range(5)]
        with pytest.raises(InvalidStatus) as refused:
            await connect(sim.upbit_ws_url)
        assert refused.value.response.status_code == 429
        await asyncio.gather(*(ws.close() for ws in sockets))


async def test_idle_socket_is_closed() -> None:
    limits = Limits(upbit_idle_timeout=0.3)
    async with (
        Simulator(seed=1, realtime=False, limits=limits) as sim,
        connect(sim.upbit_ws_url, ping_interval=None) as ws,
    ):
        with pytest.raises(ConnectionClosed):
            await recv(ws, 2.0)


async def test_pings_keep_an_idle_socket_open() -> None:
    limits = Limits(upbit_idle_timeout=0.4)
    async with (
        Simulator(seed=1, realtime=False, rate=FAST, limits=limits) as sim,
        connect(sim.upbit_ws_url, ping_interval=0.1) as ws,
    ):
        assert await silent(ws, 0.8)
