"""Websocket sessions: an ordered outbox per client socket, fault switches, and counters.

Publishers never await a client: they append frames to the session's outbox and a writer
task per socket drains it, so one slow client cannot hold up the shared market clock.
Frames queued in one synchronous stretch keep their order, which is how a snapshot is
guaranteed to precede the realtime frames of the same subscription.

Private sessions are lossless (both exchanges promise private events are never dropped):
their outbox has no limit, and a stall holds their frames back instead of dropping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

OUTBOX_LIMIT = 10_000
"""Frames a session may have queued; past it the oldest are dropped (counted in stats)."""


class SimConnection(ServerConnection):
    """A server connection that notes when bytes last arrived (client pings included),
    and carries what the upgrade's authentication found (``principal``)."""

    last_received: float = 0.0
    principal: Any = None

    def data_received(self, data: bytes) -> None:
        self.last_received = time.monotonic()
        super().data_received(data)


@dataclass(slots=True)
class ReceivedRequest:
    """One message a client sent: which socket, the raw frame, and its JSON (None if invalid)."""

    connection: int
    message: str | bytes
    payload: Any


@dataclass(slots=True)
class VenueStats:
    """Introspection for tests and benchmarks, per venue. ``requests`` keeps the last
    10,000 request messages (Upbit's text ``PING`` keepalives are not recorded);
    ``frames_sent`` counts the frames written to client sockets (data, errors, replies)."""

    connections_accepted: int = 0
    requests: deque[ReceivedRequest] = field(default_factory=lambda: deque(maxlen=10_000))
    dropped_frames: int = 0
    frames_sent: int = 0

    def payloads(self, connection: int | None = None) -> list[Any]:
        """Decoded request messages, optionally of one connection only."""
        return [r.payload for r in self.requests if connection in (None, r.connection)]


class Faults:
    """Switches the tests flip; read by every session and public service."""

    def __init__(self) -> None:
        self.stalled_until = 0.0
        self.market_stalls: dict[tuple[str, str], float] = {}
        """(venue, code) -> monotonic time until which that market's frames are not sent."""

    def stalled(self) -> bool:
        return time.monotonic() < self.stalled_until

    def market_stalled(self, venue: str, code: str) -> bool:
        """Whether ``code``'s public frames are held back now (see ``Simulator.stall_market``)."""
        until = self.market_stalls.get((venue, code))
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        del self.market_stalls[(venue, code)]
        return False


class WsSession:
    """One accepted websocket connection."""

    def __init__(
        self,
        number: int,
        venue: str,
        ws: ServerConnection,
        stats: VenueStats,
        faults: Faults,
        channel: str = "public",
    ) -> None:
        self.id = number
        self.venue = venue
        self.channel = channel
        """``public`` or ``private``."""
        self.lossless = channel == "private"
        self.ws = ws
        self.stats = stats
        self.faults = faults
        self.last_sent = time.monotonic()
        self._outbox: deque[tuple[bytes | str, bool]] = deque()
        self._ready = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    @property
    def last_activity(self) -> float:
        received = getattr(self.ws, "last_received", 0.0)
        return max(received, self.last_sent)

    def send(self, frame: bytes | str, *, text: bool) -> None:
        """Queue a data frame; dropped while the simulator is stalled (held back instead on
        a lossless session)."""
        if self.lossless or not self.faults.stalled():
            self.send_raw(frame, text=text)

    def send_raw(self, frame: bytes | str, *, text: bool) -> None:
        """Queue a frame regardless of faults (``text`` picks the opcode, not the payload)."""
        if not self.lossless and len(self._outbox) >= OUTBOX_LIMIT:
            self._outbox.popleft()
            self.stats.dropped_frames += 1
        self._outbox.append((frame, text))
        self._ready.set()

    def record(self, message: str | bytes, payload: Any) -> None:
        self.stats.requests.append(ReceivedRequest(self.id, message, payload))

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write(), name=f"sim-writer-{self.id}")

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def close(self, code: int = 1000, reason: str = "", *, abrupt: bool = False) -> None:
        if abrupt:
            self.ws.transport.abort()
        else:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.close(code, reason)

    async def _write(self) -> None:
        outbox, ws = self._outbox, self.ws
        try:
            while True:
                while not outbox:
                    self._ready.clear()
                    await self._ready.wait()
                while self.lossless and (wait := self.faults.stalled_until - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                frame, text = outbox.popleft()
                await ws.send(frame, text=text)
                self.last_sent = time.monotonic()
                self.stats.frames_sent += 1
        except ConnectionClosed:
            pass


async def close_when_idle(session: WsSession, timeout: float) -> None:
    """Close ``session`` (code 1000, ``"idle timeout"``) after ``timeout`` seconds with no
    data either way."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            remaining = session.last_activity + timeout - time.monotonic()
            if remaining <= 0:
                await session.close(1000, "idle timeout")
                return
            await asyncio.sleep(remaining)


class WsSessions:
    """Every open session, by venue, plus the per-venue counters."""

    def __init__(self, venues: tuple[str, ...]) -> None:
        self.faults = Faults()
        self.stats: dict[str, VenueStats] = {venue: VenueStats() for venue in venues}
        self._open: dict[int, WsSession] = {}
        self._numbers = 0

    def open(self, venue: str, ws: ServerConnection, channel: str = "public") -> WsSession:
        self._numbers += 1
        stats = self.stats[venue]
        stats.connections_accepted += 1
        session = WsSession(self._numbers, venue, ws, stats, self.faults, channel)
        self._open[session.id] = session
        session.start()
        return session

    async def discard(self, session: WsSession) -> None:
        self._open.pop(session.id, None)
        await session.stop()

    def of(self, venue: str | None = None, channel: str | None = None) -> Iterator[WsSession]:
        return (
            s
            for s in list(self._open.values())
            if venue in (None, s.venue) and channel in (None, s.channel)
        )
