"""Korbit private side: myOrder/myTrade/myAsset frames, subscriptions, and REST parsers.

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, sections "Korbit: private
websocket" (frames) and "Korbit: private REST" (envelope, error codes, ``GET /v2/balance``,
``/v2/openOrders``, ``/v2/orders``, ``/v2/allOrders``, ``/v2/myTrades``).

:func:`decode_private` never raises: bad input becomes :class:`Malformed`. Private frames
carry ``channelType``: myOrder → one :class:`Order` per ``order.orders`` row, myTrade → one
:class:`Fill` per ``trade.trades`` row, myAsset → a partial :class:`Balances`. ``status``
frames decode as on the public socket (Ack, VenueError). The REST parsers accept the
``{"success":true,"data":…}`` envelope (or a bare ``data`` value) and raise
:class:`~mdtui.venues.korbit.ApiError` for ``{"success":false,"error":…}`` and
:class:`BadBody` for any other unexpected shape (both ValueError).

State mapping: ``pending`` → pending, ``unfilled`` (WS) / ``open`` (REST) → open (partial if
``filledQty > 0``), ``partiallyFilled`` → partial, ``filled`` → filled, ``canceled`` and
``partiallyFilledCanceled`` → cancelled, ``expired`` (placement failed) → rejected. An
unknown word keeps the order active (open/partial by its fill) with the word in
``raw_state``. Rows are lenient about optional fields (the CLI's ``accountSeq`` fixture has
no ``orderType``, ``filledQty`` or ``createdAt``): missing fields are None/0 and the account
store fills them in from what it already knows. ``accountSeq`` is ignored: mdtui subscribes
the main account only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Literal, TypeVar

import msgspec

from mdtui.model.events import AnyEvent, Balance, Balances, Fill, Order, OrdersSnapshot, OrderState
from mdtui.venues import korbit
from mdtui.venues.frames import BadFrame, BadNumber, guard, parse_json, preview
from mdtui.venues.korbit import ApiError
from mdtui.venues.private_common import (
    RAW_ROWS,
    AuthProblem,
    BadBody,
    average_price,
    each_row,
    mul,
    sub,
)
from mdtui.venues.ranges import FEE, PRICE, REFERENCE, SIZE, TIME, VALUE

VENUE = "korbit"
PRIVATE_TYPES = ("myOrder", "myTrade", "myAsset")

__all__ = [
    "ApiError",
    "AuthProblem",
    "BadBody",
    "PrivateRequest",
    "auth_problem",
    "decode_private",
    "order_state",
    "parse_balance",
    "parse_error",
    "parse_my_trades",
    "parse_order_rows",
    "parse_orders",
    "parse_server_time",
    "private_requests",
    "private_subscribe_messages",
]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- subscribe


class PrivateRequest(msgspec.Struct, omit_defaults=True, frozen=True):
    """One private subscribe request; ``symbols`` is left out for myAsset."""

    method: Literal["subscribe", "unsubscribe"]
    type: str
    symbols: tuple[str, ...] | None = None
    request_id: int | None = msgspec.field(default=None, name="requestId")
    account_seqs: tuple[int, ...] | None = msgspec.field(default=None, name="accountSeqs")


_REQUEST_IDS = itertools.count(1)
_encode = msgspec.json.Encoder().encode


def private_requests(
    symbols: Iterable[str],
    *,
    ids: Iterator[int] | None = None,
    account_seqs: Iterable[int] | None = None,
) -> list[PrivateRequest]:
    """Subscribe requests for myOrder and myTrade on ``symbols`` (sorted, de-duplicated;
    left out when there are none: the server requires symbols) and myAsset (no symbols).

    Each gets the next id from ``ids`` (a module-wide counter by default) so the server
    acknowledges it. ``account_seqs`` (sub-accounts) is sent only when given; the server
    defaults to the main account.
    """
    counter = _REQUEST_IDS if ids is None else ids
    syms = tuple(sorted(set(symbols)))
    seqs = tuple(account_seqs) if account_seqs is not None else None
    reqs = [
        PrivateRequest("subscribe", typ, syms, next(counter), seqs)
        for typ in ("myOrder", "myTrade")
        if syms
    ]
    reqs.append(PrivateRequest("subscribe", "myAsset", None, next(counter), seqs))
    return reqs


def private_subscribe_messages(
    symbols: Iterable[str],
    *,
    ids: Iterator[int] | None = None,
    account_seqs: Iterable[int] | None = None,
) -> list[str]:
    """The private socket's subscription as text frames (one frame: a flat JSON array of
    :func:`private_requests`)."""
    reqs = private_requests(symbols, ids=ids, account_seqs=account_seqs)
    return [_encode(reqs).decode()]


# --------------------------------------------------------------------------- normalizing

_STATES: dict[str, OrderState] = {
    "pending": "pending",
    "partiallyFilled": "partial",
    "filled": "filled",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "partiallyFilledCanceled": "cancelled",
    "expired": "rejected",
}
_ORDER_TYPES = {"limit": "limit", "market": "market", "best": "best"}


def order_state(raw: str, filled: Decimal) -> OrderState:
    """Normalized state of a Korbit order (see the module docstring)."""
    state = _STATES.get(raw)
    if state is not None:
        return state
    return "partial" if filled else "open"


def _id(value: int | str) -> str:
    return str(value)


# --------------------------------------------------------------------------- wire structs


class _OrderRow(msgspec.Struct, rename="camel", gc=False):
    order_id: int | str
    status: str
    side: Literal["buy", "sell"]
    order_type: str | None = None
    time_in_force: str | None = None
    price: Decimal | None = None
    qty: Decimal | None = None
    amt: Decimal | None = None
    filled_qty: Decimal | None = None
    filled_amt: Decimal | None = None
    avg_price: Decimal | None = None
    created_at: int | None = None
    last_filled_at: int | None = None
    client_order_id: str | None = None
    symbol: str | None = None

    def to_order(self, market: str | None, ts: int | None) -> Order:
        REFERENCE.check(self.price, self.avg_price)
        SIZE.check(self.qty, self.filled_qty)
        VALUE.check(self.amt, self.filled_amt)
        TIME.check_given(self.created_at, self.last_filled_at)
        filled = self.filled_qty if self.filled_qty is not None else Decimal(0)
        remaining = None
        if self.qty is not None:
            remaining = max(sub(self.qty, filled), Decimal(0))
        raw_type = (self.order_type or "").lower()
        created = self.created_at or 0
        return Order(
            venue=VENUE,
            market=self.symbol or market or "",
            order_id=_id(self.order_id),
            side=self.side,
            order_type=_ORDER_TYPES.get(raw_type, raw_type),
            state=order_state(self.status, filled),
            raw_state=self.status,
            price=self.price,
            qty=self.qty,
            filled=filled,
            remaining=remaining,
            avg_price=average_price(self.avg_price, filled, self.filled_amt),
            amount=self.amt,
            filled_value=self.filled_amt,
            fee=None,
            created_ms=created,
            updated_ms=max(ts or 0, self.last_filled_at or 0, created),
            client_id=self.client_order_id,
            time_in_force=self.time_in_force,
        )


class _TradeRow(msgspec.Struct, rename="camel", gc=False):
    """A myTrade row (``fee``, ``filledAt``) or a REST myTrades row (``feeQty``,
    ``tradedAt``, ``symbol``)."""

    trade_id: int | str
    order_id: int | str
    side: Literal["buy", "sell"]
    price: Decimal
    qty: Decimal
    fee: Decimal | None = None
    fee_qty: Decimal | None = None
    fee_currency: str | None = None
    filled_at: int | None = None
    traded_at: int | None = None
    is_taker: bool | None = None
    symbol: str | None = None

    def to_fill(self, market: str | None, ts: int | None) -> Fill:
        fee = self.fee if self.fee is not None else self.fee_qty
        PRICE.check(self.price)
        SIZE.check(self.qty)
        FEE.check(fee)
        TIME.check_given(self.filled_at, self.traded_at)
        return Fill(
            venue=VENUE,
            market=self.symbol or market or "",
            order_id=_id(self.order_id),
            trade_id=_id(self.trade_id),
            side=self.side,
            price=self.price,
            size=self.qty,
            value=mul(self.price, self.qty),
            fee=fee,
            fee_currency=self.fee_currency.upper() if self.fee_currency else None,
            is_maker=None if self.is_taker is None else not self.is_taker,
            ts=self.filled_at or self.traded_at or ts or 0,
        )


class _AssetRow(msgspec.Struct, rename="camel", gc=False):
    currency: str
    balance: Decimal
    available: Decimal
    trade_in_use: Decimal = Decimal(0)
    withdrawal_in_use: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    updated_at: int | None = None

    def to_balance(self, ts: int) -> Balance:
        SIZE.check(self.balance, self.available, self.trade_in_use, self.withdrawal_in_use)
        REFERENCE.check(self.avg_price)
        TIME.check_given(self.updated_at)
        return Balance(
            venue=VENUE,
            currency=self.currency.upper(),
            total=self.balance,
            available=self.available,
            in_orders=self.trade_in_use,
            avg_buy_price=self.avg_price,
            ts=self.updated_at or ts,
        )


class _Orders(msgspec.Struct, gc=False):
    orders: list[_OrderRow]


class _Trades(msgspec.Struct, gc=False):
    trades: list[_TradeRow]


class _Assets(msgspec.Struct, gc=False):
    assets: list[_AssetRow]


class _MyOrder(msgspec.Struct, gc=False):
    order: _Orders
    symbol: str | None = None
    timestamp: int | None = None

    def to_events(self) -> list[AnyEvent]:
        TIME.check_given(self.timestamp)
        return [row.to_order(self.symbol, self.timestamp) for row in self.order.orders]


class _MyTrade(msgspec.Struct, gc=False):
    trade: _Trades
    symbol: str | None = None
    timestamp: int | None = None

    def to_events(self) -> list[AnyEvent]:
        TIME.check_given(self.timestamp)
        return [row.to_fill(self.symbol, self.timestamp) for row in self.trade.trades]


class _MyAsset(msgspec.Struct, gc=False):
    asset: _Assets
    timestamp: int | None = None

    def to_events(self) -> list[AnyEvent]:
        TIME.check_given(self.timestamp)
        ts = self.timestamp or 0
        rows = tuple(row.to_balance(ts) for row in self.asset.assets)
        return [Balances(venue=VENUE, rows=rows, ts=ts, complete=False)]


_STRUCTS: dict[str, type[_MyOrder] | type[_MyTrade] | type[_MyAsset]] = {
    "myOrder": _MyOrder,
    "myTrade": _MyTrade,
    "myAsset": _MyAsset,
}


# --------------------------------------------------------------------------- decode


def decode_private(frame: bytes | str) -> list[AnyEvent]:
    """Decode one frame of the private socket into events. Never raises.

    myOrder → Orders, myTrade → Fills, myAsset → ``[Balances]`` (an empty row list gives
    ``[]`` events for myOrder/myTrade and an empty Balances for myAsset); ``status`` frames
    → Ack / VenueError; other frames as the public codec decodes them (``[]`` for unknown
    channel types); anything undecodable → ``[Malformed]``. The frame is parsed once, then
    dispatched on its ``status`` and ``channelType`` keys.
    """
    return guard(VENUE, _decode_frame, frame, frame)


def _decode_frame(frame: bytes | str, _: object) -> list[AnyEvent]:
    value = parse_json(frame)
    if isinstance(value, dict) and "status" not in value:
        channel = value.get("channelType")
        if channel is not None:
            if not isinstance(channel, str):
                raise BadFrame("channelType is not a string")
            struct = _STRUCTS.get(channel)
            return msgspec.convert(value, struct).to_events() if struct else []
    # Control frames (status), public frames and non-objects: the public codec.
    return korbit.decode_object(value)


# --------------------------------------------------------------------------- REST


class _ErrorBody(msgspec.Struct):
    code: int | str | None = None
    message: str = ""
    description: str | None = None


class _Envelope(msgspec.Struct):
    success: bool
    data: msgspec.Raw = msgspec.Raw(b"")
    error: _ErrorBody | None = None


_ANY = msgspec.json.Decoder()
_ENVELOPE = msgspec.json.Decoder(_Envelope)
_ASSET_ROW = msgspec.json.Decoder(_AssetRow)
_ORDER_ROW = msgspec.json.Decoder(_OrderRow)
_TRADE_ROW = msgspec.json.Decoder(_TradeRow)


def parse_error(body: bytes | str) -> ApiError | None:
    """The :class:`ApiError` of a ``{"success":false,"error":{…}}`` body (REST, or a
    rejected websocket upgrade), else None. ``message`` is the code name
    (``EXCEED_TIME_WINDOW``), ``code`` the HTTP status number, and ``description`` any
    detail the server gave."""
    try:
        env = _ENVELOPE.decode(body)
    except Exception:
        return None
    if env.success:
        return None
    err = env.error or _ErrorBody(message="success is false")
    exc = ApiError(err.code, err.message)
    exc.description = err.description  # type: ignore[attr-defined]
    return exc


def _data(body: bytes | str, decoder: msgspec.json.Decoder[_T], what: str) -> _T:
    """The typed ``data`` of an envelope (or of a bare value)."""
    try:
        value = _ANY.decode(body)
    except msgspec.DecodeError as exc:
        raise BadBody(f"Korbit {what}: {exc}") from None
    raw: bytes | str | msgspec.Raw = body
    if isinstance(value, dict):
        api_error = parse_error(body)
        if api_error is not None:
            raise api_error
        try:
            data = _ENVELOPE.decode(body).data
        except msgspec.ValidationError as exc:
            raise BadBody(f"Korbit {what}: {exc} in {preview(body)[:80]!r}") from None
        if not bytes(data) or bytes(data) == b"null":
            raise BadBody(f"Korbit {what}: success without data")
        raw = data
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise BadBody(f"Korbit {what}: {exc}") from None


def parse_balance(body: bytes | str, *, ts: int = 0, skipped: list[str] | None = None) -> Balances:
    """``GET /v2/balance`` → a complete :class:`Balances` (replaces the venue's set).

    ``total`` = ``balance`` (available + tradeInUse + withdrawalInUse), ``in_orders`` =
    ``tradeInUse``, ``avg_buy_price`` = ``avgPrice``. ``ts``: the request time (ms). A bad
    row raises :class:`BadBody` unless ``skipped`` collects it (as in every parser here).
    """
    rows = _data(body, RAW_ROWS, "balance")
    out = each_row(
        rows, lambda raw: _ASSET_ROW.decode(raw).to_balance(ts), "Korbit balance", skipped
    )
    return Balances(venue=VENUE, rows=tuple(out), ts=ts, complete=True)


def parse_order_rows(
    body: bytes | str,
    *,
    ts: int = 0,
    symbol: str | None = None,
    skipped: list[str] | None = None,
) -> list[Order]:
    """The rows of ``GET /v2/openOrders`` or ``/v2/allOrders`` as Orders.

    ``symbol`` (the one requested) is the market of rows that do not name theirs; ``ts``
    (the request time, ms) becomes each order's ``updated_ms``.
    """
    rows = _data(body, RAW_ROWS, "orders")
    return each_row(
        rows, lambda raw: _ORDER_ROW.decode(raw).to_order(symbol, ts), "Korbit order", skipped
    )


def parse_order(body: bytes | str, *, ts: int = 0, symbol: str | None = None) -> Order:
    """``GET /v2/orders?symbol=&orderId=`` (one order, its current state) → an Order."""
    row = _data(body, _ORDER_ROW, "order")
    try:
        return row.to_order(symbol, ts)
    except (BadNumber, ArithmeticError) as exc:
        raise BadBody(f"Korbit order: {exc}") from None


def parse_orders(
    body: bytes | str, *, ts: int = 0, symbol: str | None = None, complete: bool = True
) -> OrdersSnapshot:
    """``GET /v2/openOrders?symbol=`` → an :class:`OrdersSnapshot` covering ``symbol``.

    Leave ``complete`` True only when every open order is in the body (fewer rows than
    ``limit``); pass False for ``/v2/allOrders`` history.
    """
    return OrdersSnapshot(
        venue=VENUE,
        orders=tuple(parse_order_rows(body, ts=ts, symbol=symbol)),
        ts=ts,
        markets=(symbol,) if symbol else None,
        complete=complete,
    )


def parse_my_trades(
    body: bytes | str, *, symbol: str | None = None, skipped: list[str] | None = None
) -> list[Fill]:
    """``GET /v2/myTrades`` → Fills (``feeQty`` is the fee, ``tradedAt`` the time)."""
    rows = _data(body, RAW_ROWS, "myTrades")
    return each_row(
        rows, lambda raw: _TRADE_ROW.decode(raw).to_fill(symbol, None), "Korbit trade", skipped
    )


class _Time(msgspec.Struct):
    time: int


_TIME = msgspec.json.Decoder(_Time)


def parse_server_time(body: bytes | str) -> int:
    """``GET /v2/time`` → the server's clock in Unix ms (``{"data":{"time":…}}``), for the
    clock offset used after ``EXCEED_TIME_WINDOW``."""
    return _data(body, _TIME, "time").time


_IP = "This IP is not on the Korbit key's allowlist: add it in Korbit's API key settings"
_AUTH_PROBLEMS: dict[str, AuthProblem] = {
    "KEY_NOT_FOUND": AuthProblem(
        "key",
        "Korbit does not know this API key (a new key takes up to a minute to activate):"
        " check korbit.api_key",
    ),
    "EXCEED_TIME_WINDOW": AuthProblem(
        "clock", "The clock is off from Korbit's: resyncing with the server time"
    ),
    "NO_TIMESTAMP": AuthProblem("key", "Korbit needs a signed request: set korbit.api_key"),
    # Code names below appear in no Korbit source (unconfirmed: ``docs/protocols.md``,
    # "Korbit: private REST"); mapped so a
    # server or simulator using them gets a clear message.
    "IP_NOT_ALLOWED": AuthProblem("ip", _IP),
    "INVALID_SIGNATURE": AuthProblem(
        "key", "Korbit rejected the signature: check korbit.secret_key or the private key file"
    ),
    "PERMISSION_DENIED": AuthProblem(
        "permission",
        "The Korbit key lacks a permission: enable readOrders and readBalances for it",
    ),
}


def auth_problem(code: str) -> AuthProblem | None:
    """What a Korbit error code (``error.message`` of a REST or upgrade rejection) means
    for the user, if it is an authentication or permission error; else None."""
    return _AUTH_PROBLEMS.get(code)
