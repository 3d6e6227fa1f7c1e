"""Pacing: request rate limits and reconnect backoff."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque


class RateLimiter:
    """At most ``rate`` acquisitions in any ``per``-second window (a sliding log).

    Upbit allows 5 websocket connections per second and 5 subscribe messages per second
    (100 per minute) per connection; chain two limiters for the second rule.
    """

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._times: deque[float] = deque()

    def delay(self, now: float | None = None) -> float:
        """Seconds to wait before the next acquisition would be allowed."""
        now = time.monotonic() if now is None else now
        times = self._times
        while times and now - times[0] >= self.per:
            times.popleft()
        if len(times) < self.rate:
            return 0.0
        return self.per - (now - times[0])

    async def acquire(self) -> None:
        while (wait := self.delay()) > 0:
            await asyncio.sleep(wait)
        self._times.append(time.monotonic())


class Backoff:
    """Exponential backoff with jitter: attempt n waits in [d/2, d], d = min(cap, base*2^n).

    The lower half keeps a flapping server from being hammered; the random upper half keeps
    many clients from reconnecting in lockstep.
    """

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        d = min(self.cap, self.base * (2 ** min(attempt, 30)))
        return d / 2 + self._rng.uniform(0, d / 2)
