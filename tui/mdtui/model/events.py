"""The normalized event model every codec produces and every consumer reads.

Money is always ``Decimal`` (prices, sizes, values); times are Unix milliseconds.
``venue`` is ``"upbit"`` or ``"korbit"``; ``market`` is the exchange's own code
(``KRW-BTC`` on Upbit, ``btc_krw`` on Korbit). ``market_key(venue, market)`` joins them
into the ``upbit:KRW-BTC`` form the settings and the UI use.

Events are msgspec Structs: cheap to build on the hot path, and :func:`event_json` turns
them into the JSON lines ``mdtui watch`` prints (Decimals as exact strings in plain
notation, the event kind under ``"type"``).
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


class Ticker(Event, tag="ticker", frozen=True):
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


class Trade(Event, tag="trade", frozen=True):
    """One public trade. ``side`` is the taker's side."""

    venue: str
    market: str
    price: Decimal
    size: Decimal
    side: Side
    ts: int
    trade_id: str
    snapshot: bool


class Book(Event, tag="book", frozen=True):
    """A full order book snapshot (both exchanges send full books, never deltas).

    ``bids`` run from the best (highest) price down, ``asks`` from the best (lowest) up.
    """

    venue: str
    market: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: int
    snapshot: bool


class Heartbeat(Event, tag="heartbeat", frozen=True):
    """A keepalive answer from the server (Upbit ``{"status":"UP"}``)."""

    venue: str


class Ack(Event, tag="ack", frozen=True):
    """The server accepted a request (Korbit ``status: success``)."""

    venue: str
    request_id: int | None


class VenueError(Event, tag="venue_error", frozen=True):
    """The server reported an error (Upbit ``error`` frame, Korbit ``fail``/``error``)."""

    venue: str
    code: str
    message: str
    request_id: int | None = None


class Malformed(Event, tag="malformed", frozen=True):
    """A frame that could not be decoded. Counted and skipped, never fatal."""

    venue: str
    reason: str
    frame: str


class Subscribed(Event, tag="subscribed", frozen=True):
    """A socket's subscription changed (said by the feed worker, not the exchange).

    ``markets`` are every market it now streams; ``added`` those new on it: just asked
    for, or asked for again on a new connection or after the exchange refused a request.
    """

    venue: str
    channel: str
    markets: tuple[str, ...]
    added: tuple[str, ...]


FeedStateName = Literal["connecting", "live", "reconnecting", "stopped"]


class FeedState(Event, tag="feed", frozen=True):
    """A change in a feed's connection state, with why and how many attempts so far."""

    venue: str
    channel: str
    state: FeedStateName
    attempt: int = 0
    reason: str = ""
    ts: int = 0


class Candle(Event, tag="candle", frozen=True):
    """One bucket of one market. ``start`` is the bucket's first millisecond (UTC);
    ``volume`` is in the base currency and ``value`` in the quote (None: the exchange does
    not say, as Korbit's REST candles); ``ts`` is the time of the last trade or report it
    holds."""

    venue: str
    market: str
    interval: str
    start: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    value: Decimal | None
    ts: int
    snapshot: bool = False


class CandleHistory(Event, tag="candle_history", frozen=True):
    """Candles of one market and interval read over REST (oldest first; the newest may
    still be open). With ``reset`` the series drops what it held first (a new chart, or
    a page that cannot be joined to what it held without a hole); ``from_trades`` says
    whether trades extend the series (Korbit, Upbit 1d) or the exchange streams its
    candles (sent by the feed that fills it)."""

    venue: str
    market: str
    interval: str
    candles: tuple[Candle, ...]
    reset: bool = False
    from_trades: bool = False


# --------------------------------------------------------------------------- private side

OrderState = Literal["pending", "open", "partial", "filled", "cancelled", "rejected", "closed"]
"""The one order-state vocabulary of both exchanges.

``pending``: accepted but not (yet) on the book (Korbit ``pending``, Upbit ``watch`` stop
orders); ``open``: resting, nothing filled; ``partial``: resting with a fill; ``filled``,
``cancelled`` (possibly after partial fills: see ``filled``) and ``rejected`` (Korbit
``expired``, placement failed) are final. ``closed`` is never sent by an exchange: the
account store marks an active order ``closed`` when a complete REST seed no longer lists it
(gone from the book, outcome unknown until a final state arrives).
"""
ACTIVE_STATES: frozenset[str] = frozenset({"pending", "open", "partial"})
FINAL_STATES: frozenset[str] = frozenset({"filled", "cancelled", "rejected"})
RESTING_STATES: frozenset[str] = frozenset({"open", "partial"})
"""States in which an order sits on the public book (and is marked on the depth ladder)."""

OrderType = Literal["limit", "market", "best"]
"""``market`` covers market buys by amount (Upbit ``price``; ``amount`` set) and market
sells by quantity (Upbit ``market``); ``best`` is a best-bid/offer order."""


class Order(Event, tag="order", frozen=True):
    """The latest known state of one of the user's orders (one update, not a delta).

    ``order_id`` is the exchange's id (Upbit ``uuid``, Korbit ``orderId`` as a string).
    ``state`` is normalized (:data:`OrderState`), ``raw_state`` is the exchange's own word.
    ``price`` is the limit price (None for market orders); ``qty`` the ordered quantity
    (None when ordered by amount); ``amount`` the quote amount of an order placed by value
    (market/best buys) or as sent by Korbit (``amt``); ``filled`` the cumulative executed
    quantity and ``filled_value`` its quote value; ``fee`` the fee paid so far (quote
    currency). A field None here is unknown in this update, not zero. Times are ms;
    ``updated_ms`` is the time this state was reported (server time for stream frames, the
    request time for REST seeds).
    """

    venue: str
    market: str
    order_id: str
    side: Side
    order_type: str
    state: OrderState
    raw_state: str
    price: Decimal | None
    qty: Decimal | None
    filled: Decimal
    remaining: Decimal | None
    avg_price: Decimal | None
    amount: Decimal | None
    filled_value: Decimal | None
    fee: Decimal | None
    created_ms: int
    updated_ms: int
    client_id: str | None = None
    time_in_force: str | None = None

    @property
    def active(self) -> bool:
        """Pending, open or partially filled: not final and not ``closed``."""
        return self.state in ACTIVE_STATES

    @property
    def filled_pct(self) -> Decimal | None:
        """Filled share of ``qty`` in percent, or None when the quantity is unknown."""
        if not self.qty:
            return None
        return self.filled * 100 / self.qty


class Fill(Event, tag="fill", frozen=True):
    """One execution of one of the user's orders.

    ``value`` is ``price * size`` computed exactly; ``fee`` is in ``fee_currency``
    (upper-case). ``is_maker`` is None when the exchange does not say.
    """

    venue: str
    market: str
    order_id: str
    trade_id: str
    side: Side
    price: Decimal
    size: Decimal
    value: Decimal
    fee: Decimal | None
    fee_currency: str | None
    is_maker: bool | None
    ts: int


class Balance(msgspec.Struct, frozen=True, gc=False):
    """One currency of an account: ``total = available + in_orders (+ other holds)``.

    ``currency`` is upper-case. ``in_orders`` is what open orders hold (Upbit ``locked``,
    which also covers pending withdrawals; Korbit ``tradeInUse``). ``avg_buy_price`` is in
    the account's quote currency (KRW on Korea), None when the update does not carry it.
    """

    venue: str
    currency: str
    total: Decimal
    available: Decimal
    in_orders: Decimal
    avg_buy_price: Decimal | None
    ts: int


class Balances(Event, tag="balances", frozen=True):
    """Balance rows of one venue. ``complete``: a REST seed listing the whole account (it
    replaces the venue's set); otherwise a stream delta listing only changed currencies."""

    venue: str
    rows: tuple[Balance, ...]
    ts: int
    complete: bool


class OrdersSnapshot(Event, tag="orders", frozen=True):
    """Orders listed by a REST call, for reconciling after a (re)connect.

    ``markets`` are the markets the call covered (None: every market of the venue).
    ``complete``: the list holds *every* active order of those markets (an open-orders
    seed, all pages), so an active order missing from it has left the book; False for
    partial lists such as closed-order history. ``ts`` is the local time of the reply (for
    display; never compared with an exchange's times).
    """

    venue: str
    orders: tuple[Order, ...]
    ts: int
    markets: tuple[str, ...] | None = None
    complete: bool = True


PrivateEvent = Order | Fill | Balances | OrdersSnapshot
MarketEvent = Ticker | Trade | Book
AnyEvent = (
    Ticker
    | Trade
    | Book
    | Candle
    | CandleHistory
    | Heartbeat
    | Ack
    | VenueError
    | Malformed
    | FeedState
    | Subscribed
    | Order
    | Fill
    | Balances
    | OrdersSnapshot
)


_JSON = msgspec.json.Encoder()


def _plain(value: object) -> object:
    kind = type(value)
    if kind is Decimal:
        return format(value, "f")
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]  # type: ignore[attr-defined]
    return value


def event_json(event: Event) -> bytes:
    """One event as a JSON object: decimals as strings in plain notation with the
    exchange's digits (``"0.00000001"``, never ``"1E-8"``; ``"12345000000"``, never
    ``"1.2345E+10"``), so a script reading ``mdtui watch`` gets them as sent."""
    return _JSON.encode(_plain(msgspec.to_builtins(event, builtin_types=(Decimal,))))
