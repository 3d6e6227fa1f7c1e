"""The feed supervisor against the real simulator: paced subscriptions, record and replay
routing (the one piece the dashboard, ``watch`` and ``record`` share)."""

from __future__ import annotations

import asyncio

from mdtui.feed.recorder import Recorder
from mdtui.feed.supervisor import SUBSCRIBE_EVERY, FeedSupervisor
from mdtui.model.events import Balances, Book, FeedState, Order, OrdersSnapshot, Ticker
from mdtui.sim.server import Simulator
from tests.support.waiting import wait_until

WATCH = ["upbit:KRW-BTC", "upbit:KRW-ETH", "korbit:btc_krw"]


async def test_rapid_switches_send_a_leading_and_a_trailing_change(settings, collector):
    feeds = FeedSupervisor(settings, collector, collector, private=False)
    feeds.want(WATCH, "upbit:KRW-BTC")
    feeds.start()
    sent: list[object] = []
    upbit = feeds.workers["upbit"]
    subscribe = upbit.subscribe
    upbit.subscribe = lambda wanted: (sent.append(wanted), subscribe(wanted))[-1]  # type: ignore[method-assign]
    try:
        await collector.wait_for(lambda ev: isinstance(ev, Book) and ev.market == "KRW-BTC")
        # the first change goes out at once, the next ones within the interval collapse
        await asyncio.sleep(SUBSCRIBE_EVERY)  # leave the interval of the start-up change
        for market in ("KRW-ETH", "KRW-XRP", "KRW-SOL"):
            feeds.want(WATCH, f"upbit:{market}")
        assert len(sent) == 1 and "KRW-ETH" in upbit.wanted.books
        start = len(collector.events)
        await collector.wait_for(
            lambda ev: isinstance(ev, Book) and ev.market == "KRW-SOL", start=start
        )
        assert len(sent) == 2
        assert upbit.wanted.books == {"KRW-SOL"}
        assert feeds.streams_book("upbit:KRW-SOL") and not feeds.streams_book("upbit:KRW-XRP")
    finally:
        await feeds.aclose()


async def test_record_then_replay_routes_private_batches(
    quiet_sim: Simulator, demo_settings, tmp_path
):
    capture = tmp_path / "capture.jsonl"
    recorder = Recorder(capture)
    seen: list[object] = []
    feeds = FeedSupervisor(demo_settings, seen.extend, seen.extend, tap=recorder)
    feeds.want_everything(["upbit:KRW-BTC", "korbit:btc_krw"])
    feeds.start()
    try:
        await wait_until(
            lambda: (
                any(isinstance(ev, OrdersSnapshot) and ev.venue == "upbit" for ev in seen)
                and any(isinstance(ev, Ticker) and ev.venue == "korbit" for ev in seen)
            ),
            20,
            "the Upbit private seed and a Korbit ticker",
        )
        order_id = quiet_sim.place_order("upbit", "KRW-BTC", "buy", "1000000", "0.01")
        await wait_until(
            lambda: any(isinstance(ev, Order) and ev.order_id == order_id for ev in seen),
            20,
            "the new order",
        )
    finally:
        await feeds.aclose()
        recorder.close()

    public: list[object] = []
    private: list[object] = []
    replayed = FeedSupervisor(demo_settings, public.extend, private.extend)
    count = await replayed.replay(capture, speed=0)
    assert count > 0
    kinds = (Order, Balances, OrdersSnapshot)
    assert any(isinstance(ev, Order) and ev.order_id == order_id for ev in private)
    assert not any(isinstance(ev, kinds) for ev in public)
    assert any(isinstance(ev, Ticker) for ev in public)
    stopped = [ev for ev in public + private if isinstance(ev, FeedState)]
    assert {(ev.venue, ev.channel) for ev in stopped if ev.state == "stopped"} >= {
        ("upbit", "public"),
        ("upbit", "private"),
    }
