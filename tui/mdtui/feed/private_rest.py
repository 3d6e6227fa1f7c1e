"""Paced private REST calls for the seed and the gap catch-up.

Every call waits for the venue's pace (under the documented rate), and a 429 is waited out
and retried: ``Retry-After`` seconds when the reply says so, else one second, up to
:data:`TRIES` times. Upbit's ``Remaining-Req: ...; sec=0`` holds the next call until the
second has passed; its 418 (a block that grows while requests keep coming) holds every call
for :data:`BLOCK_HOLD` seconds. A network failure is a :class:`RestFailure` too, so a
catch-up can deliver what it already has. Each reply's ``Date`` header gives the server's
clock (to a second), so times sent to the exchange never come from the local clock alone.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from mdtui.feed.rate_limiter import RateLimiter
from mdtui.feed.server_clock import date_offset_ms, wall_ms
from mdtui.venues.private_common import AuthProblem

TRIES = 5
"""Attempts per call when the exchange says "too many requests"."""
BLOCK_HOLD = 60.0
"""Seconds without calls after Upbit's 418 (temporarily blocked; the block time is not
documented in a form we can read)."""

_SEC = re.compile(r"sec=(\d+)")


class RestFailure(Exception):
    """A private REST call failed (``status`` 0: the answers could not be completed);
    ``problem`` is set for authentication errors."""

    def __init__(
        self, what: str, status: int, problem: AuthProblem | None, error: str | None = None
    ) -> None:
        super().__init__(f"{what}: HTTP {status}" if status else what)
        self.what = what
        self.status = status
        self.problem = problem
        self.error = error
        """The exchange's error name (Upbit ``error.name``, Korbit ``error.message``)."""


@dataclass
class PrivateRest:
    """One venue's private GETs. ``sign(path, params)`` gives the URL and headers of a
    signed request; ``error_of(body)`` reads the exchange's error name from a refusal and
    ``problem_of(name)`` what it means for the user, if it is an authentication error."""

    venue: str
    pace: RateLimiter
    sign: Callable[[str, list[tuple[str, str]]], tuple[str, dict[str, str]]]
    error_of: Callable[[bytes], str | None]
    problem_of: Callable[[str], AuthProblem | None]
    clock: Callable[[], int] = wall_ms
    server_offset_ms: int = 0
    """Server clock minus local clock, from the last reply's ``Date`` (0 until a reply)."""
    _hold_until: float = field(default=0.0, repr=False)

    def server_now(self) -> int:
        """The server's time now, in ms (to about a second)."""
        return self.clock() + self.server_offset_ms

    async def get(
        self, client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], what: str
    ) -> bytes:
        status = 0
        for _ in range(TRIES):
            if (wait := self._hold_until - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            await self.pace.acquire()
            url, headers = self.sign(path, params)
            sent = self.clock()
            try:
                reply = await client.get(url, headers=headers)
            except httpx.TransportError as exc:
                raise RestFailure(f"{self.venue} {what}: {type(exc).__name__}", 0, None) from exc
            self._read_clock(reply, sent)
            status = reply.status_code
            if status == 200:
                self._read_remaining(reply)
                return reply.content
            if status == 418:
                self._hold_until = time.monotonic() + BLOCK_HOLD
            if status != 429:
                error = self.error_of(reply.content)
                problem = self.problem_of(error) if error else None
                raise RestFailure(f"{self.venue} {what}", status, problem, error)
            self._hold_until = time.monotonic() + _retry_after(reply)
        raise RestFailure(f"{self.venue} {what} (rate limited)", status, None)

    def _read_clock(self, reply: httpx.Response, sent: int) -> None:
        offset = date_offset_ms(reply, sent, self.clock())
        if offset is not None:
            self.server_offset_ms = offset

    def _read_remaining(self, reply: httpx.Response) -> None:
        """Upbit: ``Remaining-Req: group=default; min=1800; sec=0`` means wait a second."""
        remaining = reply.headers.get("remaining-req")
        if remaining and (m := _SEC.search(remaining)) and m.group(1) == "0":
            self._hold_until = time.monotonic() + 1.0


def _retry_after(reply: httpx.Response) -> float:
    raw = reply.headers.get("retry-after", "")
    try:
        return min(max(float(raw), 0.1), 60.0)
    except ValueError:
        return 1.0
