"""The demo trader: keeps the demo accounts busy so the private panes move.

Per venue, at random intervals (``actions_per_minute`` on average, exponential gaps), it
either places a limit order on one of its markets, cancels one of its open orders (always
when it has ``max_open_orders``, else with ``cancel_share``), or, with
``partial_fill_share``, has a taker fill part (20-60 %) of one of its resting orders at once,
so open orders get partial fills while they rest. Its markets are ``markets`` (on the
default demo watchlist) and ``other_markets`` (listed but not on that watchlist: orders
and fills there reach a client only through the private socket and REST, as orders made
elsewhere would), Upbit's BTC and USDT markets among them. ``opening_orders`` rest when
the trader starts, so the demo account opens with orders in every quote. A buy goes at or
below the best bid, a sell at or above the best ask: at the touch, or up to
``max_distance`` of the price away, so some orders fill at once and others rest on the
ladder for a while. Orders never cross the spread; they fill from the
simulated market's flow (see ``market_generator``; markets with resting orders keep
stepping even when no socket watches them). Sizes are about one typical public trade, so
some orders fill in one trade and others in several partial fills. Decisions come from a
``random.Random`` seeded per venue; the timing follows the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from mdtui.sim.engine.demo_account import FEE_RATE, DemoOrder, Side
from mdtui.sim.engine.market_generator import Market
from mdtui.sim.engine.order_desk import OrderDesk, OrderError
from mdtui.sim.engine.ticks import floor_to_tick, step_up

log = logging.getLogger("mdtui.sim.trader")

MIN_ORDER: dict[str, Decimal] = {
    "KRW": Decimal(5000),
    "BTC": Decimal("0.00005"),
    "USDT": Decimal("0.5"),
    "SGD": Decimal(5),
    "IDR": Decimal(50000),
    "THB": Decimal(100),
}
"""Least order value per quote: Upbit's documented KRW, BTC and USDT minimums; for the
Global fiat quotes the simulator's choice (about 5,000 KRW)."""

OpeningOrder = tuple[str, str, Side, str, str]
"""(venue, market, side, distance from the touch as a fraction of the price, quantity): an
order placed when the trader starts."""


@dataclass(frozen=True, slots=True)
class TraderConfig:
    actions_per_minute: float = 4.0
    """Average actions per minute per venue."""
    max_open_orders: int = 4
    cancel_share: float = 0.2
    partial_fill_share: float = 0.15
    """Share of actions (when it has open orders) that fill part of a resting order."""
    max_distance: float = 0.0005
    """How far from the touch an order may rest, as a fraction of the price."""
    markets: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "upbit": ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL"),
            "korbit": ("btc_krw", "eth_krw", "xrp_krw", "sol_krw"),
        }
    )
    """Markets on the default demo watchlist."""
    other_markets: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "upbit": ("KRW-TRX", "KRW-LINK", "KRW-DOT", "BTC-ETH", "USDT-XRP"),
            "korbit": ("trx_krw", "link_krw", "dot_krw"),
        }
    )
    """Listed markets off the default demo watchlist (on Upbit, also a BTC-quoted and a
    USDT-quoted market)."""
    opening_orders: tuple[OpeningOrder, ...] = ()
    """Orders placed when the trader starts (see ``DEMO_OPENING_ORDERS``)."""

    def all_markets(self, venue: str) -> tuple[str, ...]:
        return self.markets.get(venue, ()) + self.other_markets.get(venue, ())

    def in_home_quote(self, home: str) -> TraderConfig:
        """This config with Upbit's KRW markets moved to ``home`` (an Upbit Global
        region's fiat: ``KRW-BTC`` becomes ``SGD-BTC``)."""

        def move(code: str) -> str:
            return f"{home}-{code[4:]}" if code.startswith("KRW-") else code

        def moved(codes: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
            return {**codes, "upbit": tuple(move(c) for c in codes.get("upbit", ()))}

        return replace(
            self,
            markets=moved(self.markets),
            other_markets=moved(self.other_markets),
            opening_orders=tuple(
                (venue, move(code) if venue == "upbit" else code, side, distance, qty)
                for venue, code, side, distance, qty in self.opening_orders
            ),
        )


DEMO_OPENING_ORDERS: tuple[OpeningOrder, ...] = (
    ("upbit", "BTC-ETH", "buy", "0.004", "0.5"),
    ("upbit", "BTC-ETH", "sell", "0.006", "0.3"),
    ("upbit", "USDT-XRP", "buy", "0.005", "300"),
    ("upbit", "USDT-SOL", "sell", "0.008", "2"),
)
"""The demo's opening orders: resting orders in Upbit's BTC and USDT markets, far enough
from the touch (0.4-0.8 %) to rest for a while (an hour's typical move is about 1 %)."""


FillHook = Callable[[str, str, Decimal], None]
"""``fill(venue, order_id, qty)``: fill part of an order now and publish the public trade."""


class DemoTrader:
    """One task per venue, started and stopped with the simulator. ``fill`` publishes a
    forced partial fill (the simulator's ``fill_order``); without it the desk fills alone."""

    def __init__(
        self,
        desks: dict[str, OrderDesk],
        config: TraderConfig,
        seed: int,
        fill: FillHook | None = None,
    ) -> None:
        self.desks = desks
        self.config = config
        self.fill = fill
        self.paused = False
        self._rngs = {venue: random.Random(f"{seed}:{venue}:trader") for venue in desks}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.place_opening_orders()
        self._tasks = [
            asyncio.create_task(self._run(venue), name=f"sim-trader-{venue}")
            for venue in self.desks
        ]

    def place_opening_orders(self) -> None:
        """Rest ``config.opening_orders`` (those whose market is listed and whose funds are
        there) on their own side of the book, their distance off the touch."""
        for venue, code, side, distance, qty in self.config.opening_orders:
            desk = self.desks.get(venue)
            if desk is None or code not in desk.markets or not desk.markets[code].active:
                continue
            market = desk.markets[code]
            if side == "buy":
                price = floor_to_tick(market.ladder, market.bids[0].price * (1 - Decimal(distance)))
            else:
                price = step_up(
                    market.ladder,
                    floor_to_tick(market.ladder, market.asks[0].price * (1 + Decimal(distance))),
                )
            with contextlib.suppress(OrderError):
                desk.place(code, side, price, Decimal(qty))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self, venue: str) -> None:
        rng = self._rngs[venue]
        rate = self.config.actions_per_minute / 60.0
        while True:
            await asyncio.sleep(rng.expovariate(rate) if rate > 0 else 3600.0)
            if not self.paused:
                try:
                    self.act(venue)
                except Exception:  # the demo must go on; a bug here shows in the log
                    log.exception("demo trader failed on %s", venue)

    def act(self, venue: str) -> str:
        """One action on ``venue``: ``"placed"``, ``"canceled"``, ``"partial"`` (part of a
        resting order filled) or ``"idle"``."""
        desk, rng = self.desks[venue], self._rngs[venue]
        config = self.config
        mine = [o for o in desk.account.open_orders() if o.code in self._markets(venue)]
        full = len(mine) >= config.max_open_orders
        roll = rng.random()
        if (
            mine
            and roll < config.partial_fill_share
            and self._fill_part(venue, desk, rng, rng.choice(mine))
        ):
            return "partial"
        if mine and (full or roll < config.partial_fill_share + config.cancel_share):
            desk.cancel(rng.choice(mine).id)
            return "canceled"
        if full:
            return "idle"
        return "placed" if self._place(venue, desk, rng) else "idle"

    def _markets(self, venue: str) -> tuple[str, ...]:
        return self.config.all_markets(venue)

    def _fill_part(self, venue: str, desk: OrderDesk, rng: random.Random, order: DemoOrder) -> bool:
        """Fill 20-60 % of what ``order`` has left (never all of it)."""
        quantum = _quantum(desk.markets[order.code])
        size = (order.remaining * Decimal(repr(rng.uniform(0.2, 0.6)))).quantize(
            quantum, rounding=ROUND_DOWN
        )
        if size <= 0 or size >= order.remaining:
            return False
        if self.fill is not None:
            self.fill(venue, order.id, size)
        else:
            desk.force_fill(order.id, size)
        return True

    def _place(self, venue: str, desk: OrderDesk, rng: random.Random) -> bool:
        codes = [c for c in self._markets(venue) if c in desk.markets and desk.markets[c].active]
        if not codes:
            return False
        market = desk.markets[rng.choice(codes)]
        ladder = market.ladder
        quote = market.listing.quote
        quantum = _quantum(market)
        qty = (_lot(market) * Decimal(repr(rng.uniform(0.02, 0.25)))).quantize(
            quantum, rounding=ROUND_DOWN
        )
        # a quiet market's typical trade can be below the quote's minimum order: go above it
        least = MIN_ORDER.get(quote, Decimal(0)) * Decimal("1.5") / market.bids[0].price
        qty = max(qty, least.quantize(quantum, rounding=ROUND_UP))
        distance = rng.uniform(0.0, self.config.max_distance) if rng.random() < 0.6 else 0.0
        sides: list[Side] = ["buy", "sell"]
        rng.shuffle(sides)
        account = desk.account
        for side in sides:
            if side == "buy":
                price = floor_to_tick(ladder, market.bids[0].price * Decimal(1 - distance))
                cost = price * qty * (1 + FEE_RATE)
                if account.holding(quote).available < cost:
                    continue
            else:
                price = market.asks[0].price
                while price < market.asks[0].price * Decimal(1 + distance):
                    price = step_up(ladder, price)
                if account.holding(market.listing.base).available < qty:
                    continue
            if price * qty < MIN_ORDER.get(quote, Decimal(0)) or qty <= 0:
                return False
            try:
                desk.place(market.code, side, price, qty)
            except OrderError:
                continue
            return True
        return False


def _lot(market: Market) -> Decimal:
    """About one typical public trade of ``market``."""
    return market.listing.daily_volume / 20_000 or Decimal(1)


def _quantum(market: Market) -> Decimal:
    """The trader's size step on ``market``."""
    return Decimal("1E-4") if _lot(market) > 1 else Decimal("1E-6")
