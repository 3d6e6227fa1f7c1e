"""Gap recovery after a private socket drops, against the simulator's real REST semantics.

Each test reproduces one way the old catch-up lost the user's events (it asked for orders
*closed* since the gap, which the exchanges filter on *creation* time, sent ISO times, and
searched only markets it had seen) and checks it is recovered now.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from mdtui.demo import point_at
from mdtui.feed import private_feeds
from mdtui.feed.private_feeds import private_workers
from mdtui.feed.worker import FeedWorker
from mdtui.model.account import Account
from mdtui.model.events import FeedState, Order, OrdersSnapshot
from mdtui.sim import Simulator
from mdtui.sim.net.rate_limits import Limits
from tests.support.chaos import ShiftedClock
from tests.support.events import order as make_order
from tests.support.feeds import Collector, running
from tests.support.sim_client import PRIVATE_FEED_KORBIT

MARKET = {"upbit": "KRW-XRP", "korbit": "xrp_krw"}
MINUTES_AGO = 5 * 60_000


@pytest.fixture
async def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
async def gap_sim(start_sim, clock) -> Simulator:
    simulator = await start_sim(seed=3, clock=clock, korbit_listings=PRIVATE_FEED_KORBIT)
    simulator.pause_trader()
    return simulator


def is_live(ev) -> bool:
    return type(ev) is FeedState and ev.state == "live"


def is_down(ev) -> bool:
    return type(ev) is FeedState and ev.state == "reconnecting"


async def drop_and_act(sim, venue, worker, collector, act) -> None:
    """Drop the private socket (abruptly), do ``act()`` while it is down, wait until the
    feed is live again."""
    mark = len(collector.events)
    await sim.drop_connections(venue, channel="private", abrupt=True)
    down = await collector.wait_for(is_down, start=mark)
    act()  # synchronous: done before the 1-2 s backoff ends
    await collector.wait_for(is_live, start=collector.events.index(down), timeout=30)
    assert "secret" not in down.reason


def private_feed(sim, venue, base_settings, collector: Collector) -> tuple[Account, FeedWorker]:
    """The real private feed of ``venue`` at ``sim`` (demo keys) into a real account; its
    first reconnect waits 1-2 s, the window in which a test acts."""
    account = Account()

    def sink(events) -> None:
        collector(events)
        account.apply(events)

    settings = point_at(base_settings, sim.http_url, demo_keys=True)
    worker = private_workers(settings, sink).workers[venue]
    worker.backoff.base = 2.0
    return account, worker


def price_below(sim, venue, market, depth=3) -> Decimal:
    return sim.markets[venue][market].bids[depth].price


def fills_of(account, venue, order_id) -> Decimal:
    return sum((f.size for f in account.fills_view(venue) if f.order_id == order_id), Decimal(0))


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_orders_placed_long_before_the_gap_end_filled_or_cancelled(
    venue, gap_sim, clock, base_settings, collector
) -> None:
    """Issue: orders created more than a minute before the gap and filled or cancelled
    during it stayed open or became "closed"; their fills never arrived; partial fills of
    an order still open were lost. (Upbit: the ISO start_time also failed JWT checks.)"""
    account, worker = private_feed(gap_sim, venue, base_settings, collector)
    market = MARKET[venue]
    async with running(worker):
        await collector.wait_for(is_live)
        clock.shift = -MINUTES_AGO  # placed five minutes ago
        price = price_below(gap_sim, venue, market)
        to_fill, to_cancel, to_part = (
            str(gap_sim.place_order(venue, market, "buy", price, qty)) for qty in ("7", "8", "9")
        )
        clock.shift = 0
        for oid in (to_fill, to_cancel, to_part):
            await collector.wait_for(lambda ev, oid=oid: type(ev) is Order and ev.order_id == oid)

        def gap() -> None:
            gap_sim.fill_order(venue, to_fill, "3")
            gap_sim.fill_order(venue, to_fill)
            gap_sim.cancel_order(venue, to_cancel)
            gap_sim.fill_order(venue, to_part, "4")

        await drop_and_act(gap_sim, venue, worker, collector, gap)
    assert account.order(venue, to_fill).state == "filled"
    assert fills_of(account, venue, to_fill) == Decimal(7)
    assert account.order(venue, to_cancel).state == "cancelled"
    part = account.order(venue, to_part)
    assert (part.state, part.filled) == ("partial", Decimal(4))
    assert fills_of(account, venue, to_part) == Decimal(4)
    assert account.resting_levels(venue, market) == {("buy", price): Decimal(5)}


async def test_korbit_order_on_an_unwatched_pair_during_the_gap(
    gap_sim, base_settings, collector
) -> None:
    """Issue: Korbit's catch-up covered only markets the app had seen; an order placed and
    filled during a gap on another pair (from the phone, say) was never seen. Its pair is
    found from the balance that changed across the gap."""
    account, worker = private_feed(gap_sim, "korbit", base_settings, collector)
    placed: list[str] = []
    async with running(worker):
        await collector.wait_for(is_live)

        def gap() -> None:
            price = price_below(gap_sim, "korbit", "trx_krw", 1)
            placed.append(str(gap_sim.place_order("korbit", "trx_krw", "buy", price, "100")))
            gap_sim.fill_order("korbit", placed[0])

        await drop_and_act(gap_sim, "korbit", worker, collector, gap)
    order = account.order("korbit", placed[0])
    assert order is not None and order.state == "filled"
    assert fills_of(account, "korbit", placed[0]) == Decimal(100)
    assert account.balances[("korbit", "TRX")].total == Decimal(100)


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_gap_is_searched_in_server_time_when_the_clocks_disagree(
    venue, gap_sim, clock, base_settings, collector
) -> None:
    """Issue: the catch-up window came from the local clock. With the exchange's clock ten
    minutes behind ours, an order created and filled during the gap was outside it. The
    window now comes from the exchange's own clock (each reply's ``Date``)."""
    clock.shift = -10 * 60_000
    account, worker = private_feed(gap_sim, venue, base_settings, collector)
    market = MARKET[venue]
    placed: list[str] = []
    async with running(worker):
        await collector.wait_for(is_live, timeout=20)

        def gap() -> None:
            price = price_below(gap_sim, venue, market)
            placed.append(str(gap_sim.place_order(venue, market, "buy", price, "6")))
            gap_sim.fill_order(venue, placed[0])

        await drop_and_act(gap_sim, venue, worker, collector, gap)
    order = account.order(venue, placed[0])
    assert order is not None and order.state == "filled"
    assert fills_of(account, venue, placed[0]) == Decimal(6)


@pytest.fixture
async def tight_sim(start_sim, clock) -> Simulator:
    """The exchanges' REST limits cut to 4 requests/s, so the catch-up meets 429s."""
    limits = Limits(upbit_rest_default_per_second=4, korbit_rest_private_per_second=4)
    simulator = await start_sim(
        seed=3, clock=clock, limits=limits, korbit_listings=PRIVATE_FEED_KORBIT
    )
    simulator.pause_trader()
    return simulator


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_catch_up_is_paced_and_waits_out_429(
    venue, tight_sim, base_settings, collector
) -> None:
    """Issue: the per-order calls were not paced and one 429 failed the whole seed, again on
    every retry. Now a 429 is waited out (Retry-After, or a second) and the call retried."""
    account, worker = private_feed(tight_sim, venue, base_settings, collector)
    market = MARKET[venue]
    price = price_below(tight_sim, venue, market)
    async with running(worker):
        await collector.wait_for(is_live, timeout=30)
        ids = [str(tight_sim.place_order(venue, market, "buy", price, "2")) for _ in range(8)]
        for oid in ids:
            await collector.wait_for(lambda ev, oid=oid: type(ev) is Order and ev.order_id == oid)

        def gap() -> None:
            for oid in ids:
                tight_sim.fill_order(venue, oid)

        await drop_and_act(tight_sim, venue, worker, collector, gap)
    assert all(account.order(venue, oid).state == "filled" for oid in ids)
    assert all(fills_of(account, venue, oid) == Decimal(2) for oid in ids)
    assert not any(type(ev) is FeedState and "HTTP 429" in ev.reason for ev in collector.events)


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_history_past_one_page_is_paged_back(
    venue, gap_sim, clock, base_settings, collector, monkeypatch
) -> None:
    """Issue: Upbit orders/closed and Korbit allOrders/myTrades were read as one page; rows
    past ``limit`` were dropped. (The page size is cut to 2 here to make it show.)"""
    monkeypatch.setattr(private_feeds, "UPBIT_CLOSED_LIMIT", 2)
    monkeypatch.setattr(private_feeds, "KORBIT_HISTORY_LIMIT", 2)
    account, worker = private_feed(gap_sim, venue, base_settings, collector)
    market = MARKET[venue]
    placed: list[str] = []
    async with running(worker):
        await collector.wait_for(is_live)

        def gap() -> None:  # five orders created and filled in the gap, a second apart
            price = price_below(gap_sim, venue, market)
            for k in range(5):
                clock.shift = (k - 5) * 1000
                placed.append(str(gap_sim.place_order(venue, market, "buy", price, "3")))
                gap_sim.fill_order(venue, placed[-1], "1")
                clock.shift += 500
                gap_sim.fill_order(venue, placed[-1])
            clock.shift = 0

        await drop_and_act(gap_sim, venue, worker, collector, gap)
    for oid in placed:
        assert account.order(venue, oid).state == "filled", oid
        assert fills_of(account, venue, oid) == Decimal(3), oid


async def test_open_orders_read_again_when_an_order_leaves_between_pages(
    gap_sim, base_settings, collector
) -> None:
    """Issue: Upbit's open orders were paged newest first while the set could change
    between pages, so a live order could be skipped (and then marked closed). An order
    leaving the book between pages shifts the rest up: the pages are read again."""
    account, worker = private_feed(gap_sim, "upbit", base_settings, collector)
    market = MARKET["upbit"]
    price = price_below(gap_sim, "upbit", market)
    ids = [str(gap_sim.place_order("upbit", market, "buy", price, "1")) for _ in range(130)]
    rest = worker.protocol.rest
    real_get = rest.get
    reads: list[str] = []

    async def get(client, path, params, what):
        body = await real_get(client, path, params, what)
        if path == "/v1/orders/open":
            reads.append(dict(params)["page"])
            if reads == ["1"]:  # the oldest order fills between page 1 and page 2
                gap_sim.fill_order("upbit", ids[0])
        return body

    rest.get = get
    async with running(worker):
        await collector.wait_for(is_live, timeout=30)
        await collector.wait_for(lambda ev: type(ev) is Order and ev.order_id == ids[0])
    assert reads == ["1", "2"] * 3  # the first read changed; the next two agree
    snapshot = next(ev for ev in collector.events if type(ev) is OrdersSnapshot)
    assert {o.order_id for o in snapshot.orders} == set(ids[1:])
    assert account.order("upbit", ids[0]).state == "filled"
    assert all(account.order("upbit", oid).state == "open" for oid in ids[1:])


@pytest.mark.parametrize(
    ("venue", "path"), [("upbit", "/v1/orders/uuids"), ("korbit", "/v2/orders")]
)
async def test_incomplete_catch_up_says_so_and_is_retried(
    venue, path, gap_sim, base_settings, collector
) -> None:
    """A catch-up the exchange cannot answer delivers what it has (fresh balances, the open
    list), names the missing part on the status line, and is retried over the same gap
    until the order's outcome and fills arrive."""
    account, worker = private_feed(gap_sim, venue, base_settings, collector)
    worker.backoff.cap = 2.0
    market = MARKET[venue]
    async with running(worker):
        await collector.wait_for(is_live)
        price = price_below(gap_sim, venue, market)
        oid = str(gap_sim.place_order(venue, market, "buy", price, "4"))
        await collector.wait_for(lambda ev: type(ev) is Order and ev.order_id == oid)

        def gap() -> None:
            gap_sim.fill_order(venue, oid)
            gap_sim.refuse_rest(path, count=2)

        mark = len(collector.events)
        await drop_and_act(gap_sim, venue, worker, collector, gap)
    incomplete = [
        ev
        for ev in collector.events[mark:]
        if type(ev) is FeedState and "catch-up incomplete" in ev.reason
    ]
    assert len(incomplete) == 2, [ev.reason for ev in collector.events if type(ev) is FeedState]
    assert "HTTP 503" in incomplete[0].reason
    assert account.order(venue, oid).state == "filled"
    assert fills_of(account, venue, oid) == Decimal(4)


def test_a_by_id_answer_that_an_order_is_open_keeps_it_in_the_snapshot() -> None:
    """An open list can miss an order (it changed while the pages were read, a full
    page, a skipped row): the by-id answer that it is still open joins the snapshot, so the
    store does not close it; a final answer is an update of its own."""
    still = make_order("korbit", "xrp_krw", "7", "buy", "100", "3", filled="1", state="partial")
    done = make_order("korbit", "xrp_krw", "8", "buy", "100", "2", filled="2", state="filled")
    snapshot = OrdersSnapshot("korbit", (), 0, ("xrp_krw",), True)
    other = OrdersSnapshot("korbit", (), 0, ("btc_krw",), True)
    events: list = [other, snapshot]
    private_feeds.KorbitPrivate._by_id(events, still)
    private_feeds.KorbitPrivate._by_id(events, done)
    assert events[0] is other
    assert events[1].orders == (still,) and events[2] is done
    account = Account()
    account.apply([make_order("korbit", "xrp_krw", "7", "buy", "100", "3"), *events])
    assert account.order("korbit", "7").state == "partial"
