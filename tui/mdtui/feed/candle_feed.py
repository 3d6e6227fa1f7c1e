"""The candle feed: keeps the one wanted series (market and interval) filled.

What fills it:

* **History** over REST (:mod:`mdtui.feed.candle_rest`): the last 200 candles when a series
  is first wanted, and 200 more before ``older_than`` each time the chart scrolls back
  past its oldest candle (once per boundary: an empty page means there is no more).
* **Live**: Upbit streams its candles (the policy subscribes ``candle.<unit>`` of the
  wanted market; :meth:`MarketStore.apply` puts each frame). Korbit streams none and
  Upbit has no day candles, so those series are built from the trade stream on top of
  the history (``CandleHistory.from_trades``).
* **Repairs**: every bucket is read again over REST once it has closed (and settled there
  for :data:`HEAL_AFTER_MS`), at most every :data:`HEAL_EVERY` seconds for all buckets
  closed since: Upbit's stream sends at most one message a second, so a bucket's last
  trades may never be streamed, and the bucket open while the history was read may hold a
  trade twice or miss one (below). After the market's socket reconnected, the last 200
  candles are read again (a page that cannot reach what was held before the gap replaces
  it, so no hole is left).

The rule where REST and the trade stream overlap: the trades are subscribed before the
history is read, so a trade can be both in a REST candle and on the stream. A REST candle
replaces what trades built of its bucket (it holds every trade the exchange had when it
answered), snapshot trades (recent ones the exchange sends again at each subscribe) are
never folded, and realtime trades fold on top. Only a trade executed while the REST call
was in flight (or before the stream was subscribed) can be counted twice, or missed, in
the bucket open then; the read after it closes makes it exact. So the open bucket is live
and at worst off by such a trade, and every closed bucket is the exchange's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from mdtui.feed.candle_rest import CandleCallFailed, fetch_candles, has_history
from mdtui.feed.rate_limiter import Backoff
from mdtui.feed.server_clock import wall_ms
from mdtui.feed.worker import FeedWorker, Sink
from mdtui.model.candles import INTERVALS, Candle, CandleHistory, bucket_start
from mdtui.model.events import split_key
from mdtui.settings import Settings
from mdtui.venues.upbit_candles import STREAM_TYPES

log = logging.getLogger(__name__)

POLL = 1.0
"""Seconds between looks at the socket (did it reconnect?) while nothing else is due."""
HEAL_AFTER_MS = 2_000
"""How long after a bucket's end its REST candle is taken as final (the exchange's own
aggregation may lag its trades a little)."""
HEAL_EVERY = 5.0
"""Least seconds between reads of the buckets closed since the last read (one call every
5 s for 1s candles, one a minute for 1m)."""


def built_from_trades(venue: str, interval: str) -> bool:
    """Whether trades build the live candles: all of Korbit's, Upbit's 1d."""
    return venue == "korbit" or interval not in STREAM_TYPES


@dataclass(frozen=True, slots=True)
class CandleWant:
    """The series wanted: ``key``'s candles of ``interval``, and the history before
    ``older_than`` (a bucket start, ms) when the chart scrolled back to it."""

    key: str
    interval: str
    older_than: int | None = None


def _is_key(key: str) -> bool:
    try:
        split_key(key)
    except ValueError:
        return False
    return True


class CandleFeed:
    """Fills the wanted series through ``sink`` (``CandleHistory`` events). ``workers``
    gives the public socket workers by exchange (to notice a reconnect); ``offsets`` the
    exchanges' clock minus ``clock`` (to know when a bucket has closed there)."""

    def __init__(
        self,
        settings: Settings,
        sink: Sink,
        workers: Callable[[], dict[str, FeedWorker]],
        *,
        offsets: Callable[[], dict[str, int]] = dict,
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.workers = workers
        self.offsets = offsets
        self.clock = clock
        self.backoff = Backoff(base=1.0, cap=60.0)
        self.reads = 0
        """REST calls made (for tests and the log)."""
        self._want: CandleWant | None = None
        self._changed = asyncio.Event()
        self._stopping = False

    # -- control ------------------------------------------------------------------------

    def want(self, key: str | None, interval: str | None, older_than: int | None = None) -> None:
        """Keep ``key``'s series of ``interval`` filled (None: none)."""
        wanted = None
        if key is not None and interval in INTERVALS and _is_key(key):
            wanted = CandleWant(key, interval, older_than)
        if wanted != self._want:
            self._want = wanted
            self._changed.set()

    def stop(self) -> None:
        self._stopping = True
        self._changed.set()

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled or stopped; never raises for network trouble."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            while not self._stopping:
                want = self._want
                if want is None:
                    await self._wait(None)
                    continue
                await _Filling(self, client, want).run()

    async def _wait(self, seconds: float | None) -> bool:
        """Wait for a change of the want (True) or ``seconds`` (False)."""
        self._changed.clear()
        if seconds is None:
            await self._changed.wait()
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await self._changed.wait()
                return True
        return False

    def _server_now(self, venue: str) -> int:
        return self.clock() + self.offsets().get(venue, 0)

    def _socket(self, venue: str) -> tuple[int, int]:
        """(connections so far, last frame's time) of ``venue``'s public socket."""
        worker = self.workers().get(venue)
        if worker is None:
            return (0, 0)
        return (worker.stats.connects, worker.stats.last_frame_ms)


class _Filling:
    """Filling one series until the want moves to another."""

    def __init__(self, feed: CandleFeed, client: httpx.AsyncClient, want: CandleWant) -> None:
        self.feed = feed
        self.client = client
        self.key = want.key
        self.interval = want.interval
        self.venue, self.market = split_key(want.key)
        self.from_trades = built_from_trades(self.venue, self.interval)
        self.history = has_history(self.venue, self.interval)
        self.loaded = False
        self.heal_from: int | None = None
        """The oldest bucket not yet read over REST since it closed (None: before the
        first read)."""
        self.healed_at = 0.0
        self.older_done: set[int] = set()
        self.attempt = 0
        self.retry_at = 0.0
        connects, last_frame = feed._socket(self.venue)
        self.connects = connects
        self.last_frame = last_frame

    def same_series(self) -> bool:
        want = self.feed._want
        return want is not None and (want.key, want.interval) == (self.key, self.interval)

    async def run(self) -> None:
        feed = self.feed
        self.emit((), reset=True)  # a new chart: nothing another time left behind
        while not feed._stopping and self.same_series():
            try:
                await self.step()
                self.attempt = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a failed call (or a bug) costs a retry, not the feed
                self.attempt += 1
                delay = feed.backoff.delay(self.attempt - 1)
                self.retry_at = time.monotonic() + delay
                if isinstance(exc, CandleCallFailed):
                    log.warning("%s; retry in %.0f s", exc, delay)
                else:
                    log.exception("%s %s candles; retry in %.0f s", self.key, self.interval, delay)
            if feed._stopping or not self.same_series():
                return
            await feed._wait(self.next_wake())

    def next_wake(self) -> float:
        """Seconds until something is due: a retry, closed buckets to read again, or a
        look at the socket."""
        wait = POLL
        if self.retry_at:
            wait = min(wait, self.retry_at - time.monotonic())
        if self.heal_from is not None:
            due = (self.heal_due() - self.feed._server_now(self.venue)) / 1000
            wait = min(wait, max(due, self.healed_at + HEAL_EVERY - time.monotonic()))
        return max(wait, 0.05)

    def heal_due(self) -> int:
        """When (the exchange's ms) the oldest unread closed bucket has settled there."""
        assert self.heal_from is not None
        return self.heal_from + INTERVALS[self.interval] + HEAL_AFTER_MS

    async def step(self) -> None:
        """Do whatever is due, in order; raises CandleCallFailed."""
        if self.retry_at and time.monotonic() < self.retry_at:
            return
        self.retry_at = 0.0
        if not self.history:
            return
        feed = self.feed
        connects, last_frame = feed._socket(self.venue)
        if not self.loaded:
            await self.read_latest(gap_from=None)
            self.loaded = True
            self.connects, self.last_frame = connects, last_frame
        elif connects != self.connects:
            # Reconnected: everything since the last frame before the gap may be missing.
            await self.read_latest(gap_from=self.last_frame or None)
            self.connects, self.last_frame = connects, last_frame
        else:
            self.last_frame = last_frame
        if (
            self.heal_from is not None
            and feed._server_now(self.venue) >= self.heal_due()
            and time.monotonic() >= self.healed_at + HEAL_EVERY
        ):
            await self.heal(self.heal_from)
        want = feed._want
        older = want.older_than if want is not None else None
        if older is not None and older not in self.older_done:
            candles = await self.read(before=older)
            self.older_done.add(older)
            self.emit(candles)

    async def read(self, *, count: int = 200, before: int | None = None) -> list[Candle]:
        skipped: list[str] = []
        self.feed.reads += 1
        candles = await fetch_candles(
            self.feed.settings,
            self.client,
            self.key,
            self.interval,
            count=count,
            before=before,
            skipped=skipped,
        )
        for reason in skipped:
            log.warning("%s: malformed row skipped: %s", self.key, reason)
        return candles

    async def read_latest(self, gap_from: int | None) -> None:
        """The last 200 candles; after a gap that began at ``gap_from`` (ms, our clock), a
        full page that starts after it replaces what was held (it cannot be joined)."""
        candles = await self.read()
        reset = (
            gap_from is not None
            and len(candles) == 200
            and candles[0].start > bucket_start(gap_from, self.interval)
        )
        self.emit(candles, reset=reset)
        self.heal_from = self.settled_before()
        self.healed_at = time.monotonic()

    def settled_before(self) -> int:
        """The buckets that start before this one closed at least :data:`HEAL_AFTER_MS`
        ago (on the exchange's clock): their REST candles are final."""
        return bucket_start(self.feed._server_now(self.venue) - HEAL_AFTER_MS, self.interval)

    async def heal(self, since: int) -> None:
        """Read the buckets from ``since`` that have closed since the last read."""
        length = INTERVALS[self.interval]
        settled = self.settled_before()
        newest = bucket_start(self.feed._server_now(self.venue), self.interval)
        count = min(200, (newest - since) // length + 1)
        candles = await self.read(count=count)
        self.heal_from = settled
        self.healed_at = time.monotonic()
        self.emit([c for c in candles if since <= c.start < settled])

    def emit(self, candles: list[Candle] | tuple[Candle, ...], *, reset: bool = False) -> None:
        if not self.same_series():
            return  # the chart moved on while the call was in flight
        if not candles and not reset:
            return
        self.feed.sink(
            [
                CandleHistory(
                    self.venue,
                    self.market,
                    self.interval,
                    tuple(candles),
                    reset=reset,
                    from_trades=self.from_trades,
                )
            ]
        )
