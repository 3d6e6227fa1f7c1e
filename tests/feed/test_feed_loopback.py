"""The real feed worker against the real simulator over loopback sockets."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from mdtui.demo import point_at
from mdtui.feed.public_feeds import public_workers
from mdtui.feed.worker import Subscription
from mdtui.model.events import Book, FeedState, Malformed, Ticker, Trade
from mdtui.model.market_store import MarketStore
from tests.support.feeds import running
from tests.support.samples import about
from tests.support.waiting import wait_until

MARKETS = {"upbit": ("KRW-BTC", "KRW-ETH"), "korbit": ("btc_krw", "eth_krw")}


def is_book(venue, market, snapshot=None):
    def check(ev):
        return (
            type(ev) is Book
            and ev.venue == venue
            and ev.market == market
            and (snapshot is None or ev.snapshot is snapshot)
        )

    return check


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_subscribe_snapshot_then_realtime(venue, live_sim, settings, collector) -> None:
    first, _ = MARKETS[venue]
    worker = public_workers(settings, collector, venues=[venue])[venue]
    worker.subscribe(Subscription.of([first], [first], [first]))
    async with running(worker):
        snap = await collector.wait_for(is_book(venue, first, snapshot=True))
        assert isinstance(snap, Book)
        assert len(snap.bids) == len(snap.asks) == 30
        assert all(isinstance(p, Decimal) and isinstance(s, Decimal) for p, s in snap.bids)
        assert snap.bids[0][0] < snap.asks[0][0], "uncrossed"
        assert [p for p, _ in snap.bids] == sorted((p for p, _ in snap.bids), reverse=True)
        assert [p for p, _ in snap.asks] == sorted(p for p, _ in snap.asks)
        await collector.wait_for(
            lambda ev: type(ev) is Ticker and ev.market == first and ev.snapshot
        )
        await collector.wait_for(lambda ev: type(ev) is Trade and ev.market == first)
        index = collector.events.index(snap)
        await collector.wait_for(is_book(venue, first, snapshot=False), start=index)
        assert await collector.wait_for(lambda ev: type(ev) is FeedState and ev.state == "live")


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_market_switch_on_the_same_socket(venue, live_sim, settings, collector) -> None:
    first, second = MARKETS[venue]
    worker = public_workers(settings, collector, venues=[venue])[venue]
    worker.subscribe(Subscription.of([first, second], [first], [first]))
    async with running(worker):
        await collector.wait_for(is_book(venue, first, snapshot=True))
        mark = len(collector.events)
        worker.subscribe(Subscription.of([first, second], [second], [second]))
        snap = await collector.wait_for(
            is_book(venue, second, snapshot=True), timeout=5, start=mark
        )
        await collector.wait_for(lambda ev: type(ev) is Trade and ev.market == second, start=mark)
        index = collector.events.index(snap)
        await collector.wait_for(is_book(venue, second, snapshot=False), start=index)

        def books_of_second() -> int:
            return sum(is_book(venue, second)(ev) for ev in collector.events[index:])

        # a few more of the new market's books: time for any old-market frame to show up
        await wait_until(lambda: books_of_second() >= 4, 10.0, f"more {second} books")
        late = [ev for ev in collector.events[index:] if type(ev) in (Book, Trade)]
        assert {ev.market for ev in late} == {second}, "the old market was unsubscribed"
    assert worker.stats.connects == 1
    assert live_sim.stats(venue).connections_accepted == 1


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_server_disconnect_then_reconnect_and_resubscribe(
    venue, live_sim, settings, collector
) -> None:
    first, _ = MARKETS[venue]
    worker = public_workers(settings, collector, venues=[venue])[venue]
    worker.backoff.base = 0.05
    worker.subscribe(Subscription.of([first], [first], [first]))
    async with running(worker):
        await collector.wait_for(is_book(venue, first, snapshot=True))
        await live_sim.drop_connections(venue)
        down = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting"
        )
        assert down.attempt == 1 and "closed" in down.reason
        index = collector.events.index(down)
        await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "live", start=index
        )
        await collector.wait_for(is_book(venue, first, snapshot=True), start=index)
    assert worker.stats.connects == 2
    assert live_sim.stats(venue).connections_accepted == 2


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_malformed_frame_is_counted_and_the_feed_lives_on(
    venue, live_sim, settings, collector, caplog
) -> None:
    first, _ = MARKETS[venue]
    model = MarketStore()

    def sink(events):
        collector(events)
        model.apply(events, 0)

    worker = public_workers(settings, sink, venues=[venue])[venue]
    worker.subscribe(Subscription.of([first], [first], [first]))
    with caplog.at_level(logging.WARNING, logger="mdtui.feed.worker"):
        async with running(worker):
            await collector.wait_for(is_book(venue, first, snapshot=True))
            await live_sim.send_raw(
                venue, b"{not json" if venue == "upbit" else '{"type":"ticker"}'
            )
            bad = await collector.wait_for(lambda ev: type(ev) is Malformed)
            index = collector.events.index(bad)
            await collector.wait_for(is_book(venue, first, snapshot=False), start=index)
    assert model.feed(venue, "public").malformed == 1
    warnings = [r for r in caplog.records if "malformed frame skipped" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert worker.stats.connects == 1
    assert not any(type(ev) is FeedState and ev.state == "reconnecting" for ev in collector.events)


def ticker_frame(venue: str, market: str) -> bytes | str:
    """A well-formed ticker of ``market`` as the exchange documents one (Upbit: a binary
    frame, Korbit: a text frame)."""
    text = about(f"{venue}_ticker", market)
    return text.encode() if venue == "upbit" else text


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_data_for_markets_not_subscribed_is_counted_and_dropped(
    venue, live_sim, settings, collector, caplog
) -> None:
    first, second = MARKETS[venue]
    model = MarketStore()

    def sink(events):
        collector(events)
        model.apply(events, 0)

    worker = public_workers(settings, sink, venues=[venue])[venue]
    worker.subscribe(Subscription.of([first], [first], [first]))
    strangers = [second, "KRW-ZZZ" if venue == "upbit" else "zzz_krw", "x" * 500]
    with caplog.at_level(logging.WARNING, logger="mdtui.feed.worker"):
        async with running(worker):
            await collector.wait_for(is_book(venue, first, snapshot=True))
            for market in strangers:
                await live_sim.send_raw(venue, ticker_frame(venue, market))
            await wait_until(lambda: worker.stats.unsubscribed == 3, 10.0, "three drops")
            await collector.wait_for(is_book(venue, first), start=len(collector.events))
    assert set(model.markets) == {f"{venue}:{first}"}
    assert not [ev for ev in collector.events if getattr(ev, "market", first) != first]
    assert model.feed(venue, "public").malformed == 0
    logged = [r.getMessage() for r in caplog.records if "not subscribed" in r.getMessage()]
    assert len(logged) == 2 and "(2 so far)" in logged[1], logged  # the 1st, 2nd, 4th, ...
    assert all(len(line) < 200 for line in logged)


async def test_unreachable_host_reports_reconnecting_with_reason(collector, base_settings) -> None:
    settings = point_at(base_settings, "http://127.0.0.1:9")
    worker = public_workers(settings, collector, venues=["upbit"])["upbit"]
    worker.backoff.base = 0.05
    worker.subscribe(Subscription.of(["KRW-BTC"]))
    async with running(worker):
        ev = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting" and ev.attempt >= 2
        )
    assert ev.reason == "cannot connect (refused or unreachable)"


async def test_upbit_tops_stream_one_level_books(live_sim, settings, collector) -> None:
    """Board markets get best bid/ask from a one-level book; the selected one the full."""
    worker = public_workers(settings, collector, venues=["upbit"])["upbit"]
    worker.subscribe(
        Subscription.of(
            ["KRW-BTC", "KRW-ETH"], ["KRW-BTC"], ["KRW-BTC"], tops=["KRW-BTC", "KRW-ETH"]
        )
    )
    async with running(worker):
        top = await collector.wait_for(is_book("upbit", "KRW-ETH"))
        full = await collector.wait_for(is_book("upbit", "KRW-BTC"))
    assert len(top.bids) == len(top.asks) == 1
    assert len(full.bids) == 30
    request = live_sim.stats("upbit").payloads()[-1]
    books = next(item for item in request if item.get("type") == "orderbook")
    assert books["codes"] == ["KRW-BTC", "KRW-ETH.1"]
