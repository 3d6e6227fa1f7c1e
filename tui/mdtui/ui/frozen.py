"""A frozen, deterministic simulator in a background thread, for snapshot tests and the
screenshot script.

The simulator runs with ``realtime=False`` and a fixed clock on its own event loop, so an
app started with :func:`mdtui.ui.app.make_app` in the main thread (``App.run``) connects
to it over loopback like any exchange. :meth:`FrozenMarket.advance` steps every market
by hand: the same seed and steps always give the same screen.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from mdtui.sim.server import Simulator

if TYPE_CHECKING:
    from mdtui.ui.app import MdtuiApp

FROZEN_MS = 1_767_225_600_000
"""2026-01-01 00:00:00 UTC: the simulator's (and the app's) fixed clock."""


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

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()

    async def _start(self) -> None:
        try:
            sim = Simulator(seed=self.seed, realtime=False, clock=lambda: self.clock_ms)
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

    def open_connections(self) -> int:
        return int(self.call(lambda sim: sim.open_connections()))


async def wait_ready(app: MdtuiApp, timeout: float = 8.0) -> None:
    """Wait until every watchlist ticker, the selected book and both market lists are in."""
    markets = app.view.model.markets

    def done() -> bool:
        tickers = all(k in markets and markets[k].ticker for k in app.watchlist)
        lists = app.view.catalog.loaded >= {"upbit", "korbit"}
        return tickers and lists and app.ladder.book is not None

    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            missing = [k for k in app.watchlist if not (k in markets and markets[k].ticker)]
            feeds = {k: (v.state, v.reason) for k, v in app.view.model.feeds.items()}
            raise TimeoutError(
                f"not ready: no ticker for {missing}; lists {app.view.catalog.loaded}; "
                f"book {app.ladder.book is not None}; feeds {feeds}"
            )
        await asyncio.sleep(0.02)


async def wait_quiet(app: MdtuiApp, quiet: float = 0.5, timeout: float = 10.0) -> None:
    """Wait until no event reached the model for ``quiet`` seconds (any price flash has
    ended by then), so a screenshot is deterministic."""
    start = since = time.monotonic()
    seq = app.view.model.seq
    while time.monotonic() - since < quiet:
        if time.monotonic() - start > timeout:
            raise TimeoutError("the feed never went quiet")
        await asyncio.sleep(0.05)
        if app.view.model.seq != seq:
            seq, since = app.view.model.seq, time.monotonic()
