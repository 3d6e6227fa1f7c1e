"""Korbit (v2, now Digital X) websocket and REST protocol: URLs, subscriptions, decoding.

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, sections "Korbit: public
websocket" and "Korbit: public REST".

Public data frames decode in one typed msgspec pass (a tagged union on ``type``). Control
frames (``status``), private frames (``channelType``) and malformed input fail that pass and
take a slower generic path that never raises. Decimals arrive as JSON strings; they are
converted through a memo that also rejects ``"NaN"``, ``"Infinity"``, other non-numbers and
numbers outside their field's range (:mod:`mdtui.venues.ranges`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Literal

import msgspec

from mdtui.model.events import Ack, AnyEvent, Book, Ticker, Trade, VenueError
from mdtui.venues.endpoints import Endpoints, from_base
from mdtui.venues.frames import BadFrame, DecimalCache, guard, parse_json
from mdtui.venues.markets import MarketInfo, TickBands, bands, tick_from_bands
from mdtui.venues.ranges import CHANGE, PRICE, RATE, REFERENCE, SIZE, TIME, VALUE, DecimalRange
from mdtui.venues.subscription import Subscription

VENUE = "korbit"

# --------------------------------------------------------------------------- endpoints

DEFAULT_HOST = "korbit.co.kr"
"""The Korbit-branded domain; ``digitalx.miraeasset.com`` serves the same API."""
PUBLIC_PATH = "/v2/public"
PRIVATE_PATH = "/v2/private"


def endpoints(host: str = DEFAULT_HOST) -> Endpoints:
    """Real endpoints under a domain: ``wss://ws-api.{host}/v2/…``, ``https://api.{host}``."""
    ws = from_base(f"wss://ws-api.{host}", PUBLIC_PATH, PRIVATE_PATH)
    return ws._replace(rest=f"https://api.{host}")


def endpoints_from_base(base: str) -> Endpoints:
    """Endpoints under an explicit base, e.g. ``http://127.0.0.1:8123`` for the simulator."""
    return from_base(base, PUBLIC_PATH, PRIVATE_PATH)


# --------------------------------------------------------------------------- subscribe


class Request(msgspec.Struct, omit_defaults=True, frozen=True):
    """One request object of a Korbit websocket request array."""

    method: Literal["subscribe", "unsubscribe"]
    type: str
    symbols: tuple[str, ...]
    request_id: int | None = msgspec.field(default=None, name="requestId")


_REQUEST_IDS = itertools.count(1)
"""Process-wide request ids: with a ``requestId`` the server acknowledges success too."""

_encode = msgspec.json.Encoder().encode


def requests_for(
    old: Subscription,
    new: Subscription,
    *,
    ids: Iterator[int] | None = None,
    single: frozenset[str] = frozenset(),
) -> list[Request]:
    """The requests that turn subscription ``old`` into ``new``: unsubscribes first.

    One request per (method, type) with the symbols sorted; nothing for an unchanged type.
    Symbols in ``single`` are subscribed one per request, so a failure (which answers a
    whole request) names them one by one. Each request gets the next id from ``ids`` (a
    process-wide counter by default), so the caller can match the server's
    ``Ack``/``VenueError`` ``request_id`` to it. After a reconnect, pass ``old=EMPTY``.
    """
    counter = _REQUEST_IDS if ids is None else ids
    pairs = tuple(zip(old.by_type(), new.by_type(), strict=True))
    plan = [("unsubscribe", typ, sorted(before - after)) for (typ, before), (_, after) in pairs]
    for (typ, before), (_, after) in pairs:
        added = after - before
        plan.append(("subscribe", typ, sorted(added - single)))
        plan += [("subscribe", typ, [symbol]) for symbol in sorted(added & single)]
    return [
        Request(method, typ, tuple(symbols), next(counter))  # type: ignore[arg-type]
        for method, typ, symbols in plan
        if symbols
    ]


def requested(request: Request) -> Subscription:
    """What a subscribe ``request`` asks for, as a subscription."""
    return Subscription.of(
        tickers=request.symbols if request.type == "ticker" else (),
        books=request.symbols if request.type == "orderbook" else (),
        trades=request.symbols if request.type == "trade" else (),
    )


def encode_requests(requests: Iterable[Request]) -> str:
    """One text frame: a flat JSON array of request objects."""
    return _encode(list(requests)).decode()


def subscribe_messages(
    old: Subscription, new: Subscription, *, ids: Iterator[int] | None = None
) -> list[str]:
    """Text frames that move a socket from ``old`` to ``new``: ``[]`` when nothing changes.

    The unsubscribes (if any) form the first frame and the subscribes the second, so the
    order is explicit and one rejected frame (``invalid_format`` carries no requestId) does
    not hide the other. Use :func:`requests_for` to keep the request ids.
    """
    return frames_of(requests_for(old, new, ids=ids))


def frames_of(requests: list[Request]) -> list[str]:
    """The unsubscribes (if any) as the first text frame, the subscribes as the second."""
    unsubs = [r for r in requests if r.method == "unsubscribe"]
    subs = [r for r in requests if r.method == "subscribe"]
    return [encode_requests(group) for group in (unsubs, subs) if group]


# --------------------------------------------------------------------------- wire structs
#
# Money fields are decoded as their JSON strings and turned into Decimal through a memo
# per kind of field (frames.DecimalCache): prices and sizes repeat between frames, and a
# cache hit is several times cheaper than Decimal(str). A miss is checked against the
# field's range (venues.ranges: "NaN", "1e999999", "-1" -> BadNumber -> Malformed), so a
# hit needs no check at all.


def _memo(kind: DecimalRange) -> Callable[[str], Decimal]:
    return DecimalCache(kind.check).__getitem__


_price, _reference, _size, _value = _memo(PRICE), _memo(REFERENCE), _memo(SIZE), _memo(VALUE)
_change, _rate = _memo(CHANGE), _memo(RATE)


class _TickerData(msgspec.Struct, rename="camel", gc=False):
    open: str
    high: str
    low: str
    close: str
    prev_close: str
    price_change: str
    price_change_percent: str
    volume: str
    quote_volume: str
    best_bid_price: str | None = None
    best_ask_price: str | None = None


class _Ticker(msgspec.Struct, tag_field="type", tag="ticker", gc=False):
    symbol: str
    timestamp: int
    data: _TickerData
    snapshot: bool | None = None
    status: Any = None

    def to_events(self) -> list[AnyEvent]:
        d = self.data
        bid, ask = d.best_bid_price, d.best_ask_price
        TIME.check(self.timestamp)
        return [
            Ticker(
                venue=VENUE,
                market=self.symbol,
                last=_price(d.close),
                prev_close=_reference(d.prev_close),
                change=_change(d.price_change),
                change_pct=_rate(d.price_change_percent),
                open=_reference(d.open),
                high=_reference(d.high),
                low=_reference(d.low),
                volume_24h=_size(d.volume),
                value_24h=_value(d.quote_volume),
                # "0" means no order on that side (seen on stopped pairs in REST).
                best_bid=(_reference(bid) or None) if bid is not None else None,
                best_ask=(_reference(ask) or None) if ask is not None else None,
                ts=self.timestamp,
                snapshot=self.snapshot is True,
            )
        ]


class _TradeRow(msgspec.Struct, rename="camel", gc=False):
    timestamp: int
    price: str
    qty: str
    is_buyer_taker: bool
    trade_id: int


class _Trade(msgspec.Struct, tag_field="type", tag="trade", gc=False):
    symbol: str
    timestamp: int
    data: list[_TradeRow]
    snapshot: bool | None = None
    status: Any = None

    def to_events(self) -> list[AnyEvent]:
        snapshot = self.snapshot is True
        TIME.check(*[row.timestamp for row in self.data])
        return [
            Trade(
                venue=VENUE,
                market=self.symbol,
                price=_price(row.price),
                size=_size(row.qty),
                side="buy" if row.is_buyer_taker else "sell",
                ts=row.timestamp,
                trade_id=str(row.trade_id),
                snapshot=snapshot,
            )
            for row in self.data
        ]


class _Level(msgspec.Struct, gc=False):
    price: str
    qty: str


class _BookData(msgspec.Struct, gc=False):
    timestamp: int
    bids: list[_Level]
    asks: list[_Level]


class _Orderbook(msgspec.Struct, tag_field="type", tag="orderbook", gc=False):
    symbol: str
    timestamp: int
    data: _BookData
    snapshot: bool | None = None
    status: Any = None

    def to_events(self) -> list[AnyEvent]:
        d = self.data
        TIME.check(d.timestamp)
        # Korbit sends no empty levels, but drop zero sizes anyway, as for Upbit.
        return [
            Book(
                venue=VENUE,
                market=self.symbol,
                bids=tuple([(_price(lv.price), q) for lv in d.bids if (q := _size(lv.qty))]),
                asks=tuple([(_price(lv.price), q) for lv in d.asks if (q := _size(lv.qty))]),
                ts=d.timestamp,
                snapshot=self.snapshot is True,
            )
        ]


class _Control(msgspec.Struct):
    status: str
    request_id: int | None = msgspec.field(default=None, name="requestId")
    code: str | None = None
    message: str = ""


_Msg = _Ticker | _Trade | _Orderbook
_KNOWN_TYPES = frozenset({"ticker", "trade", "orderbook"})
_DECODER = msgspec.json.Decoder(_Msg)


# --------------------------------------------------------------------------- decode


def decode(frame: bytes | str) -> list[AnyEvent]:
    """Decode one websocket frame (text or binary) into normalized events. Never raises.

    Routing: ``status`` first (``success`` -> Ack, anything else -> VenueError), then
    private ``channelType`` frames (``[]``: :func:`mdtui.venues.korbit_private.decode_private`
    decodes those), then public ``type``: ticker, orderbook and trade (one Trade per
    ``data`` row; an empty ``data`` gives ``[]``). Unknown types give ``[]``; anything
    undecodable gives ``[Malformed]``.
    """
    try:
        msg = _DECODER.decode(frame)
        if msg.status is None:
            return msg.to_events()
    except Exception:
        pass  # every failure is re-diagnosed, and reported, by the slow path
    return guard(VENUE, _decode_slow, frame, frame)


def _decode_slow(frame: bytes | str, _: object) -> list[AnyEvent]:
    return decode_object(parse_json(frame), frame)


def decode_object(value: object, _: object = None) -> list[AnyEvent]:
    """The events of a parsed public or control frame (raises if it is bad)."""
    if not isinstance(value, dict):
        raise BadFrame(f"expected a JSON object, got {type(value).__name__}")
    if "status" in value:
        return _control(msgspec.convert(value, _Control))
    if "channelType" in value:
        return []  # private stream: korbit_private.decode_private decodes it
    tag = value.get("type")
    if not isinstance(tag, str):
        raise BadFrame("no string type, status or channelType")
    if tag not in _KNOWN_TYPES:
        return []
    msg: _Ticker | _Trade | _Orderbook = msgspec.convert(value, _Msg)
    return msg.to_events()


def _control(ctl: _Control) -> list[AnyEvent]:
    if ctl.status == "success":
        return [Ack(venue=VENUE, request_id=ctl.request_id)]
    # fail/error (and any unknown status, treated as an error): `code` when given (e.g.
    # INVALID_SYMBOL), else the status itself; the detail (e.g. invalid_format) is `message`.
    return [
        VenueError(
            venue=VENUE,
            code=ctl.code or ctl.status,
            message=ctl.message,
            request_id=ctl.request_id,
        )
    ]


# --------------------------------------------------------------------------- REST


class ApiError(ValueError):
    """A Korbit REST error envelope ``{"success":false,"error":{"code","message"}}``."""

    def __init__(self, code: int | str | None, message: str) -> None:
        super().__init__(f"Korbit API error {code}: {message}")
        self.code = code
        self.message = message


class _ErrorBody(msgspec.Struct):
    code: int | str | None = None
    message: str = ""


class _PairRow(msgspec.Struct, rename="camel"):
    symbol: str
    status: str
    base_currency: str
    quote_currency: str
    min_order_value: Decimal | None = None
    max_order_value: Decimal | None = None


class _PairsReply(msgspec.Struct):
    success: bool
    data: list[_PairRow] = []
    error: _ErrorBody | None = None


class _Band(msgspec.Struct, rename="camel"):
    price_gte: Decimal
    tick_size: Decimal


class _TickPolicy(msgspec.Struct, rename="camel"):
    symbol: str
    tick_size_policy: list[_Band]


class _TickReply(msgspec.Struct):
    success: bool
    data: list[_TickPolicy] = []
    error: _ErrorBody | None = None


_PAIRS = msgspec.json.Decoder(_PairsReply)
_TICKS = msgspec.json.Decoder(_TickReply)


def _check(reply: _PairsReply | _TickReply) -> None:
    if not reply.success:
        err = reply.error or _ErrorBody(message="success is false")
        raise ApiError(err.code, err.message)


def parse_markets(body: bytes | str) -> list[MarketInfo]:
    """Parse ``GET /v2/currencyPairs`` into MarketInfo rows.

    ``active`` is ``status == "launched"``; Korbit's REST has no Korean or English names
    (None). KRW pairs get :data:`KRW_TICK_BANDS` (the authority is ``/v2/tickSizePolicy``,
    see :func:`parse_tick_size_policy`). Raises :class:`ApiError` on an error envelope and
    ValueError (msgspec.DecodeError) on a body of the wrong shape.
    """
    reply = _PAIRS.decode(body)
    _check(reply)
    return [
        MarketInfo(
            venue=VENUE,
            market=row.symbol,
            base=row.base_currency.upper(),
            quote=row.quote_currency.upper(),
            active=row.status == "launched",
            min_order_value=row.min_order_value,
            max_order_value=row.max_order_value,
            tick_bands=KRW_TICK_BANDS if row.quote_currency.lower() == "krw" else (),
        )
        for row in reply.data
    ]


def parse_tick_size_policy(body: bytes | str) -> dict[str, TickBands]:
    """Parse ``GET /v2/tickSizePolicy`` into tick bands per symbol (bands sorted by bound).

    Raises :class:`ApiError` on an error envelope and ValueError on a bad body or bands.
    """
    reply = _TICKS.decode(body)
    _check(reply)
    return {
        p.symbol: bands(*sorted((b.price_gte, b.tick_size) for b in p.tick_size_policy))
        for p in reply.data
    }


KRW_TICK_BANDS: TickBands = bands(
    ("0", "0.0001"),
    ("1", "0.001"),
    ("10", "0.01"),
    ("100", "0.1"),
    ("1000", "1"),
    ("5000", "5"),
    ("10000", "10"),
    ("50000", "50"),
    ("100000", "100"),
    ("500000", "500"),
    ("1000000", "1000"),
)
"""The KRW ladder of ``/v2/tickSizePolicy`` for xrp_krw and btc_krw (``docs/protocols.md``,
"Korbit: public REST")."""


def tick_size(price: Decimal, table: TickBands = KRW_TICK_BANDS) -> Decimal:
    """The price tick at ``price``: the band with the largest ``priceGte`` <= price.

    Raises ValueError for a negative or non-finite price.
    """
    return tick_from_bands(price, table)
