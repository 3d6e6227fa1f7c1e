"""What the candle tests compare against: candles aggregated here from the trades the
simulator reported (its REST trades), with no code of the simulator or the client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from mdtui.sim import Simulator


@dataclass(frozen=True)
class Trade:
    ts: int
    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class Ohlcv:
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    value: Decimal


def aggregate(trades: list[Trade]) -> Ohlcv:
    """The candle of ``trades`` (oldest first)."""
    prices = [t.price for t in trades]
    return Ohlcv(
        prices[0],
        max(prices),
        min(prices),
        prices[-1],
        sum((t.size for t in trades), Decimal(0)),
        sum((t.price * t.size for t in trades), Decimal(0)),
    )


def buckets(trades: list[Trade], width_ms: int) -> dict[int, Ohlcv]:
    """Candles of ``width_ms`` buckets (UTC, from the epoch) of ``trades`` (oldest first)."""
    grouped: dict[int, list[Trade]] = {}
    for trade in trades:
        grouped.setdefault(trade.ts - trade.ts % width_ms, []).append(trade)
    return {start: aggregate(group) for start, group in grouped.items()}


def utc_ms(text: str) -> int:
    """``yyyy-MM-ddTHH:mm:ss`` in UTC, as ms."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def get_json(sim: Simulator, path: str) -> Any:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


async def upbit_trades(sim: Simulator, code: str) -> list[Trade]:
    """The last 500 trades of ``code`` as Upbit's REST reports them, oldest first."""
    rows = await get_json(sim, f"/v1/trades/ticks?market={code}&count=500")
    return [
        Trade(row["timestamp"], Decimal(row["trade_price"]), Decimal(row["trade_volume"]))
        for row in reversed(rows)
    ]


async def korbit_trades(sim: Simulator, symbol: str) -> list[Trade]:
    """The last 500 trades of ``symbol`` as Korbit's REST reports them, oldest first."""
    body = await get_json(sim, f"/v2/trades?symbol={symbol}&limit=500")
    return [
        Trade(row["timestamp"], Decimal(row["price"]), Decimal(row["qty"]))
        for row in reversed(body["data"])
    ]


def upbit_ohlcv(row: dict[str, Any]) -> Ohlcv:
    return Ohlcv(
        Decimal(row["opening_price"]),
        Decimal(row["high_price"]),
        Decimal(row["low_price"]),
        Decimal(row["trade_price"]),
        Decimal(row["candle_acc_trade_volume"]),
        Decimal(row["candle_acc_trade_price"]),
    )
