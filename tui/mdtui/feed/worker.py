"""The websocket feed worker: one per socket (exchange x public/private).

It connects (httpx-ws, buffered session), subscribes, keeps the socket alive with protocol
pings (a missing pong is a dead connection), decodes every frame through the venue codec
and hands the events to ``sink`` in batches, reconnecting with backoff and resubscribing on
any failure. Subscription changes (a market switch) go out on the same socket, paced by the
venue's message limit and collapsed to the latest wish, so holding a key down sends one
request, not twenty. A market the exchange refuses (its error names it) is left out and
the rest is subscribed again: one bad code never costs the others.

``sink`` gets a list of events per received batch of frames, plus ``FeedState`` events when
the connection state changes and ``Subscribed`` events when the markets streamed change.
Market data (tickers, trades, books) of a market the socket is not subscribed to is counted
and dropped here, so the model only ever stores what was asked for (a market switched away
from may still have frames in flight; a broken or hostile server may send anything).
``tap`` (the recorder) gets every raw frame with its receive time. Neither may block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from httpx_ws import (
    WebSocketDisconnect,
    WebSocketNetworkError,
    WebSocketUpgradeError,
    aconnect_ws,
)

from mdtui.feed.buffered_session import BufferedSession, Frame
from mdtui.feed.rate_limiter import Backoff, RateLimiter
from mdtui.model.events import (
    AnyEvent,
    Book,
    Candle,
    FeedState,
    FeedStateName,
    Malformed,
    Subscribed,
    Ticker,
    Trade,
    VenueError,
)
from mdtui.venues.private_common import AuthProblem
from mdtui.venues.subscription import EMPTY, Rejection, Subscription

log = logging.getLogger(__name__)

Sink = Callable[[list[AnyEvent]], None]
Tap = Callable[[str, str, Frame, int], None]


class FeedProtocol(Protocol):
    """What the worker needs from a venue (see feed/public_feeds.py and feed/private_feeds.py
    for the two exchanges)."""

    venue: str
    channel: str
    ping_interval: float | None
    ping_timeout: float | None

    def url(self) -> str: ...

    def headers(self) -> dict[str, str]: ...

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        """Text frames that turn subscription ``sent`` (None: fresh socket) into ``wanted``."""
        ...

    def decode(self, frame: Frame) -> list[AnyEvent]: ...

    def rejection(self, error: VenueError, sent: Subscription) -> Rejection | None:
        """What a server error says about the subscription ``sent`` (None: nothing)."""
        ...

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """REST calls needed before connecting (Korbit private: the list of pairs)."""
        ...

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        """State to load over REST right after (re)subscribing ([] for public feeds)."""
        ...

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        """An authentication problem behind a failure, if any (None for public feeds)."""
        ...

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        """Measure the server clock offset (Korbit's EXCEED_TIME_WINDOW); else no-op."""
        ...


class SeedIncomplete(Exception):
    """A seed that could not complete: ``events`` (what it did get) are delivered, the
    failure is shown with ``reason`` (naming the missing part) and retried with backoff."""

    def __init__(self, events: list[AnyEvent], reason: str) -> None:
        super().__init__(reason)
        self.events = events
        self.reason = reason


USER_ACTION_BACKOFF = 60.0
"""Least wait after a failure only the user can fix (rejected key, permission, IP):
the feed keeps trying, slowly, so a fixed key is picked up without a restart."""


@dataclass
class FeedStats:
    """The worker's own counters. Malformed frames and server errors are counted where the
    screen reads them, in the model's feed health
    (:class:`mdtui.model.market_store.FeedHealth`); the worker only logs each one."""

    frames: int = 0
    events: int = 0
    unsubscribed: int = 0
    """Market events dropped because their market is not subscribed on this socket."""
    connects: int = 0
    last_frame_ms: int = 0
    last_error: str = ""


@dataclass
class FeedWorker:
    protocol: FeedProtocol
    sink: Sink
    tap: Tap | None = None
    client: httpx.AsyncClient | None = None
    connect_limiter: RateLimiter | None = None
    message_limiters: Sequence[RateLimiter] = ()
    backoff: Backoff = field(default_factory=Backoff)
    stable_after: float = 10.0
    """A connection that stayed live (subscribed, seeded, socket up) this long resets the
    attempt counter. Time spent connecting or seeding does not count: a host that accepts
    TCP and never answers times out again and again, and must back off to the cap."""
    stats: FeedStats = field(default_factory=FeedStats)

    def __post_init__(self) -> None:
        self._wanted = Subscription()
        self._sent: Subscription | None = None
        """What the live socket was asked for so far (None: no live socket)."""
        self.rejected: dict[str, str] = {}
        """Codes the exchange refused -> its error code; left out for the worker's life."""
        self._markets: frozenset[str] = frozenset()
        self._changed = asyncio.Event()
        self._stopping = False
        self._state: FeedStateName | None = None
        self._live_since: float | None = None
        self.message_limiters = list(self.message_limiters)

    # -- control, from the owner ------------------------------------------------------

    def subscribe(self, wanted: Subscription) -> None:
        """Ask for ``wanted``; sent on the live socket (or on connect), latest wish wins."""
        if wanted != self._wanted:
            self._wanted = wanted
            self._markets = wanted.codes()
            self._changed.set()

    @property
    def wanted(self) -> Subscription:
        return self._wanted

    @property
    def streaming(self) -> Subscription:
        """What is asked of the exchange: :attr:`wanted` less the refused codes."""
        wanted = self._wanted
        return wanted.without(self.rejected) if self.rejected else wanted

    def stop(self) -> None:
        self._stopping = True
        self._changed.set()

    # -- the loop -----------------------------------------------------------------------

    def _set_state(self, state: FeedStateName, attempt: int = 0, reason: str = "") -> None:
        self._state = state
        p = self.protocol
        self.sink([FeedState(p.venue, p.channel, state, attempt, reason, int(time.time() * 1000))])

    async def run(self) -> None:
        """Run until cancelled or :meth:`stop`; never raises for network trouble."""
        own_client = self.client is None
        client = self.client or httpx.AsyncClient(
            timeout=httpx.Timeout(10.0), event_hooks={"response": [_read_refusal]}
        )
        p = self.protocol
        attempt = 0
        clock_retry = True
        try:
            while not self._stopping:
                if attempt == 0:
                    self._set_state("connecting")
                if self.connect_limiter is not None:
                    await self.connect_limiter.acquire()
                self._live_since = None
                problem = None
                try:
                    reason = await self._session(client, reconnect=self.stats.connects > 0)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # every failure is a reason to reconnect
                    problem = p.diagnose(exc)
                    reason = problem.hint if problem else describe_failure(exc)
                    log.debug("%s %s feed failure", p.venue, p.channel, exc_info=True)
                if self._stopping:
                    break
                if self._live_since is not None:
                    clock_retry = True  # the last resync worked: a new skew gets one too
                    if time.monotonic() - self._live_since >= self.stable_after:
                        attempt = 0
                attempt += 1
                self.stats.last_error = reason
                log.warning(
                    "%s %s feed: %s; reconnect attempt %d", p.venue, p.channel, reason, attempt
                )
                self._set_state("reconnecting", attempt, reason)
                delay = self.backoff.delay(attempt - 1)
                if problem is not None and problem.kind == "clock" and clock_retry:
                    clock_retry = False  # resync once, then retry at once
                    with contextlib.suppress(Exception):
                        await p.resync_clock(client)
                    delay = 0.0
                elif problem is not None and problem.kind != "retry":
                    delay = max(delay, USER_ACTION_BACKOFF)
                await self._sleep(delay)
        finally:
            self._set_state("stopped")
            if own_client:
                await client.aclose()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake early when stopped."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self._stopping:
                    self._changed.clear()
                    await self._changed.wait()

    async def _session(self, client: httpx.AsyncClient, reconnect: bool) -> str:
        p = self.protocol
        await p.prepare(client)
        async with aconnect_ws(
            p.url(),
            client,
            headers=p.headers(),
            session_class=BufferedSession,
            keepalive_ping_interval_seconds=p.ping_interval,
            keepalive_ping_timeout_seconds=p.ping_timeout,
            queue_size=1024,
        ) as ws:
            self.stats.connects += 1
            # Subscribe first, then load REST state: an event that happens in between is
            # both in the REST reply and buffered on the socket, never in neither.
            sent = self._sent = self.streaming
            self._announce(EMPTY, sent)
            await self._send(ws, p.frames_for(None, sent))
            try:
                seeded = await p.seed(client, reconnect)
            except SeedIncomplete as exc:
                self.sink(exc.events)
                raise
            if seeded:
                self.sink(seeded)
            self._set_state("live")
            self._live_since = time.monotonic()
            sender = asyncio.create_task(self._send_loop(ws))
            try:
                return await self._receive_loop(ws, sender)
            finally:
                self._sent = None
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sender

    async def _send(self, ws: BufferedSession, frames: list[str]) -> None:
        if not frames:
            return
        for limiter in self.message_limiters:
            await limiter.acquire()
        for text in frames:
            await ws.send_text(text)

    async def _send_loop(self, ws: BufferedSession) -> None:
        while not self._stopping:
            if self.streaming != self._sent:
                for limiter in self.message_limiters:
                    await limiter.acquire()
                wanted = self.streaming  # the newest wish after waiting for the limiter
                before = EMPTY if self._sent is None else self._sent
                frames = self.protocol.frames_for(before, wanted)
                # noted before sending: a refusal arriving meanwhile corrects it
                self._sent = wanted
                self._announce(before, wanted)
                for text in frames:
                    await ws.send_text(text)
                continue
            self._changed.clear()
            await self._changed.wait()

    def _announce(self, before: Subscription, after: Subscription) -> None:
        """Tell the sink which markets the socket streams now, and which are new."""
        codes = after.codes()
        if codes == before.codes():
            return
        p = self.protocol
        added = tuple(sorted(codes - before.codes()))
        self.sink([Subscribed(p.venue, p.channel, tuple(sorted(codes)), added)])

    def _refused(self, error: VenueError) -> None:
        """Leave out the codes a server error refuses; send the rest again."""
        sent = self._sent
        rejection = self.protocol.rejection(error, sent) if sent is not None else None
        if sent is None or rejection is None:
            return
        p = self.protocol
        for code in sorted(rejection.codes - self.rejected.keys()):
            self.rejected[code] = error.code
            log.warning("%s %s: %s refused (%s); left out", p.venue, p.channel, code, error.code)
        self._sent = sent.minus(rejection.unsent)
        self._changed.set()

    async def _receive_loop(self, ws: BufferedSession, sender: asyncio.Task[None]) -> str:
        p = self.protocol
        decode, sink, tap, stats = p.decode, self.sink, self.tap, self.stats
        venue, channel = p.venue, p.channel
        while not self._stopping:
            if sender.done() and (exc := sender.exception()) is not None:
                return describe_failure(exc)
            try:
                frames = await ws.receive_batch()
            except WebSocketDisconnect as exc:
                return describe_failure(exc)
            except WebSocketNetworkError:
                return "connection lost (no pong or read error)"
            now = int(time.time() * 1000)
            events: list[AnyEvent] = []
            for frame in frames:
                if tap is not None:
                    tap(venue, channel, frame, now)
                events += decode(frame)
            stats.frames += len(frames)
            stats.last_frame_ms = now
            markets = self._markets
            kept: list[AnyEvent] = []
            for ev in events:
                if (
                    type(ev) is Book
                    or type(ev) is Trade
                    or type(ev) is Ticker
                    or type(ev) is Candle
                ):
                    if ev.market not in markets:
                        self._drop_unsubscribed(ev.market)
                        continue
                elif type(ev) is Malformed:
                    log.warning("%s %s: malformed frame skipped: %s", venue, channel, ev.reason)
                elif type(ev) is VenueError:
                    log.warning("%s %s: server error %s: %s", venue, channel, ev.code, ev.message)
                    self._refused(ev)
                kept.append(ev)
            stats.events += len(kept)
            if kept:
                sink(kept)
        return "stopped"

    def _drop_unsubscribed(self, market: str) -> None:
        """Count a market event of a market not subscribed; log the 1st, 2nd, 4th, 8th, ...
        (a few are normal right after a market switch; many mean a misbehaving server)."""
        stats = self.stats
        stats.unsubscribed += 1
        if stats.unsubscribed & (stats.unsubscribed - 1) == 0:
            p = self.protocol
            log.warning(
                "%s %s: data for %r, which is not subscribed, dropped (%d so far)",
                p.venue,
                p.channel,
                market[:40],
                stats.unsubscribed,
            )


async def _read_refusal(response: httpx.Response) -> None:
    """Read the body of a refused websocket upgrade, which says why (e.g. a bad key)."""
    if response.status_code != 101 and response.request.headers.get("upgrade") == "websocket":
        await response.aread()


def describe_failure(exc: BaseException) -> str:
    """One short human reason for a connection failure (no secrets: URLs are not shown)."""
    if isinstance(exc, BaseExceptionGroup):
        first = exc.exceptions[0] if exc.exceptions else exc
        return describe_failure(first)
    if isinstance(exc, SeedIncomplete):
        return exc.reason
    if isinstance(exc, WebSocketUpgradeError):
        return f"handshake refused (HTTP {exc.response.status_code})"
    if isinstance(exc, WebSocketDisconnect):
        why = f", {exc.reason}" if exc.reason else ""
        return f"closed by server (code {exc.code}{why})"
    if isinstance(exc, WebSocketNetworkError):
        return "connection lost"
    if isinstance(exc, httpx.ConnectTimeout | TimeoutError):
        return "connect timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer (timeout)"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name" in text or "resolution" in text or "nodename" in text:
            return "cannot resolve host (offline?)"
        return "cannot connect (refused or unreachable)"
    if isinstance(exc, httpx.TransportError):
        return f"network error ({type(exc).__name__})"
    return f"{type(exc).__name__}"
