"""The feeds of one session, for the dashboard and for ``mdtui watch`` / ``mdtui record``.

:class:`FeedSupervisor` starts one worker per public websocket, one per private websocket of
an exchange with API keys, or a replay of a capture file instead; keeps the subscriptions in
line with what the caller wants (paced, so holding a key sends a few requests, not one per
row); and loads the exchanges' market lists. Once a list is in, a market it does not list
(or lists as stopped) is left out of the subscription, so the exchange never refuses the
request for the others (:meth:`FeedSupervisor.excluded` says which and why).

How a coroutine runs is the caller's choice (``spawn``): the dashboard runs them as Textual
workers, the headless commands as asyncio tasks (the default). Sinks are called on the event
loop with each decoded batch; private batches arrive whole and in order, never dropped or
coalesced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import httpx

from mdtui.feed.candle_feed import CandleFeed
from mdtui.feed.market_lists import fetch_markets, with_names
from mdtui.feed.private_feeds import private_workers
from mdtui.feed.public_feeds import decoder_for, public_workers
from mdtui.feed.replay import replay
from mdtui.feed.server_clock import wall_ms
from mdtui.feed.subscription_policy import VENUES, by_venue, dashboard_subscriptions
from mdtui.feed.worker import FeedWorker, Sink, Tap
from mdtui.model.events import AnyEvent, Balances, Fill, Order, OrdersSnapshot
from mdtui.settings import Settings
from mdtui.venues.markets import MarketInfo
from mdtui.venues.subscription import Subscription

log = logging.getLogger(__name__)

SUBSCRIBE_EVERY = 0.25
"""Seconds between subscription changes sent for market switches (leading and trailing)."""
MARKETS_RETRY = (5.0, 120.0)
"""First and longest delay between attempts to load an exchange's market list."""
PRIVATE_KINDS = (Order, Fill, Balances, OrdersSnapshot)
"""Event kinds of the private channel (a replay's batches are routed by them)."""

Spawn = Callable[[Coroutine[Any, Any, Any], str, str], object]
"""``spawn(coroutine, name, group)`` runs a long-lived coroutine in the background."""


class Exclusion(NamedTuple):
    """Why a wanted market is left out of its exchange's subscription."""

    kind: Literal["unlisted", "delisted", "rejected"]
    """Not in the exchange's market list; listed but not trading (Korbit ``stopped``);
    refused by the exchange when subscribed (``detail`` is its error code)."""
    detail: str = ""


class FeedSupervisor:
    """Runs a session's feeds and keeps their subscriptions as wanted.

    ``public_sink`` gets the public sockets' batches, ``private_sink`` the private ones'
    (a replay routes each batch by its event kinds). ``on_markets`` is called with every
    loaded market list (venue -> markets, Korbit's named after Upbit's by base currency).
    """

    def __init__(
        self,
        settings: Settings,
        public_sink: Sink,
        private_sink: Sink,
        *,
        tap: Tap | None = None,
        spawn: Spawn | None = None,
        venues: Iterable[str] = VENUES,
        private: bool = True,
        on_markets: Callable[[dict[str, list[MarketInfo]]], None] | None = None,
        on_replay_end: Callable[[int], None] = lambda count: None,
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        self.settings = settings
        self.public_sink = public_sink
        self.private_sink = private_sink
        self.tap = tap
        self.venues = list(venues)
        self.with_private = private
        self.on_markets = on_markets
        """None: market lists are not loaded."""
        self.on_replay_end = on_replay_end
        self._spawn = spawn or self._spawn_task
        self._tasks: list[asyncio.Task[Any]] = []
        self.workers: dict[str, FeedWorker] = {}
        """The public feed workers by exchange (empty before start and in a replay)."""
        self.private: dict[str, FeedWorker] = {}
        """The private feed workers by exchange (only exchanges with keys)."""
        self.private_missing: dict[str, str] = {}
        """venue -> how to configure it, for venues without (usable) API keys."""
        self.replaying = False
        self.market_lists: dict[str, list[MarketInfo]] = {}
        self.clock = clock
        """Unix ms, the clock the exchanges' clocks are measured against."""
        self.clock_offsets: dict[str, int] = {}
        """venue -> its clock minus :attr:`clock`, read from its market list's reply."""
        self._trading: dict[str, dict[str, bool]] = {}
        """venue -> code -> whether its market list says it trades (once loaded)."""
        self._wanted: dict[str, Subscription] = {}
        self._sent_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.candles = CandleFeed(
            settings,
            public_sink,
            lambda: self.workers,
            offsets=lambda: self.clock_offsets,
            clock=clock,
        )
        """Fills the chart's candle series (REST history and repairs)."""

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, replay_path: Path | None = None, speed: float = 1.0) -> None:
        """Start a replay of ``replay_path``, or the public workers (with their market
        lists) and, unless disabled, the private worker of every exchange with keys.
        Must be called on the running event loop."""
        if replay_path is not None:
            self.replaying = True
            self._spawn(self._replay(replay_path, speed), "replay", "replay")
            return
        if self.with_private:
            setup = private_workers(self.settings, self.private_sink, self.tap)
            self.private = dict(setup.workers)
            self.private_missing = dict(setup.missing)
            for venue, worker in self.private.items():
                self._spawn(worker.run(), f"{venue} private feed", f"feed-{venue}-private")
        self.workers = dict(public_workers(self.settings, self.public_sink, self.tap, self.venues))
        self._spawn(self.candles.run(), "candles", "candles")
        for venue, worker in self.workers.items():
            self._spawn(worker.run(), f"{venue} public feed", f"feed-{venue}-public")
            if self.on_markets is not None:
                self._spawn(self._load_markets(venue), f"{venue} market list", f"markets-{venue}")
        self._send()

    def stop(self) -> None:
        """Ask every worker to stop (no waiting on sockets)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.candles.stop()
        for worker in (*self.workers.values(), *self.private.values()):
            worker.stop()

    async def aclose(self) -> None:
        """Stop, then cancel and await the tasks the default ``spawn`` started."""
        self.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _spawn_task(self, coro: Coroutine[Any, Any, Any], name: str, group: str) -> object:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.append(task)
        return task

    # -- subscriptions ------------------------------------------------------------------

    def want(
        self,
        watchlist: Sequence[str],
        selected: str | None,
        board: Sequence[str] = (),
        twin: str | None = None,
        chart: tuple[str, str, int | None] | None = None,
    ) -> None:
        """The dashboard's policy: tickers (and best bid/ask) for ``watchlist`` and the
        selected coin's ``twin``, book and trades for ``selected``, tickers for the
        all-markets ``board``, the candles of ``chart`` (market key, interval, and the
        bucket start to read history before, if any; see :func:`dashboard_subscriptions`
        and :class:`CandleFeed`)."""
        if not self.replaying:
            self.candles.want(*(chart or (None, None, None)))
        shown = chart[:2] if chart is not None else None
        self._change(dashboard_subscriptions(watchlist, selected, self.venues, board, twin, shown))

    def want_everything(self, markets: Sequence[str]) -> None:
        """Tickers, books and trades of every one of ``markets`` (``watch``, ``record``)."""
        wanted = by_venue(markets)
        self._change(
            {v: Subscription.of(codes, codes, codes) for v, codes in wanted.items()},
        )

    def _change(self, wanted: dict[str, Subscription]) -> None:
        """Send ``wanted`` at once, unless a change went out less than
        :data:`SUBSCRIBE_EVERY` ago; then once more when that interval is over. Before
        :meth:`start` it is kept until the workers exist."""
        self._wanted = wanted
        if not self.workers:
            return
        wait = self._sent_at + SUBSCRIBE_EVERY - time.monotonic()
        if wait > 0:
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(wait, self._send)
            return
        self._send()

    def _send(self) -> None:
        self._timer = None
        self._sent_at = time.monotonic()
        for venue, worker in self.workers.items():
            wanted = self._wanted.get(venue, Subscription.of())
            trading = self._trading.get(venue)
            if trading is not None:
                wanted = wanted.without(c for c in wanted.codes() if not trading.get(c, False))
            worker.subscribe(wanted)

    def excluded(self) -> dict[str, Exclusion]:
        """Wanted markets left out of the subscriptions, by key (``upbit:KRW-XYZ``)."""
        out: dict[str, Exclusion] = {}
        for venue, wanted in self._wanted.items():
            trading = self._trading.get(venue)
            worker = self.workers.get(venue)
            for code in sorted(wanted.codes()):
                if trading is not None and code not in trading:
                    out[f"{venue}:{code}"] = Exclusion("unlisted")
                elif trading is not None and not trading[code]:
                    out[f"{venue}:{code}"] = Exclusion("delisted")
                elif worker is not None and code in worker.rejected:
                    out[f"{venue}:{code}"] = Exclusion("rejected", worker.rejected[code])
        return out

    def streams_book(self, key: str) -> bool:
        """Whether ``key``'s order book is being streamed (so its stored book is current)."""
        if self.replaying:
            return True
        venue, _, market = key.partition(":")
        worker = self.workers.get(venue)
        return worker is not None and (
            market in worker.streaming.books or market in worker.streaming.tops
        )

    # -- replay and market lists --------------------------------------------------------

    def route(self, events: list[AnyEvent]) -> None:
        """A replay's batch (one frame): private kinds to the private sink."""
        if any(isinstance(ev, PRIVATE_KINDS) for ev in events):
            self.private_sink(events)
        else:
            self.public_sink(events)

    async def replay(self, path: Path, speed: float) -> int:
        """Replay ``path`` through the same decoders as live data; return the frame count.
        Errors reading the file propagate."""
        return await replay(path, decoder_for, self.route, speed)

    async def _replay(self, path: Path, speed: float) -> None:
        count = await self.replay(path, speed)
        log.info("replay of %s ended after %d frames", path, count)
        self.on_replay_end(count)

    async def _load_markets(self, venue: str) -> None:
        """Fetch the exchange's market list (names, ticks); retry with backoff."""
        delay, longest = MARKETS_RETRY
        # one client for all attempts: a new TLS context costs ~80 ms of CPU each time
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                try:
                    infos, offset = await fetch_markets(self.settings, venue, client, self.clock)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("%s market list: %s; retry in %.0fs", venue, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, longest)
        self.market_lists[venue] = infos
        if offset is not None:
            self.clock_offsets[venue] = offset
        self._trading[venue] = {info.market: info.active for info in infos}
        log.info("%s: %d markets listed", venue, len(infos))
        if self.workers:
            self._send()  # without the markets the list does not trade
        if self.on_markets is not None:
            self.on_markets(self.named_lists())

    def named_lists(self) -> dict[str, list[MarketInfo]]:
        """The loaded lists; Korbit lists no names, so it borrows Upbit's by base."""
        named = self.market_lists.get("upbit", [])
        return {
            venue: with_names(infos, named) if named else infos
            for venue, infos in self.market_lists.items()
        }
