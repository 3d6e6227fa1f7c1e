"""Rate limits and keepalive timers of the simulated exchanges, all configurable."""

from __future__ import annotations

import time
from collections import deque
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


class RateGate:
    """Sliding windows that must all admit an event; ``None`` windows are switched off."""

    def __init__(self, *windows: SlidingWindow | None) -> None:
        self._windows = [window for window in windows if window is not None]

    def admit(self) -> bool:
        """Record an event now in each window until one is full; report whether none was."""
        now = time.monotonic()
        return all(window.admit(now) for window in self._windows)
