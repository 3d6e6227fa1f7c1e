"""What the chart asks of the sockets: Upbit's candle stream of its interval, or the trades
that build the candles (Korbit, Upbit 1d); and the worker keeps candles of markets it does
not stream out of the model."""

from __future__ import annotations

import json

import pytest

from mdtui.demo import point_at
from mdtui.feed.candle_feed import CandleFeed, CandleWant
from mdtui.feed.public_feeds import UpbitPublic, public_workers
from mdtui.feed.subscription_policy import dashboard_subscriptions
from mdtui.model.market_store import MarketStore
from mdtui.venues import upbit
from mdtui.venues.subscription import Subscription
from tests.support.feeds import running
from tests.support.samples import load
from tests.support.waiting import wait_until

WATCH = ["upbit:KRW-BTC", "korbit:btc_krw"]


@pytest.mark.parametrize(
    ("interval", "typ"),
    [("1s", "1s"), ("1m", "1m"), ("5m", "5m"), ("15m", "15m"), ("1h", "1h"), ("4h", "4h")],
)
def test_upbit_streams_the_charted_candles(interval: str, typ: str) -> None:
    subs = dashboard_subscriptions(WATCH, "upbit:KRW-BTC", chart=("upbit:KRW-BTC", interval))
    assert subs["upbit"].candles == {(typ, "KRW-BTC")}
    assert subs["upbit"].trades == {"KRW-BTC"}
    assert not subs["korbit"].candles


def test_trades_build_the_day_on_upbit_and_everything_on_korbit() -> None:
    day = dashboard_subscriptions(WATCH, "korbit:btc_krw", chart=("upbit:KRW-ETH", "1d"))
    assert not day["upbit"].candles and day["upbit"].trades == {"KRW-ETH"}
    korbit = dashboard_subscriptions(WATCH, "upbit:KRW-BTC", chart=("korbit:eth_krw", "1m"))
    assert korbit["korbit"].trades == {"eth_krw"} and not korbit["korbit"].candles
    assert "eth_krw" in korbit["korbit"].codes()


def test_no_chart_no_candles() -> None:
    subs = dashboard_subscriptions(WATCH, "upbit:KRW-BTC")
    assert not subs["upbit"].candles


def test_the_subscribe_message_follows_the_chart() -> None:
    feed = UpbitPublic(upbit.endpoints())
    before = Subscription.of(["KRW-BTC"], ["KRW-BTC"], ["KRW-BTC"], candles=[("1m", "KRW-BTC")])
    after = Subscription.of(["KRW-BTC"], ["KRW-BTC"], ["KRW-BTC"], candles=[("1h", "KRW-BTC")])
    (text,) = feed.frames_for(before, after)
    types = [obj.get("type") for obj in json.loads(text)]
    assert "candle.60m" in types and "candle.1m" not in types
    assert before.without(["KRW-BTC"]) == Subscription()
    assert after.minus(before).candles == {("1h", "KRW-BTC")}


async def test_candles_of_a_market_not_streamed_never_reach_the_model(frozen, base_settings):
    """A candle frame about another market (a switch in flight, a broken server) is
    counted and dropped by the worker, like its tickers, books and trades."""
    store = MarketStore()
    settings = point_at(base_settings, frozen.http_url)
    worker = public_workers(settings, lambda events: store.apply(events, 0), venues=["upbit"])[
        "upbit"
    ]
    worker.subscribe(Subscription.of(["KRW-BTC"], candles=[("1m", "KRW-BTC")]))
    async with running(worker):
        await wait_until(lambda: worker._sent is not None and frozen.open_connections("upbit"))
        ours = load("upbit_candle").replace(b"KRW-ETH", b"KRW-BTC")
        await frozen.send_raw("upbit", load("upbit_candle"))  # KRW-ETH: not streamed
        await frozen.send_raw("upbit", ours)
        btc = await wait_until(lambda: store.markets.get("upbit:KRW-BTC"), what="KRW-BTC")
        sample = 1_735_792_080_000  # the sample's bucket
        await wait_until(
            lambda: "1m" in btc.candles and sample in [c.start for c in btc.candles["1m"].candles]
        )
    assert "upbit:KRW-ETH" not in store.markets
    assert worker.stats.unsubscribed == 1


def test_the_candle_feed_ignores_what_no_chart_can_show(base_settings) -> None:
    feed = CandleFeed(base_settings, lambda events: None, dict)
    feed.want("KRW-BTC", "1m")  # no venue
    feed.want("upbit:KRW-BTC", "2m")  # no such interval
    assert feed._want is None
    feed.want("upbit:KRW-BTC", "1m", 1_000)
    assert feed._want == CandleWant("upbit:KRW-BTC", "1m", 1_000)
