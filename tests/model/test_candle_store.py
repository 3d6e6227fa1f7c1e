"""Candles in the market store: streamed reports, REST history and the candles built from
trades, with no trade counted twice where REST and the stream overlap."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec

from mdtui.model.candles import Candle, CandleHistory
from mdtui.model.events import Trade
from mdtui.model.market_store import MarketStore

MIN = 60_000


def candle(start: int, close: str, volume: str, venue: str = "korbit") -> Candle:
    market = "btc_krw" if venue == "korbit" else "KRW-BTC"
    p = D(close)
    return Candle(venue, market, "1m", start, p, p, p, p, D(volume), None, start)


def trade(price: str, size: str, ts: int, n: int, snapshot: bool = False) -> Trade:
    return Trade("korbit", "btc_krw", D(price), D(size), "buy", ts, str(n), snapshot)


def history(*candles: Candle, reset: bool = False) -> CandleHistory:
    first = candles[0]
    return CandleHistory(first.venue, first.market, "1m", candles, reset, first.venue == "korbit")


def test_streamed_candles_and_history_fill_the_series() -> None:
    store = MarketStore()
    store.apply([candle(MIN, "105", "3", "upbit")], 0)
    store.apply([history(candle(0, "100", "1", "upbit"), candle(MIN, "104", "2", "upbit"))], 0)
    series = store.market("upbit", "KRW-BTC").candle_series("1m")
    assert [(c.close, c.volume) for c in series.candles] == [(D(100), D(1)), (D(105), D(3))]
    store.apply([history(candle(5 * MIN, "1", "1", "upbit"), reset=True)], 0)
    assert [c.start for c in series.candles] == [5 * MIN]


def test_trades_build_on_rest_history_without_counting_a_trade_twice() -> None:
    store = MarketStore()
    series = store.market("korbit", "btc_krw").candle_series("1m")
    store.apply([CandleHistory("korbit", "btc_krw", "1m", (), reset=True, from_trades=True)], 0)
    assert series.built_from_trades
    # Subscribed first: a realtime trade arrives before the REST answer (REST holds it),
    # the recent trades come as a snapshot after it (REST holds them too).
    store.apply([trade("101", "1", MIN + 2, 2)], 0)
    store.apply([history(candle(0, "100", "1"), candle(MIN, "101", "2"))], 0)
    store.apply([trade("99", "5", MIN + 1, 1, snapshot=True)], 0)
    # The REST candle replaced what trades had built of its bucket, and the snapshot
    # trade is not added again: each trade is in it once.
    assert [(c.close, c.volume) for c in series.candles] == [(D(100), D(1)), (D(101), D(2))]
    store.apply([trade("102", "0.5", MIN + 3, 3), trade("102", "0.5", MIN + 3, 3)], 0)
    store.apply([trade("98", "1", 2 * MIN, 4)], 0)
    held = [(c.start, c.close, c.volume) for c in series.candles]
    assert held == [(0, D(100), D(1)), (MIN, D(102), D("2.5")), (2 * MIN, D(98), D(1))]


def test_only_series_built_from_trades_take_trades() -> None:
    store = MarketStore()
    state = store.market("korbit", "btc_krw")
    reported = state.candle_series("1m")
    built = state.candle_series("5m")
    built.built_from_trades = True
    store.apply([trade("100", "1", MIN, 1)], 0)
    assert len(reported) == 0 and len(built) == 1
    assert msgspec.json.decode(msgspec.json.encode(built.candles[0]), type=Candle) == built.last
