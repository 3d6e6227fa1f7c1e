"""Rate limits and keepalive timers of the simulated exchanges, all configurable."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-venue limits; ``None`` switches a rule off.

    Upbit documents 5 connections per second and 5 request messages per second and 100
    per minute on one connection (docs/protocols.md, 'Upbit: rate limits and keepalive');
    the simulator enforces them, but no source says what the real server does past them.
    The simulator's choice, meant to be loud so a client bug shows up in tests rather than
    as silently missing data:

    - a 6th connection within one second is refused at the handshake with HTTP 429 and the
      REST-style body ``{"error":{"name":"too_many_requests","message":"Too many requests"}}``;
    - a request message past 5/s or 100/min on one connection is not applied, and the server
      closes that socket with code 1008 (policy violation), reason ``"too many requests"``.
      Text ``PING`` keepalives are not counted; LIST_SUBSCRIPTIONS and invalid requests are.

    Korbit documents no websocket limits, and the simulator enforces none
    (docs/protocols.md, 'Korbit: rate limits and keepalive').

    Private REST (docs/protocols.md, 'Upbit: rate limits and keepalive' and 'Korbit: rate
    limits and keepalive'), each a sliding one-second window per API key:

    - Upbit's exchange calls share the ``default`` group, 30/s. Each reply carries
      ``Remaining-Req: group=default; min=1800; sec=N`` (N = requests left in the window);
      past the limit: HTTP 429 ``{"error":{"name":"too_many_requests","message":"Too many
      requests"}}`` (the real body is unconfirmed: the simulator's choice);
    - Korbit's "other private" calls, 50/s. Each signed reply carries ``Ratelimit: limit=50,
      remaining=N, reset=1`` and ``Ratelimit-Policy: 50;w=1``; past the limit: HTTP 429,
      ``Retry-After: 1``, ``{"success":false,"error":{"code":429,"message":
      "TOO_MANY_REQUESTS"}}`` (body unconfirmed: the simulator's choice).
    """

    upbit_connections_per_second: int | None = 5
    upbit_messages_per_second: int | None = 5
    upbit_messages_per_minute: int | None = 100
    upbit_idle_timeout: float | None = 120.0
    """Close an Upbit socket after this many seconds with no data either way (pings count),
    as Upbit does after about 120 s, with code 1000 and reason ``"idle timeout"`` (the real
    close code is not documented)."""
    korbit_ping_interval: float | None = 30.0
    """Seconds between the server's protocol pings (payload ``ping``) on Korbit sockets;
    Korbit's server was measured pinging every 30 s."""
    upbit_rest_default_per_second: int | None = 30
    """Upbit exchange REST calls (group ``default``) per second per access key."""
    upbit_rest_candle_per_second: int | None = 10
    """Upbit candle REST calls (group ``candle``) per second per client address; past it
    HTTP 429 with the ``too_many_requests`` body and ``Remaining-Req: group=candle; min=600;
    sec=0``."""
    korbit_rest_private_per_second: int | None = 50
    """Korbit private REST calls ("other private") per second per API key."""


class SlidingWindow:
    """At most ``limit`` events in any ``seconds``-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()

    def admit(self, now: float) -> bool:
        """Record an event at ``now`` if the window has room; report whether it had."""
        times = self._times
        while times and now - times[0] >= self.seconds:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def remaining(self) -> int:
        """Events the window still has room for (as of the last ``admit``)."""
        return max(self.limit - len(self._times), 0)


class RateGate:
    """Sliding windows that must all admit an event; ``None`` windows are switched off."""

    def __init__(self, *windows: SlidingWindow | None) -> None:
        self._windows = [window for window in windows if window is not None]

    def admit(self) -> bool:
        """Record an event now in each window until one is full; report whether none was."""
        now = time.monotonic()
        return all(window.admit(now) for window in self._windows)


@dataclass(frozen=True, slots=True)
class Quota:
    """One request's verdict: ``admitted``, and how many more the window takes now."""

    admitted: bool
    remaining: int


class KeyedLimit:
    """A sliding window of ``limit`` requests per ``seconds`` for each key (API key,
    else client address). ``limit=None`` refuses nothing and reports ``shown - 1`` left,
    so the headers keep their documented shape."""

    def __init__(
        self,
        limit: int | None,
        shown: int,
        seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.shown = shown
        self.seconds = seconds
        self.clock = clock
        self._windows: dict[str, SlidingWindow] = {}

    def take(self, key: str) -> Quota:
        """Count one request of ``key`` if its window has room."""
        if self.limit is None:
            return Quota(True, self.shown - 1)
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= 10_000:  # tokens with made-up keys: forget them all
                self._windows.clear()
            window = self._windows[key] = SlidingWindow(self.limit, self.seconds)
        admitted = window.admit(self.clock())
        return Quota(admitted, window.remaining() if admitted else 0)
