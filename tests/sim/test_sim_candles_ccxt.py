"""ccxt's Upbit candles against the simulator (upbit.md §8): ``watch_ohlcv`` on the candle
stream and ``fetch_ohlcv`` on REST, with the values of the simulator's trades. (ccxt 4.5.90
streams only ``1s`` candles from Upbit, and has no Korbit v2 exchange at all.)"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt.async_support
import ccxt.pro

from mdtui.sim import Simulator
from tests.sim.candle_checks import buckets, get_json, upbit_ohlcv, upbit_trades, utc_ms


def urls(sim: Simulator) -> dict[str, dict[str, str]]:
    return {
        "api": {
            "ws": sim.ws_url + "/websocket/v1",
            "public": sim.http_url,
            "private": sim.http_url,
        }
    }


def as_floats(candle: object) -> list[float]:
    fields = ("open", "high", "low", "close", "volume")
    return [float(getattr(candle, name)) for name in fields]


async def test_ccxt_watch_ohlcv(sim: Simulator) -> None:
    exchange = ccxt.pro.upbit({"urls": urls(sim)})
    latest: dict[int, list[float]] = {}  # ccxt resolves each message's candle: last one wins
    try:

        async def four_buckets() -> None:
            while len(latest) < 4:
                row = await exchange.watch_ohlcv("BTC/KRW", "1s")
                assert len(row) == 6
                latest[int(row[0])] = list(row)

        await asyncio.wait_for(four_buckets(), 20)
    finally:
        await exchange.close()
    ohlcv = [latest[start] for start in sorted(latest)]
    trades = await upbit_trades(sim, "KRW-BTC")
    expected = buckets(trades, 1_000)
    rest = await get_json(sim, "/v1/candles/seconds?market=KRW-BTC&count=200")
    by_start = {utc_ms(row["candle_date_time_utc"]): upbit_ohlcv(row) for row in rest}
    # every bucket but the newest has had its final message: the trades' candle exactly
    for row in ohlcv[:-1]:
        start = int(row[0])
        assert row[1:] == as_floats(expected[start]) == as_floats(by_start[start]), start
    newest = ohlcv[-1]
    assert newest[1] == float(expected[int(newest[0])].open)


async def test_ccxt_fetch_ohlcv(frozen: Simulator) -> None:
    exchange = ccxt.async_support.upbit({"urls": urls(frozen)})
    try:
        minutes = await exchange.fetch_ohlcv("BTC/KRW", "1m", limit=200)
        since = int(minutes[50][0])
        page = await exchange.fetch_ohlcv("BTC/KRW", "1m", since=since, limit=20)
        days = await exchange.fetch_ohlcv("ETH/KRW", "1d", limit=30)
    finally:
        await exchange.close()
    assert len(minutes) == 200 and [int(r[0]) for r in page] == [int(r[0]) for r in minutes[50:70]]
    assert len(days) == 30 and all(int(r[0]) % 86_400_000 == 0 for r in days)
    trades = await upbit_trades(frozen, "KRW-BTC")
    expected = buckets(trades, 60_000)
    traded = [row for row in minutes if int(row[0]) in expected]
    assert traded and traded[-1] is minutes[-1]
    for row in traded:
        assert row[1:] == as_floats(expected[int(row[0])])
    assert all(row[5] > 0 and Decimal(str(row[3])) <= Decimal(str(row[2])) for row in minutes)
