"""REST candles of one market: the call, its pace and its parse, for both exchanges.

Upbit's candle calls share the ``candle`` group, 10 calls a second per IP; Korbit's public
calls 50 a second per IP. One limiter per exchange serves every caller in the process (the
chart's feed, and anything else that reads candles), with a margin under the documented
rate. A 429 is waited out (``Retry-After``, else a second) and the call retried; Upbit's
``Remaining-Req: ...; sec=0`` holds the next call until the second has passed.
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from mdtui.feed.public_feeds import korbit_endpoints, upbit_endpoints
from mdtui.feed.rate_limiter import RateLimiter
from mdtui.model.candles import Candle
from mdtui.model.events import split_key
from mdtui.settings import Settings
from mdtui.venues import korbit_candles, upbit_candles

PACE: dict[str, RateLimiter] = {
    "upbit": RateLimiter(10, 1.1),
    "korbit": RateLimiter(40, 1.0),
}
"""Candle calls per exchange, for the whole process."""
TRIES = 3
"""Attempts per call while the exchange answers 429."""
PAGE = 200
"""Candles per call: the most either exchange returns."""

_SEC_ZERO = re.compile(r"sec=0\b")
_hold_until: dict[str, float] = {}


class CandleCallFailed(Exception):
    """A candle call failed; the message says which and why (no URLs, no secrets)."""


def has_history(venue: str, interval: str) -> bool:
    """Whether the exchange serves REST candles of ``interval`` (Korbit has no 1s)."""
    return venue == "upbit" or interval in korbit_candles.INTERVALS


async def fetch_candles(
    settings: Settings,
    client: httpx.AsyncClient,
    key: str,
    interval: str,
    *,
    count: int = PAGE,
    before: int | None = None,
    skipped: list[str] | None = None,
) -> list[Candle]:
    """Up to ``count`` candles of ``key`` (``upbit:KRW-BTC``) and ``interval`` starting
    before ``before`` (Unix ms; the newest when None), oldest first. A malformed row is
    described in ``skipped`` and left out. Raises :class:`CandleCallFailed`."""
    venue, market = split_key(key)
    if venue == "upbit":
        base = upbit_endpoints(settings.upbit).rest
        path, params = upbit_candles.rest_request(market, interval, count=count, before=before)
    elif venue == "korbit":
        base = korbit_endpoints(settings.korbit).rest
        path, params = korbit_candles.rest_request(market, interval, count=count, before=before)
    else:
        raise CandleCallFailed(f"unknown exchange {venue!r}")
    what = f"{venue} {interval} candles of {market}"
    body = await _get(venue, client, base + path, params, what)
    try:
        if venue == "upbit":
            return upbit_candles.parse_rest(body, interval, skipped=skipped)
        return korbit_candles.parse_rest(body, market, interval, before=before, skipped=skipped)
    except ValueError as exc:
        raise CandleCallFailed(f"{what}: unexpected reply ({str(exc)[:120]})") from None


async def _get(
    venue: str, client: httpx.AsyncClient, url: str, params: dict[str, str], what: str
) -> bytes:
    status = 0
    for _ in range(TRIES):
        if (wait := _hold_until.get(venue, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await PACE[venue].acquire()
        try:
            reply = await client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise CandleCallFailed(f"{what}: {type(exc).__name__}") from None
        status = reply.status_code
        if status == 200:
            if _SEC_ZERO.search(reply.headers.get("remaining-req", "")):
                _hold_until[venue] = time.monotonic() + 1.0
            return reply.content
        if status != 429:
            raise CandleCallFailed(f"{what}: HTTP {status}")
        _hold_until[venue] = time.monotonic() + _retry_after(reply)
    raise CandleCallFailed(f"{what}: HTTP {status} (rate limited)")


def _retry_after(reply: httpx.Response) -> float:
    try:
        return min(max(float(reply.headers.get("retry-after", "")), 0.1), 60.0)
    except ValueError:
        return 1.0
