"""The candle feed against the real simulator: the chart's series filled from REST history
and kept live (Upbit's candle stream, Korbit's trades), repaired after a reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from datetime import datetime
from decimal import Decimal

import httpx
import msgspec

from mdtui.demo import point_at
from mdtui.feed.supervisor import FeedSupervisor
from mdtui.model.candles import INTERVALS, Candle, bucket_start
from mdtui.model.events import Trade
from mdtui.model.market_store import MarketStore
from mdtui.sim.server import Simulator
from tests.support.sim_client import FIXED_MS
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


# --------------------------------------------------------------------------- stepped market

STEP_MS = 1_500


class Stepped:
    """A frozen simulator whose clock the test moves, and the client's feeds on that clock
    (so a bucket closes when the test says, on both sides)."""

    def __init__(self, sim: Simulator, now: list[int], store: MarketStore, feeds: FeedSupervisor):
        self.sim, self.now, self.store, self.feeds = sim, now, store, feeds

    async def step(self, count: int) -> None:
        """Move the market ``count`` steps, letting the client take in each one's frames."""
        for _ in range(count):
            self.now[0] += STEP_MS
            self.sim.advance()
            await asyncio.sleep(0.005)

    async def rest(self, path: str) -> object:
        async with httpx.AsyncClient(base_url=self.sim.http_url) as client:
            reply = await client.get(path)
        assert reply.status_code == 200, reply.text
        return json.loads(reply.text, parse_float=Decimal)


@contextlib.asynccontextmanager
async def stepped(start_sim, base_settings, key: str, interval: str):
    now = [FIXED_MS]
    sim: Simulator = await start_sim(seed=7, realtime=False, clock=lambda: now[0], trader=None)
    store = MarketStore()
    settings = point_at(base_settings, sim.http_url)
    feeds = FeedSupervisor(
        settings, store_sink(store), store_sink(store), private=False, clock=lambda: now[0]
    )
    feeds.want([key], key, chart=(key, interval, None))
    feeds.start()
    try:
        yield Stepped(sim, now, store, feeds)
    finally:
        await feeds.aclose()


async def korbit_rest_candles(market: Stepped) -> dict[int, tuple[Decimal, ...]]:
    body = await market.rest("/v2/candles?symbol=btc_krw&interval=1&limit=200")
    keys = ("open", "high", "low", "close", "volume")
    return {row["timestamp"]: tuple(Decimal(row[k]) for k in keys) for row in body["data"]}


async def upbit_rest_candles(market: Stepped) -> dict[int, tuple[Decimal, ...]]:
    rows = await market.rest("/v1/candles/minutes/1?market=KRW-BTC&count=200")
    keys = ("opening_price", "high_price", "low_price", "trade_price", "candle_acc_trade_volume")
    out = {}
    for row in rows:
        start = int(datetime.fromisoformat(row["candle_date_time_utc"] + "+00:00").timestamp())
        out[start * 1000] = tuple(Decimal(row[k]) for k in keys)
    return out


async def held_equals_rest(market: Stepped, key: str, rest) -> str:
    """'' when every closed bucket the series holds equals the exchange's REST candle and
    none is missing; else what differs."""
    venue, code = key.split(":")
    series = market.store.market(venue, code).candles.get("1m")
    if series is None or len(series) < 100:
        return "no history yet"
    exchange = await rest(market)
    now_bucket = bucket_start(market.now[0], "1m")
    held = {c.start: ohlcv(c) for c in series.candles if c.start < now_bucket}
    closed = {s: v for s, v in exchange.items() if s < now_bucket}
    diff = [s for s in closed if held.get(s) != closed[s]]
    return f"{len(diff)} buckets differ, first {diff[:1]}" if diff else ""


async def settled(market: Stepped, key: str, rest, timeout: float = 20.0) -> None:
    last = ""

    async def check() -> bool:
        nonlocal last
        last = await held_equals_rest(market, key, rest)
        return not last

    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"series vs REST: {last}"
        await asyncio.sleep(0.1)


async def live(market: Stepped, venue: str, code: str) -> None:
    """Wait until ``code``'s trades (and candles) stream on ``venue``'s socket."""
    worker = market.feeds.workers[venue]
    await wait_until(
        lambda: worker._sent is not None and code in worker._sent.trades,
        20,
        f"{venue} {code} subscribed",
    )


async def test_korbit_candles_built_from_trades_equal_rest_once_closed(start_sim, base_settings):
    async with stepped(start_sim, base_settings, "korbit:btc_krw", "1m") as market:
        await live(market, "korbit", "btc_krw")
        await market.step(40)  # a minute of trades: the bucket open at the first read closes
        await settled(market, "korbit:btc_krw", korbit_rest_candles)
        await market.step(120)  # three more minutes, built from trades alone
        await settled(market, "korbit:btc_krw", korbit_rest_candles)
        series = market.store.market("korbit", "btc_krw").candles["1m"]
        assert series.built_from_trades and len(series) >= 200


async def test_upbit_streamed_candles_equal_rest_once_closed(start_sim, base_settings):
    async with stepped(start_sim, base_settings, "upbit:KRW-BTC", "1m") as market:
        await live(market, "upbit", "KRW-BTC")
        worker = market.feeds.workers["upbit"]
        assert worker._sent is not None and ("1m", "KRW-BTC") in worker._sent.candles
        await market.step(160)
        await settled(market, "upbit:KRW-BTC", upbit_rest_candles)
        series = market.store.market("upbit", "KRW-BTC").candles["1m"]
        assert not series.built_from_trades


async def test_a_reconnect_rereads_the_history_so_the_gap_leaves_no_hole(start_sim, base_settings):
    async with stepped(start_sim, base_settings, "korbit:btc_krw", "1m") as market:
        await live(market, "korbit", "btc_krw")
        await market.step(40)
        await settled(market, "korbit:btc_krw", korbit_rest_candles)
        worker = market.feeds.workers["korbit"]
        connects = worker.stats.connects
        await market.sim.drop_connections("korbit", channel="public", abrupt=True)
        await market.step(60)  # trades the client never sees
        await wait_until(lambda: worker.stats.connects > connects, 20, "the reconnect")
        await live(market, "korbit", "btc_krw")
        reads = market.feeds.candles.reads
        await wait_until(lambda: market.feeds.candles.reads > reads, 20, "the history re-read")
        # A trade of the open bucket counted twice (in the reply and on the stream, as can
        # happen while the call is in flight): mended once the bucket has closed.
        state = market.store.market("korbit", "btc_krw")
        last = state.tape[-1]
        twice = msgspec.structs.replace(last, trade_id="again", ts=market.now[0], snapshot=False)
        before = state.candles["1m"].version
        market.store.apply([twice], 0)
        assert state.candles["1m"].version > before
        await market.step(40)
        await settled(market, "korbit:btc_krw", korbit_rest_candles)


async def test_scrolling_back_reads_the_page_before_the_oldest_candle(start_sim, base_settings):
    async with stepped(start_sim, base_settings, "upbit:KRW-BTC", "1m") as market:
        series = await wait_until(
            lambda: (
                (s := market.store.market("upbit", "KRW-BTC").candles.get("1m"))
                and len(s) >= 200
                and s
            ),
            20,
            "the first page",
        )
        oldest = series.candles[0].start
        feeds = market.feeds
        feeds.want(["upbit:KRW-BTC"], "upbit:KRW-BTC", chart=("upbit:KRW-BTC", "1m", oldest))
        await wait_until(lambda: len(series) >= 400, 20, "the page before it")
        starts = [c.start for c in series.candles]
        assert starts == sorted(starts) and starts[199] < oldest == starts[200]
        assert all(b - a == 60_000 for a, b in itertools.pairwise(starts[:201]))
        reads = feeds.candles.reads
        feeds.want(["upbit:KRW-BTC"], "upbit:KRW-BTC", chart=("upbit:KRW-BTC", "1m", oldest))
        await market.step(2)
        assert feeds.candles.reads == reads  # the same boundary is read once


async def test_upbit_days_are_built_from_trades(start_sim, base_settings):
    """Upbit streams no day candles: today is built from its trades on top of the history,
    and equals what its REST says of today."""
    async with stepped(start_sim, base_settings, "upbit:KRW-BTC", "1d") as market:
        await live(market, "upbit", "KRW-BTC")
        series = await wait_until(
            lambda: (
                (s := market.store.market("upbit", "KRW-BTC").candles.get("1d"))
                and len(s) >= 100
                and s
            ),
            20,
            "the days",
        )
        await market.step(60)
        assert series.built_from_trades
        keys = (
            "opening_price",
            "high_price",
            "low_price",
            "trade_price",
            "candle_acc_trade_volume",
        )

        async def today_matches() -> bool:
            rows = await market.rest("/v1/candles/days?market=KRW-BTC&count=1")
            today = tuple(Decimal(rows[0][k]) for k in keys)
            return series.last is not None and ohlcv(series.last) == today

        for _ in range(100):
            if await today_matches():
                break
            await asyncio.sleep(0.05)
        assert await today_matches()
