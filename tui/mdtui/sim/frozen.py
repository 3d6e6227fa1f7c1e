"""A frozen, deterministic simulator in a background thread, for snapshot tests and the
screenshot script.

The simulator runs with ``realtime=False`` and a fixed clock on its own event loop, so an
app started in the main thread (``App.run``) connects to it over loopback like any
exchange. :meth:`FrozenMarket.advance` steps every market
by hand: the same seed and steps always give the same screen.

The demo accounts are there too (no demo trader: :meth:`FrozenMarket.place_demo_orders`
and :meth:`FrozenMarket.fill_demo_order` give the private panes fixed content). Only
Korbit's signature time window follows the wall clock, because a client signs with it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Literal

from mdtui.sim.server import Simulator, Venue, wall_clock_ms

FROZEN_MS = 1_767_225_600_000
"""2026-01-01 00:00:00 UTC: the simulator's fixed clock at the start."""
APP_NOW = FROZEN_MS / 1000 + 15
"""The app's fixed clock (Unix seconds) in snapshots and screenshots: a little after the
last market step and demo order, so ages on screen are positive and fixed."""


class _FrozenSimulator(Simulator):
    """Market data on the fixed clock; Korbit's auth window on the wall clock."""

    def server_time(self) -> int:
        return wall_clock_ms() + self.clock_skew_ms


DemoOrder = tuple[Venue, str, Literal["buy", "sell"], int, str, str | None]

DEMO_ORDERS: tuple[DemoOrder, ...] = (
    # venue, market, side, levels from the touch, quantity, filled before the app starts
    ("korbit", "eth_krw", "buy", 2, "0.8", None),
    ("upbit", "KRW-XRP", "sell", 3, "500", "120"),
    ("upbit", "KRW-SOL", "buy", 4, "2", None),
)
"""Resting orders of the demo accounts in the frozen market, placed before the app starts."""
LADDER_ORDERS: tuple[DemoOrder, ...] = (
    ("upbit", "KRW-BTC", "buy", 2, "0.05", None),
    ("upbit", "KRW-BTC", "sell", 3, "0.03", None),
)
"""Orders placed while the app watches, on the market it shows first (after the market
steps, so they stay on the ladder)."""


class FrozenMarket:
    """``with FrozenMarket(seed) as market: ...`` gives ``market.url`` to point at."""

    def __init__(self, seed: int = 1, clock_ms: int = FROZEN_MS) -> None:
        self.seed = seed
        self.clock_ms = clock_ms
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="frozen-sim", daemon=True)
        self._sim: Simulator | None = None
        self._ready: Future[None] = Future()
        self.demo_orders: list[str | int] = []
        """Ids of the orders :meth:`place_demo_orders` placed."""

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()

    async def _start(self) -> None:
        try:
            sim = _FrozenSimulator(seed=self.seed, realtime=False, clock=lambda: self.clock_ms)
            await sim.start()
        except BaseException as exc:
            self._ready.set_exception(exc)
            raise
        self._sim = sim
        self.url = sim.http_url
        self._ready.set_result(None)

    def __enter__(self) -> FrozenMarket:
        self._thread.start()
        self._ready.result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        if self._sim is not None:
            asyncio.run_coroutine_threadsafe(self._sim.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def call(self, fn: Callable[[Simulator], Any]) -> Any:
        """Run ``fn(simulator)`` on the simulator's loop and return its result."""

        async def run() -> Any:
            assert self._sim is not None
            return fn(self._sim)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)

    def advance(self, steps: int = 1, step_ms: int = 250) -> None:
        """Step every market ``steps`` times, ``step_ms`` apart on the fixed clock, and
        publish the changes (deterministic for a seed)."""

        def run(sim: Simulator) -> None:
            for _ in range(steps):
                self.clock_ms += step_ms
                sim.advance(1)

        self.call(run)

    def place_demo_orders(self, orders: tuple[DemoOrder, ...] = DEMO_ORDERS) -> list[str | int]:
        """Rest ``orders`` (a fixed clock step apart, so their order is fixed); return
        their ids (also added to :attr:`demo_orders`)."""

        def run(sim: Simulator) -> list[str | int]:
            ids = []
            for venue, market, side, level, qty, filled in orders:
                self.clock_ms += 500
                book = sim.markets[venue][market]
                price = (book.bids if side == "buy" else book.asks)[level].price
                order_id = sim.place_order(venue, market, side, price, qty)
                if filled:
                    sim.fill_order(venue, order_id, filled)
                ids.append(order_id)
            return ids

        ids = list(self.call(run))
        self.demo_orders += ids
        return ids

    def fill_demo_order(self, venue: Venue, order_id: str | int, qty: str) -> None:
        """Fill ``qty`` of a demo order now (a fill the private panes receive live)."""
        self.call(lambda sim: sim.fill_order(venue, order_id, qty))

    def send_raw(self, venue: Venue, data: str | bytes) -> int:
        """:meth:`Simulator.send_raw` from another thread: ``data`` as is to every public
        socket of ``venue``; returns how many."""
        assert self._sim is not None
        future = asyncio.run_coroutine_threadsafe(self._sim.send_raw(venue, data), self._loop)
        return int(future.result(timeout=10))

    def open_connections(self) -> int:
        return int(self.call(lambda sim: sim.open_connections()))

    def demo_activity(self) -> None:
        """What happens while the app watches, in the snapshots and screenshots: part of
        the Korbit demo order fills, and :data:`LADDER_ORDERS` rest."""
        self.fill_demo_order("korbit", self.demo_orders[0], "0.3")
        self.place_demo_orders(LADDER_ORDERS)
