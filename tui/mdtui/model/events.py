"""The normalized event model every codec produces and every consumer reads.

Money is always ``Decimal`` (prices, sizes, values); times are Unix milliseconds.
``venue`` is ``"upbit"`` or ``"korbit"``; ``market`` is the exchange's own code
(``KRW-BTC`` on Upbit, ``btc_krw`` on Korbit). ``market_key(venue, market)`` joins them
into the ``upbit:KRW-BTC`` form the settings and the UI use.

Events are msgspec Structs: cheap to build on the hot path, and ``msgspec.json.encode``
turns them into the JSON lines ``mdtui watch`` prints (Decimals as exact strings, the
event kind under ``"type"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

Venue = Literal["upbit", "korbit"]
Channel = Literal["public", "private"]
Side = Literal["buy", "sell"]
Level = tuple[Decimal, Decimal]
"""One book level: (price, size)."""


def market_key(venue: str, market: str) -> str:
    """``upbit:KRW-BTC``: the id a market has in settings, the model and the UI."""
    return f"{venue}:{market}"


def split_key(key: str) -> tuple[str, str]:
    """Inverse of :func:`market_key`; raises ValueError on a key without a venue."""
    venue, sep, market = key.partition(":")
    if not sep or not venue or not market:
        raise ValueError(f"market {key!r} is not of the form venue:MARKET")
    return venue, market


class Event(msgspec.Struct, frozen=True, gc=False, tag_field="type"):
    """Base of every normalized event."""


class Ticker(Event, tag="ticker"):
    """Latest price summary of one market.

    ``change`` and ``change_pct`` are signed and relative to ``prev_close`` (Upbit: the
    00:00 UTC close; Korbit: the close 24 h ago). ``value_24h`` is the 24 h traded value
    in the quote currency.
    """

    venue: str
    market: str
    last: Decimal
    prev_close: Decimal
    change: Decimal
    change_pct: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume_24h: Decimal
    value_24h: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    ts: int
    snapshot: bool


class Trade(Event, tag="trade"):
    """One public trade. ``side`` is the taker's side."""

    venue: str
    market: str
    price: Decimal
    size: Decimal
    side: Side
    ts: int
    trade_id: str
    snapshot: bool


class Book(Event, tag="book"):
    """A full order book snapshot (both exchanges send full books, never deltas).

    ``bids`` run from the best (highest) price down, ``asks`` from the best (lowest) up.
    """

    venue: str
    market: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: int
    snapshot: bool


class Heartbeat(Event, tag="heartbeat"):
    """A keepalive answer from the server (Upbit ``{"status":"UP"}``)."""

    venue: str


class Ack(Event, tag="ack"):
    """The server accepted a request (Korbit ``status: success``)."""

    venue: str
    request_id: int | None


class VenueError(Event, tag="venue_error"):
    """The server reported an error (Upbit ``error`` frame, Korbit ``fail``/``error``)."""

    venue: str
    code: str
    message: str
    request_id: int | None = None


class Malformed(Event, tag="malformed"):
    """A frame that could not be decoded. Counted and skipped, never fatal."""

    venue: str
    reason: str
    frame: str


FeedStateName = Literal["connecting", "live", "reconnecting", "stopped"]


class FeedState(Event, tag="feed"):
    """A change in a feed's connection state, with why and how many attempts so far."""

    venue: str
    channel: str
    state: FeedStateName
    attempt: int = 0
    reason: str = ""
    ts: int = 0


MarketEvent = Ticker | Trade | Book
AnyEvent = Ticker | Trade | Book | Heartbeat | Ack | VenueError | Malformed | FeedState
