"""Candle history for the board's trend column: one REST call per market, made when its
row is first on screen.

The board says which rows are on screen (:meth:`SparkFeed.want`); each market not read
yet is read once (the window's candles, :func:`~mdtui.feed.candle_rest.fetch_candles`,
paced with the chart's calls by the same limiters), the rows on screen first, one call at
a time per exchange, at most :data:`SHARE` of the exchange's candle calls a second so the
chart's keep room. A row scrolled away before its turn is not read. After that the
market's tickers keep its closes current (:meth:`MarketStore.apply`): no call per row per
bucket. A failed call is one log line and is tried again later, with backoff, while the
row is on screen; until then the row's cell is empty. After the exchange's socket
reconnects (:meth:`SparkFeed.forget`) its markets are read again as their rows show: a
bucket that began while the socket was down would otherwise carry the close before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

import httpx

from mdtui.feed.candle_rest import CandleCallFailed, fetch_candles
from mdtui.feed.rate_limiter import Backoff, RateLimiter
from mdtui.feed.subscription_policy import VENUES
from mdtui.model.candles import Candle
from mdtui.settings import Settings

log = logging.getLogger(__name__)

SHARE: dict[str, tuple[int, float]] = {"upbit": (7, 1.1), "korbit": (30, 1.0)}
"""Trend-column calls per exchange and window: under the candle limiters' 10 and 40, so
the chart's calls always find room."""


class SparkFeed:
    """Reads ``count`` candles of ``interval`` for each market on screen, once, and hands
    them to ``on_history(key, candles)``."""

    def __init__(
        self,
        settings: Settings,
        interval: str,
        count: int,
        on_history: Callable[[str, list[Candle]], None],
    ) -> None:
        self.settings = settings
        self.interval = interval
        self.count = count
        self.on_history = on_history
        self.calls = 0
        """REST calls made (for tests and benchmarks)."""
        self.done: set[str] = set()
        """Markets read (their rows have closes)."""
        self.backoff = Backoff(base=30.0, cap=900.0)
        self._shown: list[str] = []
        self._failed: dict[str, tuple[int, float]] = {}
        """key -> (failed attempts, monotonic time of the next try)."""
        self._pace = {venue: RateLimiter(*SHARE[venue]) for venue in VENUES}
        self._wake = {venue: asyncio.Event() for venue in VENUES}

    def want(self, keys: Iterable[str]) -> None:
        """The rows on screen now, top first (markets their exchange lists)."""
        self._shown = list(keys)
        for event in self._wake.values():
            event.set()

    def forget(self, venue: str) -> None:
        """Read ``venue``'s markets again (its socket reconnected: tickers were missed)."""
        self.done = {k for k in self.done if not k.startswith(venue + ":")}
        self._wake[venue].set()

    def _next(self, venue: str, now: float) -> tuple[str | None, float | None]:
        """The first row on screen of ``venue`` to read now, else when one is due."""
        due: float | None = None
        for key in self._shown:
            if key in self.done or not key.startswith(venue + ":"):
                continue
            failed = self._failed.get(key)
            if failed is None or failed[1] <= now:
                return key, None
            due = failed[1] if due is None else min(due, failed[1])
        return None, due

    async def run(self) -> None:
        """Run until cancelled; never raises for network trouble."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            await asyncio.gather(*(self._drain(venue, client) for venue in VENUES))

    async def _drain(self, venue: str, client: httpx.AsyncClient) -> None:
        wake = self._wake[venue]
        while True:
            key, due = self._next(venue, time.monotonic())
            if key is None:
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    timeout = None if due is None else max(due - time.monotonic(), 0.0)
                    async with asyncio.timeout(timeout):
                        await wake.wait()
                continue
            await self._pace[venue].acquire()
            await self._read(key, client)

    async def _read(self, key: str, client: httpx.AsyncClient) -> None:
        skipped: list[str] = []
        self.calls += 1
        try:
            candles = await fetch_candles(
                self.settings, client, key, self.interval, count=self.count, skipped=skipped
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a row without its trend, never the feed's end
            attempts = self._failed.get(key, (0, 0.0))[0] + 1
            delay = self.backoff.delay(attempts - 1)
            self._failed[key] = (attempts, time.monotonic() + delay)
            reason = str(exc) if isinstance(exc, CandleCallFailed) else repr(exc)
            log.warning("trend column: %s; tried again in %.0f s if on screen", reason, delay)
            return
        for reason in skipped:
            log.warning("%s: malformed candle skipped: %s", key, reason)
        self._failed.pop(key, None)
        self.done.add(key)
        self.on_history(key, candles)
