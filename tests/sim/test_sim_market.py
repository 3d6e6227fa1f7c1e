"""The market generator: ticks, book invariants, trades against the book, determinism."""

from __future__ import annotations

import dataclasses
import itertools
from decimal import Decimal

import pytest

from mdtui.sim.engine.listings import (
    KORBIT_CORE,
    UPBIT_CORE,
    Listing,
    korbit_listings,
    upbit_listings,
)
from mdtui.sim.engine.market_generator import DEPTH, Market, Rate, VenueMarkets, group_levels
from mdtui.sim.engine.ticks import (
    KORBIT_KRW,
    UPBIT_KRW,
    TickLadder,
    floor_to_tick,
    is_on_tick,
    step_down,
    step_up,
    tick_size,
)

NOW = 1_750_000_000_000
D = Decimal


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        ("145000000", "1000"),
        ("1000000", "1000"),
        ("999500", "500"),
        ("500000", "500"),
        ("250000", "100"),
        ("50000", "50"),
        ("30000", "10"),
        ("5000", "5"),
        ("4999", "1"),
        ("100", "1"),
        ("99.9", "0.1"),
        ("3.5", "0.01"),
        ("0.5", "0.001"),
        ("0.0185", "0.0001"),
        ("0.005", "0.00001"),
    ],
)
def test_upbit_krw_ticks(price: str, tick: str) -> None:
    assert tick_size(UPBIT_KRW, D(price)) == D(tick)


@pytest.mark.parametrize(
    ("price", "tick"),
    [("145000000", "1000"), ("3000", "1"), ("999", "0.1"), ("99", "0.01"), ("0.5", "0.0001")],
)
def test_korbit_ticks(price: str, tick: str) -> None:
    assert tick_size(KORBIT_KRW, D(price)) == D(tick)


@pytest.mark.parametrize(
    ("ladder", "price", "below"),
    [
        (UPBIT_KRW, "1000000", "999500"),
        (UPBIT_KRW, "5000", "4999"),
        (UPBIT_KRW, "100", "99.9"),
        (KORBIT_KRW, "1000", "999.9"),
        (UPBIT_KRW, "145000000", "144999000"),
    ],
)
def test_step_down_across_bands(ladder: TickLadder, price: str, below: str) -> None:
    assert step_down(ladder, D(price)) == D(below)
    assert step_up(ladder, D(below)) == D(price)


def test_floor_to_tick_is_plain() -> None:
    assert str(floor_to_tick(UPBIT_KRW, D("1.452E+8"))) == "145200000"
    assert str(floor_to_tick(UPBIT_KRW, D("0.018529"))) == "0.0185"


def _check_book(market: Market) -> None:
    bids, asks = market.bids, market.asks
    assert len(bids) == DEPTH and len(asks) == DEPTH
    assert bids[0].price < asks[0].price
    assert all(a.price > b.price for a, b in itertools.pairwise(bids))
    assert all(a.price < b.price for a, b in itertools.pairwise(asks))
    for level in bids + asks:
        assert is_on_tick(market.ladder, level.price), (market.code, level.price)
        assert level.size > 0
        assert level.size == level.size.quantize(D("0.00000001"))


def _sample(listings: tuple[Listing, ...], every: int) -> tuple[Listing, ...]:
    """Every ``every``-th listing, made to move on every step (quiet ones rarely do)."""
    return tuple(dataclasses.replace(x, activity=1.0) for x in listings[::every])


@pytest.mark.parametrize(
    ("venue", "listings"),
    [
        ("upbit", UPBIT_CORE + _sample(upbit_listings("kr", 3), 12)),
        ("upbit", _sample(upbit_listings("sg", 3), 8)),
        ("upbit", _sample(upbit_listings("id", 3), 8)),
        ("upbit", _sample(upbit_listings("th", 3), 6)),
        ("korbit", KORBIT_CORE + _sample(korbit_listings(3), 12)),
    ],
    ids=["upbit-kr", "upbit-sg", "upbit-id", "upbit-th", "korbit"],
)
def test_books_stay_on_tick_and_uncrossed(venue: str, listings: tuple[Listing, ...]) -> None:
    markets = VenueMarkets(venue, listings, seed=3, now_ms=NOW)
    rate = Rate(volatility=5.0)  # more re-centring than the default
    for step in range(200):
        for market in markets:
            if not market.active:
                continue
            update = markets.step(market.code, NOW + step * 100, rate)
            for trade in update.trades if update else []:
                # a taker trades at the touch (the quotes recorded are those right after it):
                # a buy lifts the best ask, a sell hits the best bid
                assert is_on_tick(market.ladder, trade.price)
                assert trade.best_bid_price < trade.best_ask_price
                if trade.buyer_taker:
                    assert trade.best_bid_price < trade.price <= trade.best_ask_price
                else:
                    assert trade.best_bid_price <= trade.price < trade.best_ask_price
            _check_book(market)


def test_the_core_markets_come_first_with_names() -> None:
    upbit, korbit = upbit_listings("kr", 1), korbit_listings(1)
    assert upbit[0].code == "KRW-BTC" and upbit[0].korean_name == "비트코인"
    assert korbit[0].code == "btc_krw" and korbit[0].korean_name == "비트코인"
    assert upbit[: len(UPBIT_CORE)] == UPBIT_CORE and korbit[: len(KORBIT_CORE)] == KORBIT_CORE


def _fingerprint(markets: VenueMarkets) -> list[tuple]:
    return [
        (
            m.code,
            [(lv.price, lv.size) for lv in m.bids + m.asks],
            [(t.id, t.price, t.size, t.timestamp) for t in m.trades],
            m.stats,
        )
        for m in markets
    ]


def test_same_seed_same_market() -> None:
    runs = []
    for _ in range(2):
        markets = VenueMarkets("upbit", UPBIT_CORE, seed=11, now_ms=NOW)
        for step in range(50):
            for market in markets:
                markets.step(market.code, NOW + step * 100, Rate())
        runs.append(_fingerprint(markets))
    assert runs[0] == runs[1]
    other = VenueMarkets("upbit", UPBIT_CORE, seed=12, now_ms=NOW)
    assert _fingerprint(other) != runs[0]


def test_day_stats_are_consistent() -> None:
    markets = VenueMarkets("upbit", UPBIT_CORE, seed=1, now_ms=NOW)
    for market in markets:
        s = market.stats
        assert s.low <= min(s.open, s.last) and s.high >= max(s.open, s.last)
        assert s.low_52w <= s.low and s.high_52w >= s.high
        assert s.acc_volume <= s.volume_24h
        assert s.acc_ask_volume + s.acc_bid_volume == s.acc_volume
        assert market.last_trade.price in (market.bids[0].price, market.asks[0].price)


def test_grouped_levels_stay_uncrossed() -> None:
    markets = VenueMarkets("korbit", KORBIT_CORE, seed=2, now_ms=NOW)
    market = markets["xrp_krw"]
    bids = group_levels(market.bids, D(10), descending=True)
    asks = group_levels(market.asks, D(10), descending=False)
    assert bids[0][0] < asks[0][0]
    assert all(p % 10 == 0 for p, _, _ in bids + asks)
    assert sum(q for _, q, _ in bids) == sum(lv.size for lv in market.bids)
