"""Upbit's ``candle.*`` stream on ``/websocket/v1`` (upbit.md §3): the snapshot, the pace, only
after a trade, the same bucket repeated with the last one winning, and each message equal
to the trades the simulator reported."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from itertools import pairwise
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from mdtui.sim import Simulator
from tests.sim.candle_checks import Trade, aggregate, get_json, upbit_ohlcv, upbit_trades, utc_ms
from tests.support.sim_client import FIXED_MS, silent

CANDLE_FIELDS = [
    "type", "code", "candle_date_time_utc", "candle_date_time_kst", "opening_price",
    "high_price", "low_price", "trade_price", "candle_acc_trade_volume",
    "candle_acc_trade_price", "timestamp", "stream_type",
]  # fmt: skip
SIMPLE_FIELDS = [
    "ty",
    "cd",
    "cdttmu",
    "cdttmk",
    "op",
    "hp",
    "lp",
    "tp",
    "catv",
    "catp",
    "tms",
    "st",
]


def request(*types: dict[str, Any], fmt: str | None = None) -> str:
    body: list[dict[str, Any]] = [{"ticket": "candles"}, *types]
    if fmt:
        body.append({"format": fmt})
    return json.dumps(body)


async def frame(ws: ClientConnection, timeout: float = 3.0) -> Any:
    data = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(data, bytes), "Upbit sends every frame as binary"
    return json.loads(data, parse_float=Decimal)


async def record(ws: ClientConnection, seconds: float) -> list[tuple[float, Any]]:
    """Every frame for ``seconds``, with its arrival time (an observation window)."""
    frames: list[tuple[float, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append((time.monotonic(), await frame(ws, left)))
        except TimeoutError:
            break
    return frames


async def test_candle_stream_pace_trades_and_last_wins(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "trade", "codes": ["KRW-BTC"], "is_only_realtime": True},
                {"type": "candle.1s", "codes": ["KRW-BTC"]},
                {"type": "candle.1m", "codes": ["KRW-BTC"]},
            )
        )
        frames = [f for _, f in await record(ws, 5.0)]
    # every trade of the window and more, oldest first, and each one's place in that order
    rows = list(reversed(await get_json(sim, "/v1/trades/ticks?market=KRW-BTC&count=500")))
    trades = [Trade(r["timestamp"], r["trade_price"], r["trade_volume"]) for r in rows]
    order = {row["sequential_id"]: n for n, row in enumerate(rows)}
    snapshots = [f for f in frames if f["stream_type"] == "SNAPSHOT"]
    assert sorted(f["type"] for f in snapshots) == ["candle.1m", "candle.1s"]
    assert all(list(f) == CANDLE_FIELDS for f in snapshots)
    for kind, width in (("candle.1s", 1_000), ("candle.1m", 60_000)):
        seen: list[int] = []  # sequence ids of the trades received so far
        last_sent: int | None = None
        messages: list[Any] = []
        for f in frames:
            if f["type"] == "trade":
                seen.append(order[f["sequential_id"]])
                continue
            if f["type"] != kind or f["stream_type"] != "REALTIME":
                continue
            assert list(f) == CANDLE_FIELDS
            # only after a trade: one arrived since the previous message of this type
            assert seen and (last_sent is None or seen[-1] > last_sent), kind
            last_sent = seen[-1]
            # the candle is exactly its bucket's trades up to the latest one sent
            start = utc_ms(f["candle_date_time_utc"])
            included = [
                t for n, t in enumerate(trades) if start <= t.ts < start + width and n <= max(seen)
            ]
            assert upbit_ohlcv(f) == aggregate(included), (kind, f)
            messages.append(f)
        assert len(messages) >= 3, kind
        # at most one a second per code and type (the server's own clock in ``timestamp``)
        assert all(b["timestamp"] - a["timestamp"] >= 950 for a, b in pairwise(messages)), kind
        if kind == "candle.1m":
            # the same bucket several times; each later message holds more trades
            starts = [m["candle_date_time_utc"] for m in messages]
            assert len(set(starts)) < len(starts)
            for a, b in pairwise(messages):
                if a["candle_date_time_utc"] == b["candle_date_time_utc"]:
                    assert b["candle_acc_trade_volume"] > a["candle_acc_trade_volume"]
        else:
            # a closed bucket's last message is the whole candle, as REST has it
            rest = await get_json(sim, "/v1/candles/seconds?market=KRW-BTC&count=200")
            by_start = {r["candle_date_time_utc"]: upbit_ohlcv(r) for r in rest}
            last: dict[str, Any] = {}
            for m in messages:
                last[m["candle_date_time_utc"]] = m
            closed = sorted(last)[:-1]
            assert len(closed) >= 2
            for bucket in closed:
                assert upbit_ohlcv(last[bucket]) == by_start[bucket], bucket


async def test_snapshot_is_the_previous_candle_and_nothing_without_trades(
    frozen: Simulator,
) -> None:
    # the frozen clock sits on a second's first millisecond: its second has no trade yet
    assert FIXED_MS % 1_000 == 0
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(
            request(
                {"type": "candle.1s", "codes": ["KRW-ETH"]},
                {"type": "candle.1m", "codes": ["KRW-ETH"]},
                fmt="SIMPLE",
            )
        )
        first, second = await frame(ws), await frame(ws)
        assert await silent(ws, 1.5), "no trade, no realtime candle"
    trades = await upbit_trades(frozen, "KRW-ETH")
    for message, width in ((first, 1_000), (second, 60_000)):
        assert list(message) == SIMPLE_FIELDS and message["st"] == "SNAPSHOT"
        start = utc_ms(message["cdttmu"])
        # the newest candle: for seconds the current one is empty, so the previous one
        assert start == trades[-1].ts - trades[-1].ts % width < FIXED_MS
        included = [t for t in trades if start <= t.ts < start + width]
        expected = aggregate(included)
        got = (message["op"], message["hp"], message["lp"], message["tp"])
        assert got == (expected.open, expected.high, expected.low, expected.close)
        assert message["catv"] == expected.volume and message["catp"] == expected.value


async def test_a_trade_sends_the_new_bucket(frozen: Simulator) -> None:
    market = frozen.markets["upbit"]["KRW-BTC"]
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(request({"type": "candle.1s", "codes": ["KRW-BTC"]}))
        snapshot = await frame(ws)
        assert snapshot["stream_type"] == "SNAPSHOT"
        before = len(market.trades)
        while len(market.trades) == before:
            frozen.advance()
        message = await frame(ws)
    assert message["stream_type"] == "REALTIME"
    assert utc_ms(message["candle_date_time_utc"]) == FIXED_MS  # the bucket of the new trade
    new = list(market.trades)[before:]
    assert message["opening_price"] == new[0].price
    assert message["candle_acc_trade_volume"] == sum((t.size for t in new), Decimal(0))


async def test_only_snapshot_and_only_realtime(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request({"type": "candle.5m", "codes": ["KRW-BTC"], "is_only_snapshot": True})
        )
        only = await frame(ws)
        assert only["type"] == "candle.5m" and only["stream_type"] == "SNAPSHOT"
        assert await silent(ws, 1.5)
        await ws.send(request({"type": "candle.3m", "codes": ["KRW-BTC"], "isOnlyRealtime": True}))
        first = await frame(ws)
        assert first["type"] == "candle.3m" and first["stream_type"] == "REALTIME"
        await ws.send(json.dumps([{"ticket": "t"}, {"method": "LIST_SUBSCRIPTIONS"}]))

        async def listed() -> Any:
            while (f := await frame(ws)).get("method") is None:
                pass
            return f

        reply = await listed()
        assert reply["result"] == [{"type": "candle.3m", "codes": ["KRW-BTC"]}]


async def test_every_candle_type_and_list_format(sim: Simulator) -> None:
    kinds = ["candle.1s", "candle.1m", "candle.3m", "candle.5m", "candle.10m", "candle.15m"]
    kinds += ["candle.30m", "candle.60m", "candle.240m"]
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            request(*({"type": k, "codes": ["KRW-XRP"]} for k in kinds), fmt="SIMPLE_LIST")
        )
        batch = await frame(ws)
        assert isinstance(batch, list)
        assert [m["ty"] for m in batch] == kinds and all(m["st"] == "SNAPSHOT" for m in batch)
        widths = [1, 60, 180, 300, 600, 900, 1800, 3600, 14400]
        for message, width in zip(batch, widths, strict=True):
            assert utc_ms(message["cdttmu"]) % (width * 1000) == 0
        got: set[str] = set()

        async def every_type() -> None:
            while got != set(kinds):
                listed = await frame(ws, 5.0)
                assert isinstance(listed, list)
                got.update(m["ty"] for m in listed if m["st"] == "REALTIME")

        await asyncio.wait_for(every_type(), 15.0)
