"""Private feeds against the simulator's demo accounts over loopback."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from pydantic import SecretStr

from mdtui.demo import point_at
from mdtui.feed.private_feeds import private_workers
from mdtui.model.account import Account
from mdtui.model.events import Balances, FeedState, Fill, Order, OrdersSnapshot
from mdtui.settings import Settings
from mdtui.sim import Simulator
from mdtui.sim import demo_keys as keys
from mdtui.sim.engine.listings import korbit_listings
from tests.support.feeds import running

ORDER_MARKET = {"upbit": "KRW-XRP", "korbit": "xrp_krw"}


def with_keys(settings: Settings, venue: str, **keys: str) -> Settings:
    """``settings`` with other keys for ``venue``."""
    section = getattr(settings, venue).model_copy(update={k: SecretStr(v) for k, v in keys.items()})
    return settings.model_copy(update={venue: section})


def rest_price(sim: Simulator, venue: str, market: str) -> Decimal:
    """A price a few ticks below the best bid, so the order rests."""
    book = (sim.upbit_markets if venue == "upbit" else sim.korbit_markets)[market]
    return book.bids[3].price


def live(ev) -> bool:
    return type(ev) is FeedState and ev.state == "live"


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_valid_key_seeds_balances_and_open_orders(venue, demo_settings, collector) -> None:
    worker = private_workers(demo_settings, collector).workers[venue]
    async with running(worker):
        await collector.wait_for(live)
    balances = [ev for ev in collector.events if type(ev) is Balances]
    assert balances and balances[0].complete
    krw = next(b for b in balances[0].rows if b.currency == "KRW")
    assert krw.total > 0
    assert any(type(ev) is OrdersSnapshot for ev in collector.events)


async def test_korbit_hmac_key_is_accepted(demo_settings, collector) -> None:
    settings = with_keys(
        demo_settings,
        "korbit",
        api_key=keys.KORBIT_HMAC_API_KEY,
        secret_key=keys.KORBIT_HMAC_SECRET,
    )
    worker = private_workers(settings, collector).workers["korbit"]
    assert worker.protocol.key.scheme == "hmac-sha256"
    async with running(worker):
        await collector.wait_for(live)


@pytest.mark.parametrize(
    ("venue", "update", "expected"),
    [
        ("upbit", {"secret_key": "wrong-secret"}, "Upbit"),
        (
            "upbit",
            {
                "access_key": keys.UPBIT_IP_LOCKED_ACCESS_KEY,
                "secret_key": keys.UPBIT_IP_LOCKED_SECRET_KEY,
            },
            "IP",
        ),
        (
            "upbit",
            {
                "access_key": keys.UPBIT_NO_READ_ACCESS_KEY,
                "secret_key": keys.UPBIT_NO_READ_SECRET_KEY,
            },
            "permission",
        ),
        ("korbit", {"api_key": keys.KORBIT_HMAC_API_KEY, "secret_key": "wrong-secret"}, "Korbit"),
        (
            "korbit",
            {"api_key": keys.KORBIT_REVOKED_API_KEY, "secret_key": keys.KORBIT_REVOKED_SECRET},
            "Korbit",
        ),
        (
            "korbit",
            {"api_key": keys.KORBIT_IP_LOCKED_API_KEY, "secret_key": keys.KORBIT_IP_LOCKED_SECRET},
            "IP",
        ),
    ],
)
async def test_rejected_keys_say_what_to_fix_and_back_off(
    venue, update, expected, demo_settings, collector
) -> None:
    settings = with_keys(demo_settings, venue, **update)
    worker = private_workers(settings, collector).workers[venue]
    async with running(worker):
        down = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting"
        )
        await asyncio.sleep(1.5)  # an observation window (no retry in it), not a wait
    assert expected.lower() in down.reason.lower(), down.reason
    for secret in update.values():
        assert secret not in down.reason
    attempts = [
        ev for ev in collector.events if type(ev) is FeedState and ev.state == "reconnecting"
    ]
    assert len(attempts) == 1, "a rejected key must not be retried in a tight loop"
    assert not any(live(ev) for ev in collector.events)


async def test_korbit_clock_skew_is_measured_and_retried_once(
    quiet_sim, demo_settings, collector
) -> None:
    quiet_sim.set_clock_skew(-30_000)  # the server is 30 s behind: our timestamps are "future"
    worker = private_workers(demo_settings, collector).workers["korbit"]
    async with running(worker):
        down = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting"
        )
        await collector.wait_for(live, timeout=5)
    assert "clock" in down.reason.lower() or "time" in down.reason.lower()
    assert -31_000 < worker.protocol.clock_offset_ms < -29_000


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_order_fill_and_balances_flow_into_the_account(
    venue, quiet_sim, demo_settings, collector
) -> None:
    account = Account()

    def sink(events) -> None:
        collector(events)
        account.apply(events)

    market = ORDER_MARKET[venue]
    worker = private_workers(demo_settings, sink).workers[venue]
    async with running(worker):
        await collector.wait_for(live)
        price = rest_price(quiet_sim, venue, market)
        order_id = str(quiet_sim.place_order(venue, market, "buy", price, "10"))
        await collector.wait_for(lambda ev: type(ev) is Order and ev.order_id == order_id)
        assert account.order(venue, order_id).state == "open"
        assert account.resting_levels(venue, market)[("buy", price)] == Decimal("10")
        mark = len(collector.events)
        quiet_sim.fill_order(venue, order_id, "4")
        fill = await collector.wait_for(
            lambda ev: type(ev) is Fill and ev.order_id == order_id, start=mark
        )
        assert fill.size == Decimal("4") and fill.price == price
        await collector.wait_for(lambda ev: type(ev) is Balances and not ev.complete, start=mark)
        await collector.wait_for(
            lambda ev: type(ev) is Order and ev.order_id == order_id and ev.state == "partial",
            start=mark,
        )
    order = account.order(venue, order_id)
    assert order.state == "partial" and order.filled == Decimal("4")
    assert account.resting_levels(venue, market)[("buy", price)] == Decimal("6")


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_fill_while_disconnected_is_recovered(
    venue, quiet_sim, demo_settings, collector
) -> None:
    account = Account()

    def sink(events) -> None:
        collector(events)
        account.apply(events)

    market = ORDER_MARKET[venue]
    worker = private_workers(demo_settings, sink).workers[venue]
    worker.backoff.base = 1.0  # leave a window in which the socket is down
    async with running(worker):
        await collector.wait_for(live)
        price = rest_price(quiet_sim, venue, market)
        order_id = str(quiet_sim.place_order(venue, market, "buy", price, "5"))
        await collector.wait_for(lambda ev: type(ev) is Order and ev.order_id == order_id)
        await quiet_sim.drop_connections(venue, channel="private")
        down = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting"
        )
        quiet_sim.fill_order(venue, order_id)  # fills completely while nobody listens
        index = collector.events.index(down)
        await collector.wait_for(live, start=index, timeout=10)
        await collector.wait_for(
            lambda ev: type(ev) is Fill and ev.order_id == order_id, start=index, timeout=5
        )
    order = account.order(venue, order_id)
    assert order.state == "filled", order
    fills = [f for f in account.fills_view(venue, market, 50) if f.order_id == order_id]
    assert sum(f.size for f in fills) == Decimal("5")
    assert ("buy", price) not in account.resting_levels(venue, market)


async def test_korbit_seeds_open_orders_on_every_launched_pair_of_the_whole_listing(
    start_sim, base_settings, collector
) -> None:
    """Korbit's ``/v2/openOrders`` needs a symbol: the seed asks each of the 193 launched
    pairs (about 4 s at the feed's 40 calls/s), and an order on a pair far down the list is
    found."""
    sim = await start_sim(seed=11)  # the whole listing
    sim.pause_trader()
    launched = sorted(x.code for x in korbit_listings(11) if x.active)
    far = launched[-1]
    book = sim.korbit_markets[far]
    order_id = str(sim.place_order("korbit", far, "buy", book.bids[3].price, "100"))
    settings = point_at(base_settings, sim.http_url, demo_keys=True)
    worker = private_workers(settings, collector).workers["korbit"]
    async with running(worker):
        await collector.wait_for(live, timeout=60)
    seeded = {
        symbol
        for ev in collector.events
        if type(ev) is OrdersSnapshot
        for symbol in ev.markets or ()
    }
    assert seeded == set(launched)
    assert any(
        type(ev) is OrdersSnapshot and any(o.order_id == order_id for o in ev.orders)
        for ev in collector.events
    )


async def test_without_keys_there_is_no_worker_but_a_hint(base_settings, collector) -> None:
    setup = private_workers(base_settings, collector)
    assert setup.workers == {}
    assert "upbit.access_key" in setup.missing["upbit"]
    assert "korbit.api_key" in setup.missing["korbit"]


async def test_unreadable_key_file_is_reported(base_settings, collector, tmp_path) -> None:
    settings = base_settings.model_copy(
        update={
            "korbit": base_settings.korbit.model_copy(
                update={"api_key": SecretStr("k"), "private_key_file": tmp_path / "missing.pem"}
            )
        }
    )
    setup = private_workers(settings, collector)
    assert "korbit" not in setup.workers
    assert "missing.pem" in setup.missing["korbit"]
