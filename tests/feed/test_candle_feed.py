"""The candle feed against the real simulator: the chart's series filled from REST history
and kept live (Upbit's candle stream, Korbit's trades), repaired after a reconnect."""

from __future__ import annotations

from decimal import Decimal

from mdtui.demo import point_at
from mdtui.feed.supervisor import FeedSupervisor
from mdtui.model.candles import INTERVALS, Candle, bucket_start
from mdtui.model.events import Trade
from mdtui.model.market_store import MarketStore
from mdtui.sim.server import Simulator
from tests.support.waiting import wait_until

WATCH = ["upbit:KRW-BTC", "korbit:btc_krw"]


def store_sink(store: MarketStore):
    def sink(events) -> None:
        store.apply(events, 0)

    return sink


def aggregate(trades: list[Trade], interval: str, start: int) -> tuple[Decimal, ...] | None:
    """Open, high, low, close and volume of the realtime ``trades`` in one bucket (in
    exchange time order, the order the close follows)."""
    inside = sorted(
        (t for t in trades if not t.snapshot and bucket_start(t.ts, interval) == start),
        key=lambda t: t.ts,
    )
    if not inside:
        return None
    prices = [t.price for t in inside]
    return (prices[0], max(prices), min(prices), prices[-1], sum(t.size for t in inside))


def ohlcv(candle: Candle) -> tuple[Decimal, ...]:
    return (candle.open, candle.high, candle.low, candle.close, candle.volume)


async def test_korbit_seconds_are_built_from_trades_for_the_chart_market(start_sim, base_settings):
    """Korbit has no 1s REST candles: the series is built from its realtime trades alone,
    which the policy streams for the chart's market although another one is selected."""
    sim: Simulator = await start_sim(seed=5)
    store = MarketStore()
    feeds = FeedSupervisor(
        point_at(base_settings, sim.http_url), store_sink(store), store_sink(store), private=False
    )
    feeds.want(WATCH, "upbit:KRW-BTC", chart=("korbit:btc_krw", "1s", None))
    feeds.start()
    state = store.market("korbit", "btc_krw")
    try:
        series = await wait_until(
            lambda: (s := state.candles.get("1s")) is not None and len(s) >= 4 and s,
            60,
            "four seconds of Korbit candles",
        )
        assert series.built_from_trades
        trades = list(state.tape)
        # The first bucket may have begun before the subscription, the last is still open.
        for candle in series.candles[1:-1]:
            assert aggregate(trades, "1s", candle.start) == ohlcv(candle), candle
            assert candle.start % INTERVALS["1s"] == 0
    finally:
        await feeds.aclose()
