"""The two exchanges as the feed worker sees them: URLs, keepalive, subscribe, decode.

Upbit (``docs/protocols.md``, "Upbit: rate limits and keepalive"): the server cuts a socket
after 120 s without data, so the worker sends a protocol ping every 30 s and treats a pong
missing for 20 s as a dead connection; at most 5 connections/s per IP and 5 subscribe
messages/s (100/min) per connection. Upbit replaces a socket's subscriptions with each
request, so every change re-sends the full set. Korbit ("Korbit: rate limits and
keepalive"): the server pings every 30 s (answered by the session); the worker also pings
every 15 s with a 10 s pong timeout so a dead link is noticed even on a quiet book. Korbit
changes go out as unsubscribe/subscribe diffs.

A refused request costs only the market it names (:meth:`UpbitPublic.rejection`,
:meth:`KorbitPublic.rejection`): the worker leaves that code out and sends the rest again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from mdtui.feed.buffered_session import Frame
from mdtui.feed.rate_limiter import RateLimiter
from mdtui.feed.worker import FeedWorker, Sink, Tap
from mdtui.model.events import AnyEvent, VenueError
from mdtui.settings import KorbitSettings, Settings, UpbitSettings
from mdtui.venues import korbit, korbit_private, upbit, upbit_private
from mdtui.venues.endpoints import Endpoints, from_base
from mdtui.venues.private_common import AuthProblem
from mdtui.venues.subscription import EMPTY, Rejection, Subscription, codes_named

UPBIT_CONNECTS = RateLimiter(5, 1.0)
"""Shared by every Upbit socket of this process: 5 connections per second."""
KORBIT_REQUESTS_KEPT = 256
"""Recent Korbit requests kept by id, to tell which one a failure answers."""


def upbit_endpoints(cfg: UpbitSettings) -> Endpoints:
    ends = upbit.endpoints_from_base(cfg.url) if cfg.url else upbit.endpoints(cfg.region)
    return _override(ends, cfg.ws_url, cfg.rest_url, upbit.PUBLIC_PATH, upbit.PRIVATE_PATH)


def korbit_endpoints(cfg: KorbitSettings) -> Endpoints:
    ends = korbit.endpoints_from_base(cfg.url) if cfg.url else korbit.endpoints(cfg.host)
    return _override(ends, cfg.ws_url, cfg.rest_url, korbit.PUBLIC_PATH, korbit.PRIVATE_PATH)


def _override(
    ends: Endpoints, ws: str | None, rest: str | None, public_path: str, private_path: str
) -> Endpoints:
    if ws:
        ws_ends = from_base(ws, public_path, private_path)
        ends = ends._replace(public_ws=ws_ends.public_ws, private_ws=ws_ends.private_ws)
    if rest:
        ends = ends._replace(rest=rest)
    return ends


class PublicFeed:
    """What public feeds share: no REST seed, no authentication to diagnose."""

    channel = "public"

    def headers(self) -> dict[str, str]:
        return {}

    async def prepare(self, client: httpx.AsyncClient) -> None:
        return None

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        return []

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        return None

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        return None


@dataclass
class UpbitPublic(PublicFeed):
    endpoints: Endpoints
    depth: int = 30
    venue: str = "upbit"
    ping_interval: float | None = 30.0
    ping_timeout: float | None = 20.0

    def url(self) -> str:
        return self.endpoints.public_ws

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        if not wanted:
            # Upbit has no empty subscription; an unused socket simply gets nothing new.
            return []
        if wanted == sent:
            return []
        return [
            upbit.subscribe_message(
                sorted(wanted.tickers),
                sorted(wanted.books),
                sorted(wanted.trades),
                depth=self.depth,
                tops=sorted(wanted.tops),
                candles=sorted(wanted.candles),
            )
        ]

    def decode(self, frame: Frame) -> list[AnyEvent]:
        return upbit.decode(frame)

    def rejection(self, error: VenueError, sent: Subscription) -> Rejection | None:
        """An error frame that names codes of the socket's subscription: the request
        failed as a whole (the server keeps what it had), so everything is sent again
        without them. Upbit's errors carry no ticket, so one naming only codes already
        left out answers an older request and changes nothing."""
        named = codes_named(error.message, sent.codes())
        return Rejection(named, sent) if named else None


@dataclass
class KorbitPublic(PublicFeed):
    endpoints: Endpoints
    venue: str = "korbit"
    ping_interval: float | None = 15.0
    ping_timeout: float | None = 10.0
    requests: dict[int, korbit.Request] = field(default_factory=dict)
    """The last :data:`KORBIT_REQUESTS_KEPT` requests sent, by ``requestId``."""
    single: frozenset[str] = frozenset()
    """Symbols subscribed one per request: a failure named none of a request's symbols."""

    def url(self) -> str:
        return self.endpoints.public_ws

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        requests = korbit.requests_for(sent or EMPTY, wanted, single=self.single)
        for request in requests:
            if request.request_id is not None:
                self.requests[request.request_id] = request
        while len(self.requests) > KORBIT_REQUESTS_KEPT:
            del self.requests[next(iter(self.requests))]
        return korbit.frames_of(requests)

    def decode(self, frame: Frame) -> list[AnyEvent]:
        return korbit.decode(frame)

    def rejection(self, error: VenueError, sent: Subscription) -> Rejection | None:
        """A failure answers one request (its ``requestId``), which took no effect: the
        symbols its message names are refused, the others are sent again. A failure naming
        none of several symbols sends them again one per request, so the next one does."""
        request = self.requests.pop(error.request_id, None) if error.request_id else None
        if request is None or request.method != "subscribe":
            return None
        named = codes_named(error.message, request.symbols)
        if not named and len(request.symbols) == 1 and error.code == "INVALID_SYMBOL":
            named = frozenset(request.symbols)
        if named:
            return Rejection(named, korbit.requested(request))
        if error.code == "INVALID_SYMBOL":
            self.single |= frozenset(request.symbols)
            return Rejection(frozenset(), korbit.requested(request))
        return None


def public_workers(
    settings: Settings,
    sink: Sink,
    tap: Tap | None = None,
    venues: Iterable[str] = ("upbit", "korbit"),
) -> dict[str, FeedWorker]:
    """One public feed worker per requested venue (not yet running nor subscribed)."""
    workers: dict[str, FeedWorker] = {}
    for venue in venues:
        if venue == "upbit":
            workers[venue] = FeedWorker(
                UpbitPublic(upbit_endpoints(settings.upbit), settings.upbit.orderbook_depth),
                sink,
                tap,
                connect_limiter=UPBIT_CONNECTS,
                # A margin over Upbit's 5/s and 100/min, so clock jitter never trips the limit.
                message_limiters=(RateLimiter(5, 1.1), RateLimiter(100, 61.0)),
            )
        elif venue == "korbit":
            workers[venue] = FeedWorker(KorbitPublic(korbit_endpoints(settings.korbit)), sink, tap)
        else:
            raise ValueError(f"unknown exchange {venue!r}")
    return workers


_DECODERS: dict[tuple[str, str], Callable[[Frame], list[AnyEvent]]] = {
    ("upbit", "public"): upbit.decode,
    ("korbit", "public"): korbit.decode,
    ("upbit", "private"): upbit_private.decode_private,
    ("korbit", "private"): korbit_private.decode_private,
}


def decoder_for(venue: str, channel: str) -> Callable[[Frame], list[AnyEvent]] | None:
    """The codec for a capture record's (venue, channel), or None when unknown."""
    return _DECODERS.get((venue, channel))
