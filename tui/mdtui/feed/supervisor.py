"""The app's feeds: one async worker per public websocket and one per private websocket
of an exchange with API keys (or a replay), the subscription policy with its pacing, and
the exchanges' market lists for the catalogue.

Workers run as Textual workers of the app, each in its own group with
``exit_on_error=False``. Their sinks are called on the app's event loop with each decoded
batch and only write the shared model and account; the panes read them at their own pace.
Private batches are applied whole and in order (never dropped or coalesced); the fills
that were new are handed to ``on_fills`` (toasts).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.timer import Timer

from mdtui.display.shared_state import SharedState
from mdtui.feed.subscription_policy import subscriptions
from mdtui.feed.worker import FeedWorker
from mdtui.model.events import AnyEvent, Balances, Fill, Order, OrdersSnapshot
from mdtui.settings import Settings
from mdtui.venues.markets import MarketInfo

log = logging.getLogger(__name__)

SUBSCRIBE_EVERY = 0.25
"""Seconds between subscription changes sent for market switches (leading and trailing)."""
MARKETS_RETRY = (5.0, 120.0)
"""First and longest delay between attempts to load an exchange's market list."""
PRIVATE_KINDS = (Order, Fill, Balances, OrdersSnapshot)
"""Event kinds of the private channel (a replay's batches are routed by them)."""


class FeedSupervisor:
    """Starts the feeds for ``app`` and keeps their subscriptions in line with the
    watchlist and the selected market."""

    def __init__(
        self,
        app: App,
        settings: Settings,
        shared: SharedState,
        clock: Callable[[], float],
        on_markets: Callable[[], None],
        on_fills: Callable[[list[Fill]], None] = lambda fills: None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.shared = shared
        self.clock = clock
        self.on_markets = on_markets
        """Called when a market list arrived (names and ticks changed)."""
        self.on_fills = on_fills
        """Called with the fills each private batch added (not with repeats)."""
        self.workers: dict[str, FeedWorker] = {}
        self.private: dict[str, FeedWorker] = {}
        """The private feed workers by exchange (only exchanges with keys)."""
        self._lists: dict[str, list[MarketInfo]] = {}
        self._wanted: tuple[list[str], str | None] = ([], None)
        self._sent_at = 0.0
        self._timer: Timer | None = None

    def sink(self, events: list[AnyEvent]) -> None:
        """Called by the public workers (same event loop) with each decoded batch."""
        self.shared.model.apply(events, int(self.clock() * 1000), "public")

    def private_sink(self, events: list[AnyEvent]) -> None:
        """Called by the private workers with each batch: feed health into the model,
        orders, fills and balances into the account, all of it, in order."""
        self.shared.model.apply(events, int(self.clock() * 1000), "private")
        fills = self.shared.account.apply(events)
        if fills:
            self.on_fills(fills)

    def replay_sink(self, events: list[AnyEvent]) -> None:
        """A replay's batches (one frame each): private ones to the account too."""
        if any(isinstance(ev, PRIVATE_KINDS) for ev in events):
            self.private_sink(events)
        else:
            self.sink(events)

    def start(self, replay: Path | None = None, speed: float = 1.0) -> None:
        """Start a replay of ``replay``, or one worker per exchange's public socket and
        one per private socket of an exchange with keys."""
        app = self.app
        if replay is not None:
            app.run_worker(
                self._replay(replay, speed), name="replay", group="replay", exit_on_error=False
            )
            return
        from mdtui.feed.private_feeds import private_workers
        from mdtui.feed.public_feeds import public_workers

        setup = private_workers(self.settings, self.private_sink)
        self.private = dict(setup.workers)
        self.shared.private_missing = dict(setup.missing)
        for venue, worker in self.private.items():
            app.run_worker(
                worker.run(),
                name=f"{venue} private feed",
                group=f"feed-{venue}-private",
                exit_on_error=False,
            )

        self.workers = dict(public_workers(self.settings, self.sink))
        for venue, worker in self.workers.items():
            app.run_worker(
                worker.run(),
                name=f"{venue} public feed",
                group=f"feed-{venue}-public",
                exit_on_error=False,
            )
            app.run_worker(
                self._load_markets(venue),
                name=f"{venue} market list",
                group=f"markets-{venue}",
                exit_on_error=False,
            )
        self._send()

    def stop(self) -> None:
        """Ask every worker to stop (they also stop when the app cancels them)."""
        for worker in (*self.workers.values(), *self.private.values()):
            worker.stop()

    # -- subscriptions ------------------------------------------------------------------

    def want(self, watchlist: list[str], selected: str | None) -> None:
        """Stream tickers for ``watchlist`` and book and trades for ``selected``: at once,
        unless a change went out less than :data:`SUBSCRIBE_EVERY` ago; then once more
        when that interval is over (holding ``j`` sends a few requests, not one per row)."""
        self._wanted = (list(watchlist), selected)
        if not self.workers:
            return
        wait = self._sent_at + SUBSCRIBE_EVERY - time.monotonic()
        if wait > 0:
            if self._timer is None:
                self._timer = self.app.set_timer(wait, self._send)
            return
        self._send()

    def _send(self) -> None:
        self._timer = None
        self._sent_at = time.monotonic()
        watchlist, selected = self._wanted
        for venue, subscription in subscriptions(watchlist, selected, list(self.workers)).items():
            self.workers[venue].subscribe(subscription)

    def streams_book(self, key: str) -> bool:
        """Whether ``key``'s order book is being streamed (so its stored book is current)."""
        if self.shared.replay:
            return True
        venue, _, market = key.partition(":")
        worker = self.workers.get(venue)
        return worker is not None and (
            market in worker.wanted.books or market in worker.wanted.tops
        )

    # -- replay and market lists --------------------------------------------------------

    async def _replay(self, path: Path, speed: float) -> None:
        from mdtui.feed.public_feeds import decoder_for
        from mdtui.feed.replay import replay

        count = await replay(path, decoder_for, self.replay_sink, speed)
        log.info("replay of %s ended after %d frames", path, count)
        self.app.notify(f"replay ended ({count} frames)", timeout=5)

    async def _load_markets(self, venue: str) -> None:
        """Fetch the exchange's market list (names, ticks) for search; retry with backoff."""
        import httpx

        from mdtui.feed.market_lists import fetch_markets

        delay, longest = MARKETS_RETRY
        # one client for all attempts: a new TLS context costs ~80 ms of CPU each time
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                try:
                    infos = await fetch_markets(self.settings, venue, client)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("%s market list: %s; retry in %.0fs", venue, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, longest)
        self._lists[venue] = infos
        log.info("%s: %d markets listed", venue, len(infos))
        self._merge_lists()
        self.on_markets()

    def _merge_lists(self) -> None:
        """Add the loaded lists to the catalogue; Korbit lists no names, so it borrows
        Upbit's by base currency."""
        from mdtui.feed.market_lists import with_names

        named = self._lists.get("upbit", [])
        for venue, infos in self._lists.items():
            self.shared.catalog.add_infos(venue, with_names(infos, named) if named else infos)
