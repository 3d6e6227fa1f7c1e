"""Upbit websocket and REST protocol: URLs, subscribe messages, frame decoding, markets, ticks.

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, sections "Upbit: public
websocket" and "Upbit: quotation REST".

Decoding takes one typed msgspec pass per frame: a tagged union on ``type`` (DEFAULT keys)
or ``ty`` (SIMPLE keys), chosen by a substring sniff for ``"ty":``. Everything else —
``{"status":"UP"}``, error frames, unknown types, malformed input — fails that pass and
takes a slower generic path that never raises. Upbit sends numbers as JSON numbers; msgspec
also accepts decimal strings for Decimal fields, so every value is checked against its
field's range (:mod:`mdtui.venues.ranges`: a quoted ``"NaN"``, ``1e999999`` or ``-1`` becomes
Malformed), which keeps every event's numbers usable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any, Literal, Union

import msgspec

from mdtui.model.events import AnyEvent, Book, Heartbeat, Ticker, Trade, VenueError
from mdtui.venues.endpoints import Endpoints, from_base
from mdtui.venues.frames import BadFrame, guard, parse_json, renamed_variant
from mdtui.venues.markets import MarketInfo, TickBands, bands, tick_from_bands
from mdtui.venues.ranges import CHANGE, PRICE, RATE, REFERENCE, SIZE, TIME, VALUE
from mdtui.venues.upbit_candles import DEFAULT_CANDLES, SIMPLE_CANDLES, STREAM_TYPES

VENUE = "upbit"

# --------------------------------------------------------------------------- endpoints

REGION_HOSTS: dict[str, str] = {
    "kr": "api.upbit.com",
    "sg": "sg-api.upbit.com",
    "id": "id-api.upbit.com",
    "th": "th-api.upbit.com",
}
"""Upbit Korea and Upbit Global (Singapore, Indonesia, Thailand) API hosts."""

PUBLIC_PATH = "/websocket/v1"
PRIVATE_PATH = "/websocket/v1/private"

TEXT_PING = "PING"
"""Text keepalive; the server answers ``{"status":"UP"}`` (decoded as a Heartbeat)."""


def endpoints(region: str = "kr") -> Endpoints:
    """The real endpoints of a region (``kr``, ``sg``, ``id``, ``th``)."""
    try:
        host = REGION_HOSTS[region]
    except KeyError:
        known = ", ".join(REGION_HOSTS)
        raise ValueError(f"unknown Upbit region {region!r} (known: {known})") from None
    return from_base(f"https://{host}", PUBLIC_PATH, PRIVATE_PATH)


def endpoints_from_base(base: str) -> Endpoints:
    """Endpoints under an explicit base, e.g. ``http://127.0.0.1:8123`` for the simulator."""
    return from_base(base, PUBLIC_PATH, PRIVATE_PATH)


# --------------------------------------------------------------------------- subscribe

Format = Literal["DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"]
FORMATS: frozenset[str] = frozenset({"DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"})
BOOK_DEPTHS: tuple[int, ...] = (1, 5, 15, 30)
"""Orderbook depths the server accepts since 2025-07-02; 30 is its default."""

_encode = msgspec.json.Encoder().encode


def subscribe_message(
    tickers: Sequence[str],
    books: Sequence[str],
    trades: Sequence[str],
    *,
    depth: int = 30,
    fmt: str = "SIMPLE",
    ticket: str | None = None,
    tops: Sequence[str] = (),
    candles: Sequence[tuple[str, str]] = (),
) -> str:
    """The complete subscription request for one public socket, as one JSON array text.

    ``[{"ticket"}, {"type":"ticker","codes"}, {"type":"orderbook","codes"},
    {"type":"trade","codes"}, {"format"}]``; a type with no codes is left out (the server
    rejects empty ``codes``). Upbit is taken to *replace* a connection's subscriptions with
    each request (unconfirmed, but safe either way: ``docs/protocols.md``, "Upbit: public
    websocket"), so switching markets means
    sending a new full message. Codes must be upper-case exchange codes and are sent as
    given, de-duplicated in order. With ``depth`` other than 30 each orderbook code gets the
    ``.N`` suffix; 30 is the server default and is sent bare. ``tops`` are markets whose
    best bid and ask only are wanted: they join the orderbook codes as ``CODE.1`` (unless
    already in ``books``). ``candles`` are (interval, code) pairs of charted intervals
    (``("1h", "KRW-BTC")`` asks ``candle.60m``). ``ticket`` defaults to a new uuid4.
    Raises ValueError for an unsupported depth, format or candle interval, or when
    nothing is asked.
    """
    if depth not in BOOK_DEPTHS:
        raise ValueError(f"orderbook depth {depth} not in {BOOK_DEPTHS}")
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} not in {sorted(FORMATS)}")
    book_codes = _unique(books)
    if depth != 30:
        book_codes = [f"{code}.{depth}" for code in book_codes]
    book_codes += [f"{code}.1" for code in _unique(tops) if code not in books]
    request: list[dict[str, object]] = [{"ticket": ticket or str(uuid.uuid4())}]
    for typ, codes in (
        ("ticker", _unique(tickers)),
        ("orderbook", book_codes),
        ("trade", _unique(trades)),
    ):
        if codes:
            request.append({"type": typ, "codes": codes})
    by_type: dict[str, list[str]] = {}
    for interval, code in candles:
        if interval not in STREAM_TYPES:
            raise ValueError(f"Upbit streams no {interval} candles")
        by_type.setdefault(STREAM_TYPES[interval], []).append(code)
    for typ, codes in by_type.items():
        request.append({"type": typ, "codes": _unique(codes)})
    if len(request) == 1:
        raise ValueError("nothing to subscribe: Upbit has no empty subscription")
    request.append({"format": fmt})
    return _encode(request).decode()


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


# --------------------------------------------------------------------------- wire structs

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Decimal context for the ×100 of change rates: no rounding, out-of-range still traps."""


class _Ticker(msgspec.Struct, tag_field="type", tag="ticker", gc=False):
    code: str
    trade_price: Decimal
    prev_closing_price: Decimal
    signed_change_price: Decimal
    signed_change_rate: Decimal
    opening_price: Decimal
    high_price: Decimal
    low_price: Decimal
    acc_trade_volume_24h: Decimal
    acc_trade_price_24h: Decimal
    timestamp: int
    stream_type: str = ""

    def to_events(self) -> list[AnyEvent]:
        PRICE.check(self.trade_price)
        REFERENCE.check(
            self.prev_closing_price, self.opening_price, self.high_price, self.low_price
        )
        CHANGE.check(self.signed_change_price)
        RATE.check(self.signed_change_rate)
        SIZE.check(self.acc_trade_volume_24h)
        VALUE.check(self.acc_trade_price_24h)
        TIME.check(self.timestamp)
        return [
            Ticker(
                venue=VENUE,
                market=self.code,
                last=self.trade_price,
                prev_close=self.prev_closing_price,
                change=self.signed_change_price,
                change_pct=self.signed_change_rate.scaleb(2, _EXACT),
                open=self.opening_price,
                high=self.high_price,
                low=self.low_price,
                volume_24h=self.acc_trade_volume_24h,
                value_24h=self.acc_trade_price_24h,
                best_bid=None,
                best_ask=None,
                ts=self.timestamp,
                snapshot=self.stream_type == "SNAPSHOT",
            )
        ]


class _Trade(msgspec.Struct, tag_field="type", tag="trade", gc=False):
    code: str
    trade_price: Decimal
    trade_volume: Decimal
    ask_bid: Literal["ASK", "BID"]
    trade_timestamp: int
    sequential_id: int
    stream_type: str = ""

    def to_events(self) -> list[AnyEvent]:
        PRICE.check(self.trade_price)
        SIZE.check(self.trade_volume)
        TIME.check(self.trade_timestamp)
        return [
            Trade(
                venue=VENUE,
                market=self.code,
                price=self.trade_price,
                size=self.trade_volume,
                side="buy" if self.ask_bid == "BID" else "sell",
                ts=self.trade_timestamp,
                trade_id=str(self.sequential_id),
                snapshot=self.stream_type == "SNAPSHOT",
            )
        ]


class _Unit(msgspec.Struct, gc=False):
    ask_price: Decimal
    bid_price: Decimal
    ask_size: Decimal
    bid_size: Decimal


class _Orderbook(msgspec.Struct, tag_field="type", tag="orderbook", gc=False):
    code: str
    orderbook_units: list[_Unit]
    timestamp: int
    stream_type: str = ""

    def to_events(self) -> list[AnyEvent]:
        units = self.orderbook_units
        # Thin books are padded with zero-size units: drop them. (Truthiness, not `> 0`: a
        # Decimal-to-int comparison costs ~7 µs per 30-level book; NaN and negative sizes
        # are truthy and are caught by the range check below.)
        bids = tuple([(u.bid_price, u.bid_size) for u in units if u.bid_size])
        asks = tuple([(u.ask_price, u.ask_size) for u in units if u.ask_size])
        levels = bids + asks
        price, size = PRICE.fits, SIZE.fits
        if not all([price(p) and size(s) for p, s in levels]):
            PRICE.check(*[p for p, _ in levels])  # raises, naming the value
            SIZE.check(*[s for _, s in levels])
        TIME.check(self.timestamp)
        return [
            Book(
                venue=VENUE,
                market=self.code,
                bids=bids,
                asks=asks,
                ts=self.timestamp,
                snapshot=self.stream_type == "SNAPSHOT",
            )
        ]


_UnitSimple = renamed_variant(
    _Unit,
    rename={"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"},
)
_TickerSimple = renamed_variant(
    _Ticker,
    tag_field="ty",
    rename={
        "code": "cd",
        "trade_price": "tp",
        "prev_closing_price": "pcp",
        "signed_change_price": "scp",
        "signed_change_rate": "scr",
        "opening_price": "op",
        "high_price": "hp",
        "low_price": "lp",
        "acc_trade_volume_24h": "atv24h",
        "acc_trade_price_24h": "atp24h",
        "timestamp": "tms",
        "stream_type": "st",
    },
)
_TradeSimple = renamed_variant(
    _Trade,
    tag_field="ty",
    rename={
        "code": "cd",
        "trade_price": "tp",
        "trade_volume": "tv",
        "ask_bid": "ab",
        "trade_timestamp": "ttms",
        "sequential_id": "sid",
        "stream_type": "st",
    },
)
_OrderbookSimple = renamed_variant(
    _Orderbook,
    tag_field="ty",
    rename={"code": "cd", "orderbook_units": "obu", "timestamp": "tms", "stream_type": "st"},
    types={"orderbook_units": list[_UnitSimple]},  # type: ignore[valid-type]
)

# The candle types join the tagged unions: one struct per candle type (see upbit_candles).
_DefaultMsg: Any = Union[(_Ticker, _Trade, _Orderbook, *DEFAULT_CANDLES)]
_SimpleMsg: Any = Union[(_TickerSimple, _TradeSimple, _OrderbookSimple, *SIMPLE_CANDLES)]
_KNOWN_TYPES = frozenset({"ticker", "trade", "orderbook", *STREAM_TYPES.values()})

_DEFAULT = msgspec.json.Decoder(_DefaultMsg)
_SIMPLE = msgspec.json.Decoder(_SimpleMsg)
_DEFAULT_LIST = msgspec.json.Decoder(list[_DefaultMsg])
_SIMPLE_LIST = msgspec.json.Decoder(list[_SimpleMsg])


class _ErrorBody(msgspec.Struct):
    name: str | int
    message: str


class _ErrorFrame(msgspec.Struct):
    error: _ErrorBody


# --------------------------------------------------------------------------- decode

_ARRAY_START = (b"[", "[")
"""A list-format (JSON_LIST, SIMPLE_LIST) frame starts with one of these."""


def decode(frame: bytes | str) -> list[AnyEvent]:
    """Decode one websocket frame (binary or text) into normalized events. Never raises.

    Object frames (DEFAULT or SIMPLE keys) give one event; array frames (JSON_LIST,
    SIMPLE_LIST) give one event per element. ``{"status":"UP"}`` gives a Heartbeat and
    ``{"error":{…}}`` a VenueError; ``candle.*`` of a charted interval a Candle; other
    types (other candles, private types, LIST_SUBSCRIPTIONS replies) give ``[]``;
    anything undecodable gives ``[Malformed]``.
    """
    try:
        if frame[:1] in _ARRAY_START:
            msgs = (_SIMPLE_LIST if _is_simple(frame) else _DEFAULT_LIST).decode(frame)
            if len(msgs) == 1:
                return msgs[0].to_events()
            events: list[AnyEvent] = []
            for msg in msgs:
                events += msg.to_events()
            if events:
                return events
        else:
            return (_SIMPLE if _is_simple(frame) else _DEFAULT).decode(frame).to_events()
    except Exception:
        pass  # every failure is re-diagnosed, and reported, by the slow path
    return guard(VENUE, _decode_slow, frame, frame)


def _is_simple(frame: bytes | str) -> bool:
    if isinstance(frame, str):
        return '"ty":' in frame
    return b'"ty":' in frame


def _decode_slow(frame: bytes | str, _: object) -> list[AnyEvent]:
    """Status, error, unknown-type and malformed frames; also lists mixing such elements."""
    return decode_parsed(parse_json(frame), frame, decode_object)


def decode_parsed(
    value: object, frame: bytes | str, decode_item: Callable[[Any, Any], list[AnyEvent]]
) -> list[AnyEvent]:
    """The events of a parsed frame: ``decode_item`` of the object, or of each element of
    a list (each under its own guard, so one bad element does not hide the others)."""
    if not isinstance(value, list):
        return decode_item(value, frame)
    if not value:
        raise BadFrame("empty array")
    out: list[AnyEvent] = []
    for item in value:
        out += guard(VENUE, decode_item, item, frame)
    return out


def decode_object(value: object, frame: object) -> list[AnyEvent]:
    """The events of one parsed object of a public or control frame (raises if it is bad).

    Status, error and LIST_SUBSCRIPTIONS replies, and the public types (candles of the
    charted intervals included); other types (private types) give ``[]``.
    """
    if not isinstance(value, dict):
        raise BadFrame(f"expected a JSON object, got {type(value).__name__}")
    if "status" in value:
        if value["status"] == "UP":
            return [Heartbeat(venue=VENUE)]
        raise BadFrame(f"unknown status {value['status']!r}")
    if "error" in value:
        return guard(VENUE, _error, value, frame, "bad error frame")
    if "type" in value:
        tag, simple = value["type"], False
    elif "ty" in value:
        tag, simple = value["ty"], True
    elif "method" in value or "mthd" in value:
        return []  # LIST_SUBSCRIPTIONS reply: not an event
    else:
        raise BadFrame("no type, status or error key")
    if not isinstance(tag, str):
        raise BadFrame(f"type is {type(tag).__name__}, not a string")
    if tag not in _KNOWN_TYPES:
        return []  # uncharted candle types, myOrder, myAsset, …: not handled here
    msg = msgspec.convert(value, _SimpleMsg if simple else _DefaultMsg)
    events: list[AnyEvent] = msg.to_events()
    return events


def _error(value: object, _: object) -> list[AnyEvent]:
    err = msgspec.convert(value, _ErrorFrame).error
    return [VenueError(venue=VENUE, code=str(err.name), message=err.message)]


# --------------------------------------------------------------------------- REST: markets


class _MarketEvent(msgspec.Struct):
    warning: bool = False
    caution: dict[str, bool] | None = None


class _MarketRow(msgspec.Struct):
    market: str
    korean_name: str | None = None
    english_name: str | None = None
    market_event: _MarketEvent | None = None


_MARKETS = msgspec.json.Decoder(list[_MarketRow])


def parse_markets(body: bytes | str) -> list[MarketInfo]:
    """Parse ``GET /v1/market/all`` (with or without ``is_details``) into MarketInfo rows.

    Upbit lists only tradable markets, so every row is ``active``; ``warning`` is the
    ``market_event.warning`` flag (유의 종목), ``caution`` whether any of the
    ``market_event.caution`` flags is set (주의), both only sent with ``is_details=true``.
    Raises ValueError
    (msgspec.DecodeError) on a body of the wrong shape or a code not of the form
    ``QUOTE-BASE``.
    """
    out: list[MarketInfo] = []
    for row in _MARKETS.decode(body):
        quote, sep, base = row.market.partition("-")
        if not sep or not quote or not base:
            raise ValueError(f"market code {row.market!r} is not QUOTE-BASE")
        out.append(
            MarketInfo(
                venue=VENUE,
                market=row.market,
                base=base.upper(),
                quote=quote.upper(),
                korean_name=row.korean_name,
                english_name=row.english_name,
                warning=bool(row.market_event and row.market_event.warning),
                caution=bool(row.market_event and any((row.market_event.caution or {}).values())),
                tick_bands=TICK_BANDS.get(quote.upper(), ()),
            )
        )
    return out


class _Instrument(msgspec.Struct):
    market: str
    tick_size: Decimal


_INSTRUMENTS = msgspec.json.Decoder(list[_Instrument])


def parse_instruments(body: bytes | str) -> dict[str, Decimal]:
    """Parse ``GET /v1/orderbook/instruments`` into the tick at each market's current
    price (``tick_size`` is a string on the wire). Raises ValueError on a body of the
    wrong shape or a tick that is not a finite number above zero."""
    out = {}
    for row in _INSTRUMENTS.decode(body):
        if not row.tick_size.is_finite() or row.tick_size <= 0:
            raise ValueError(f"tick_size {row.tick_size} of {row.market} is not above zero")
        out[row.market] = row.tick_size
    return out


# --------------------------------------------------------------------------- ticks

KRW_TICK_BANDS: TickBands = bands(
    ("0", "0.00000001"),
    ("0.00001", "0.0000001"),
    ("0.0001", "0.000001"),
    ("0.001", "0.00001"),
    ("0.01", "0.0001"),
    ("0.1", "0.001"),
    ("1", "0.01"),
    ("10", "0.1"),
    ("100", "1"),
    ("5000", "5"),
    ("10000", "10"),
    ("50000", "50"),
    ("100000", "100"),
    ("500000", "500"),
    ("1000000", "1000"),
)
"""KRW market ticks in force since 2025-07-31 (``docs/protocols.md``, "Upbit: quotation
REST")."""

BTC_TICK_BANDS: TickBands = bands(("0", "0.00000001"))
USDT_TICK_BANDS: TickBands = bands(
    ("0", "0.00000001"),
    ("0.0001", "0.0000001"),
    ("0.001", "0.000001"),
    ("0.01", "0.00001"),
    ("0.1", "0.0001"),
    ("1", "0.001"),
    ("10", "0.01"),
)

TICK_BANDS: dict[str, TickBands] = {
    "KRW": KRW_TICK_BANDS,
    "BTC": BTC_TICK_BANDS,
    "USDT": USDT_TICK_BANDS,
}
"""Tick tables by quote currency; Global quotes (SGD, IDR, THB) are not documented."""


def tick_size(price: Decimal, quote: str) -> Decimal:
    """The price tick of an Upbit market quoted in ``quote`` (``KRW``, ``BTC``, ``USDT``).

    The table is a fallback: ``tick_size`` from ``/v1/orderbook/instruments`` is the
    authority. Raises ValueError for an unknown quote or a negative or non-finite price.
    """
    try:
        table = TICK_BANDS[quote.upper()]
    except KeyError:
        raise ValueError(f"no Upbit tick table for quote {quote!r}") from None
    return tick_from_bands(price, table)
