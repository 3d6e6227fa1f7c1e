"""Upbit private side: myOrder/myAsset frames, the private subscription, and REST parsers.

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, sections "Upbit: private
websocket" (myOrder, myAsset) and "Upbit: exchange REST (private)" (``GET /v1/accounts``,
``/v1/orders/open``, ``/v1/orders/closed``, ``/v1/orders/uuids``, ``/v1/order``, errors).

:func:`decode_private` never raises: bad input becomes :class:`Malformed`. A ``myOrder``
frame with ``state: trade`` gives an :class:`Order` update *and* a :class:`Fill`; other
states give an Order. ``myAsset`` gives a partial :class:`Balances` (complete=False).
Upbit's ``balance`` is the *orderable* amount and ``locked`` what orders (and withdrawals)
hold, so ``total = balance + locked``. Status and error frames decode as on the public
socket (Heartbeat, VenueError). The REST parsers raise :class:`UpbitApiError` for an error
body and :class:`BadBody` for any other unexpected shape (both ValueError); given a
``skipped`` list, the list parsers leave a bad row out and describe it there instead.

State mapping (exchange word → :data:`OrderState`): ``wait`` → open (partial once
``executed_volume > 0``), ``watch`` → pending (a stop order not yet on the book), ``trade``
→ partial (the ``done`` frame that follows makes it filled), ``done`` → filled, ``cancel``
→ cancelled (``filled`` tells whether anything executed first). ``prevented`` (self-match
prevention, UNCONFIRMED whether final) → cancelled when ``remaining_volume`` is 0, else the
order stays active; an unknown word also keeps the order active (open/partial by its fill),
with the word in ``raw_state``: the lifecycle merge then lets the next final state or REST
seed settle it, where guessing "final" could hide a live order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Literal, TypeVar

import msgspec

from mdtui.model.events import AnyEvent, Balance, Balances, Fill, Order, OrdersSnapshot, OrderState
from mdtui.venues import upbit
from mdtui.venues.frames import BadNumber, guard, malformed, parse_json, preview, renamed_variant
from mdtui.venues.private_common import (
    RAW_ROWS,
    AuthProblem,
    BadBody,
    add,
    average_price,
    each_row,
    iso_ms,
    mul,
)
from mdtui.venues.ranges import FEE, PRICE, REFERENCE, SIZE, TIME, VALUE

VENUE = "upbit"
PRIVATE_TYPES = ("myOrder", "myAsset")

_DecodeItem = Callable[[object, object], list[AnyEvent]]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- subscribe


def private_subscribe_message(
    markets: Sequence[str] | None = None, *, fmt: str = "DEFAULT", ticket: str | None = None
) -> str:
    """The private socket's subscription: ``[{ticket},{"type":"myOrder"[,"codes"]},
    {"type":"myAsset"},{"format"}]`` as one JSON array text.

    ``markets`` (upper-case ``KRW-BTC`` codes) limit myOrder; None or empty means every
    market (the server's default when ``codes`` is left out). myAsset takes no codes.
    ``ticket`` defaults to a new uuid4. Raises ValueError for an unknown format.
    """
    if fmt not in upbit.FORMATS:
        raise ValueError(f"format {fmt!r} not in {sorted(upbit.FORMATS)}")
    my_order: dict[str, object] = {"type": "myOrder"}
    codes = list(dict.fromkeys(markets or ()))
    if codes:
        my_order["codes"] = codes
    request: list[dict[str, object]] = [
        {"ticket": ticket or str(uuid.uuid4())},
        my_order,
        {"type": "myAsset"},
        {"format": fmt},
    ]
    return msgspec.json.encode(request).decode()


# --------------------------------------------------------------------------- normalizing

_ORDER_TYPES = {"limit": "limit", "price": "market", "market": "market", "best": "best"}


def order_type(raw: str) -> str:
    """Normalized order type: ``limit``, ``market`` (``price`` buys and ``market`` sells),
    ``best``; an unknown word is kept lower-cased."""
    low = raw.lower()
    return _ORDER_TYPES.get(low, low)


def order_state(raw: str, filled: Decimal, remaining: Decimal | None) -> OrderState:
    """Normalized state of an Upbit order (see the module docstring)."""
    if raw == "done":
        return "filled"
    if raw == "cancel":
        return "cancelled"
    if raw == "watch":
        return "pending"
    if raw == "prevented" and remaining is not None and not remaining:
        return "cancelled"
    return "partial" if filled else "open"


def _by_amount(ord_type: str, side: str) -> bool:
    """Whether ``price`` carries the quote amount, not a unit price: market buys
    (``price``) and best buys."""
    return ord_type == "price" or (ord_type == "best" and side == "buy")


def _side(ask_bid: str) -> Literal["buy", "sell"]:
    return "buy" if ask_bid.upper() in ("BID", "BUY") else "sell"


def _quote(market: str) -> str | None:
    quote, sep, _ = market.partition("-")
    return quote.upper() if sep and quote else None


# --------------------------------------------------------------------------- wire structs


class _UpbitOrder(msgspec.Struct, gc=False):
    """The fields of an order that myOrder frames and REST order rows share, under their
    myOrder DEFAULT names (a REST row spells three of them differently, see
    :class:`_OrderRow`), and the one builder of :class:`Order` from them."""

    code: str
    uuid: str
    ask_bid: str
    order_type: str
    state: str
    price: Decimal | None = None
    avg_price: Decimal | None = None
    volume: Decimal | None = None
    remaining_volume: Decimal | None = None
    executed_volume: Decimal | None = None
    paid_fee: Decimal | None = None
    executed_funds: Decimal | None = None
    time_in_force: str | None = None
    identifier: str | None = None

    def to_order(self, created_ms: int, updated_ms: int, funds: Decimal | None) -> Order:
        """The order as these fields report it. ``funds``: the executed quote value
        (``executed_funds``, or what the caller summed from the order's trades)."""
        side = _side(self.ask_bid)
        raw_type = self.order_type.lower()
        by_amount = _by_amount(raw_type, side)
        # `price` is a fill's price in a trade frame, else the order's limit price or, for
        # orders by value, the amount.
        if self.state == "trade":
            PRICE.check(self.price)
        else:
            (VALUE if by_amount else REFERENCE).check(self.price)
        REFERENCE.check(self.avg_price)
        SIZE.check(self.volume, self.remaining_volume, self.executed_volume)
        FEE.check(self.paid_fee)
        VALUE.check(funds)
        filled = self.executed_volume if self.executed_volume is not None else Decimal(0)
        remaining = self.remaining_volume
        if self.state == "trade":
            # A myOrder fill frame: price/volume are the fill's, not the order's (the order's
            # own price is known from its earlier frames; the account store keeps it).
            price = amount = None
            qty = (
                add(filled, remaining)
                if remaining is not None and self.executed_volume is not None and not by_amount
                else None
            )
        elif by_amount:
            price, qty, amount = None, None, self.price
        else:
            price, qty, amount = self.price, self.volume, None
        return Order(
            venue=VENUE,
            market=self.code,
            order_id=self.uuid,
            side=side,
            order_type=order_type(raw_type),
            state=order_state(self.state, filled, remaining),
            raw_state=self.state,
            price=price,
            qty=qty,
            filled=filled,
            remaining=remaining,
            avg_price=average_price(self.avg_price, filled, funds),
            amount=amount,
            filled_value=funds,
            fee=self.paid_fee,
            created_ms=created_ms,
            updated_ms=updated_ms,
            client_id=self.identifier,
            time_in_force=self.time_in_force,
        )


class _MyOrder(_UpbitOrder, gc=False):
    ask_bid: Literal["ASK", "BID"]
    trade_uuid: str | None = None
    trades_count: int | None = None
    trade_fee: Decimal | None = None
    is_maker: bool | None = None
    trade_timestamp: int | None = None
    order_timestamp: int | None = None
    timestamp: int | None = None

    def to_events(self) -> list[AnyEvent]:
        FEE.check(self.trade_fee)
        TIME.check_given(self.timestamp, self.trade_timestamp, self.order_timestamp)
        ts = self.timestamp or self.trade_timestamp or self.order_timestamp or 0
        events: list[AnyEvent] = [self.to_order(self.order_timestamp or 0, ts, self.executed_funds)]
        if self.state == "trade":
            if self.price is None or self.volume is None:
                events += malformed(VENUE, "trade frame without price or volume", self.uuid)
            else:
                events.append(
                    Fill(
                        venue=VENUE,
                        market=self.code,
                        order_id=self.uuid,
                        # No trade_uuid (never seen): the n-th fill of the order is unique.
                        trade_id=self.trade_uuid or f"{self.uuid}#{self.trades_count}",
                        side=_side(self.ask_bid),
                        price=self.price,
                        size=self.volume,
                        value=mul(self.price, self.volume),
                        fee=self.trade_fee,
                        fee_currency=_quote(self.code),
                        is_maker=self.is_maker,
                        ts=self.trade_timestamp or ts,
                    )
                )
        return events


class _Asset(msgspec.Struct, gc=False):
    currency: str
    balance: Decimal
    locked: Decimal


class _MyAsset(msgspec.Struct, gc=False):
    assets: list[_Asset]
    asset_timestamp: int | None = None
    timestamp: int | None = None

    def to_events(self) -> list[AnyEvent]:
        TIME.check_given(self.timestamp, self.asset_timestamp)
        ts = self.timestamp or self.asset_timestamp or 0
        row_ts = self.asset_timestamp or ts
        rows = []
        for a in self.assets:
            SIZE.check(a.balance, a.locked)
            rows.append(
                Balance(
                    venue=VENUE,
                    currency=a.currency.upper(),
                    total=add(a.balance, a.locked),
                    available=a.balance,
                    in_orders=a.locked,
                    avg_buy_price=None,
                    ts=row_ts,
                )
            )
        return [Balances(venue=VENUE, rows=tuple(rows), ts=ts, complete=False)]


_MyOrderSimple = renamed_variant(
    _MyOrder,
    rename={
        "code": "cd",
        "uuid": "uid",
        "ask_bid": "ab",
        "order_type": "ot",
        "state": "s",
        "trade_uuid": "tuid",
        "price": "p",
        "avg_price": "ap",
        "volume": "v",
        "remaining_volume": "rv",
        "executed_volume": "ev",
        "trades_count": "tc",
        "paid_fee": "pf",
        "executed_funds": "ef",
        "time_in_force": "tif",
        "trade_fee": "tf",
        "is_maker": "im",
        "identifier": "id",
        "trade_timestamp": "ttms",
        "order_timestamp": "otms",
        "timestamp": "tms",
    },
)
_AssetSimple = renamed_variant(_Asset, rename={"currency": "cu", "balance": "b", "locked": "l"})
_MyAssetSimple = renamed_variant(
    _MyAsset,
    rename={"assets": "ast", "asset_timestamp": "asttms", "timestamp": "tms"},
    types={"assets": list[_AssetSimple]},  # type: ignore[valid-type]
)


def _events_of(struct: type[_MyOrder] | type[_MyAsset]) -> _DecodeItem:
    def events(value: object, _: object) -> list[AnyEvent]:
        return msgspec.convert(value, struct).to_events()

    return events


_PRIVATE: dict[tuple[str, bool], _DecodeItem] = {
    ("myOrder", False): _events_of(_MyOrder),
    ("myOrder", True): _events_of(_MyOrderSimple),
    ("myAsset", False): _events_of(_MyAsset),
    ("myAsset", True): _events_of(_MyAssetSimple),
}
"""The decoder of each private type's parsed object, by (type, SIMPLE keys)."""


# --------------------------------------------------------------------------- decode


def decode_private(frame: bytes | str) -> list[AnyEvent]:
    """Decode one frame of the private socket into events. Never raises.

    myOrder → ``[Order]`` or ``[Order, Fill]`` (state ``trade``); myAsset → ``[Balances]``;
    DEFAULT or SIMPLE keys, object or list frames. ``{"status":"UP"}`` → Heartbeat,
    ``{"error":…}`` → VenueError, other types as the public codec decodes them (``[]`` for
    unknown ones); anything undecodable → ``[Malformed]``. The frame is parsed once, then
    each object is dispatched on its ``type`` (or ``ty``) key.
    """
    return guard(VENUE, _decode_frame, frame, frame)


def _decode_frame(frame: bytes | str, _: object) -> list[AnyEvent]:
    return upbit.decode_parsed(parse_json(frame), frame, _decode_object)


def _decode_object(value: object, frame: object) -> list[AnyEvent]:
    if isinstance(value, dict):
        simple = "type" not in value and "ty" in value
        tag = value.get("ty") if simple else value.get("type")
        if isinstance(tag, str) and tag in PRIVATE_TYPES:
            return guard(VENUE, _PRIVATE[(tag, simple)], value, frame, tag)
    # Status, error, LIST_SUBSCRIPTIONS replies, public or unknown types: the public codec.
    return upbit.decode_object(value, frame)


# --------------------------------------------------------------------------- REST


class UpbitApiError(ValueError):
    """An Upbit REST error body ``{"error":{"name","message"}}`` (name is a string on
    exchange endpoints, the HTTP status number on quotation ones)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"Upbit API error {name}: {message}")
        self.name = name
        self.message = message


class _ErrorBody(msgspec.Struct):
    name: str | int
    message: str = ""


class _ErrorReply(msgspec.Struct):
    error: _ErrorBody


_ERROR = msgspec.json.Decoder(_ErrorReply)


def parse_error(body: bytes | str) -> tuple[str, str] | None:
    """``(name, message)`` of an Upbit error body, or None if ``body`` is not one."""
    try:
        err = _ERROR.decode(body).error
    except Exception:
        return None
    return str(err.name), err.message


class _AccountRow(msgspec.Struct):
    currency: str
    balance: Decimal
    locked: Decimal = Decimal(0)
    avg_buy_price: Decimal | None = None
    unit_currency: str | None = None


class _OrderTrade(msgspec.Struct):
    """One of the ``trades`` of ``GET /v1/order``."""

    uuid: str
    price: Decimal
    volume: Decimal
    side: str
    market: str | None = None
    funds: Decimal | None = None
    created_at: str | None = None

    def check(self) -> None:
        """Raise :class:`~mdtui.venues.ranges.OutOfRange` for a number out of range."""
        PRICE.check(self.price)
        SIZE.check(self.volume)
        VALUE.check(self.funds)

    @property
    def value(self) -> Decimal:
        """The trade's quote value: ``funds``, else ``price * volume`` exactly."""
        return self.funds if self.funds is not None else mul(self.price, self.volume)


class _OrderRow(_UpbitOrder):
    """A REST order object: ``market``, ``side`` (lower case) and ``ord_type`` name what
    myOrder calls ``code``, ``ask_bid`` and ``order_type``; ``trades`` only from
    ``GET /v1/order``."""

    code: str = msgspec.field(name="market")
    ask_bid: Literal["bid", "ask", "BID", "ASK"] = msgspec.field(name="side")
    order_type: str = msgspec.field(name="ord_type")
    created_at: str | None = None
    trades: list[_OrderTrade] = []

    def executed_value(self) -> Decimal | None:
        """``executed_funds``, else the sum of the trades' values when their volumes add up
        to ``executed_volume`` (``GET /v1/order`` lists every trade, and the current schema
        of the order object has no ``executed_funds``)."""
        if self.executed_funds is not None or not self.trades:
            return self.executed_funds
        volume = value = Decimal(0)
        for t in self.trades:
            t.check()
            volume, value = add(volume, t.volume), add(value, t.value)
        return value if volume == self.executed_volume else None

    def to_rest_order(self, ts: int) -> Order:
        """The order; ``ts`` (the request time) is its ``updated_ms``."""
        created = iso_ms(self.created_at) if self.created_at else 0
        TIME.check_given(created)
        return self.to_order(created, ts or created, self.executed_value())


_ACCOUNT = msgspec.json.Decoder(_AccountRow)
_ORDER = msgspec.json.Decoder(_OrderRow)


def _decode_rest(body: bytes | str, decoder: msgspec.json.Decoder[_T], what: str) -> _T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        err = parse_error(body)
        reason = str(exc)
    if err is not None:
        raise UpbitApiError(*err)
    raise BadBody(f"Upbit {what}: {reason} in {preview(body)[:80]!r}")


def parse_accounts(body: bytes | str, *, ts: int = 0, skipped: list[str] | None = None) -> Balances:
    """``GET /v1/accounts`` → a complete :class:`Balances` (it replaces the venue's set).

    ``available`` = ``balance`` (orderable), ``in_orders`` = ``locked``, ``total`` = both;
    ``avg_buy_price`` in ``unit_currency``. ``ts`` is the request time (ms). Raises
    :class:`UpbitApiError` for an error body, :class:`BadBody` for another bad body (or a
    bad row, unless ``skipped`` collects it: see :func:`each_row`).
    """

    def balance(raw: msgspec.Raw) -> Balance:
        r = _ACCOUNT.decode(raw)
        SIZE.check(r.balance, r.locked)
        REFERENCE.check(r.avg_buy_price)
        return Balance(
            venue=VENUE,
            currency=r.currency.upper(),
            total=add(r.balance, r.locked),
            available=r.balance,
            in_orders=r.locked,
            avg_buy_price=r.avg_buy_price,
            ts=ts,
        )

    rows = each_row(_decode_rest(body, RAW_ROWS, "accounts"), balance, "Upbit accounts", skipped)
    return Balances(venue=VENUE, rows=tuple(rows), ts=ts, complete=True)


def parse_order_rows(
    body: bytes | str, *, ts: int = 0, skipped: list[str] | None = None
) -> list[Order]:
    """The rows of ``GET /v1/orders/open``, ``/v1/orders/closed`` or ``/v1/orders/uuids``
    as Orders (one page).

    ``ts`` (the request time, ms) becomes each order's ``updated_ms``. Raises
    :class:`UpbitApiError` / :class:`BadBody` (a bad row too, unless ``skipped`` collects
    it).
    """
    rows = _decode_rest(body, RAW_ROWS, "orders")
    return each_row(rows, lambda raw: _ORDER.decode(raw).to_rest_order(ts), "Upbit order", skipped)


def parse_orders(
    body: bytes | str,
    *,
    ts: int = 0,
    markets: Sequence[str] | None = None,
    complete: bool = True,
) -> OrdersSnapshot:
    """``GET /v1/orders/open`` → an :class:`OrdersSnapshot` for reconciling.

    ``markets``: the ``market`` parameter sent (None: all markets). Leave ``complete`` True
    only when the body holds every open order (fewer rows than ``limit``, or build the
    snapshot from all pages with :func:`parse_order_rows`); pass False for closed-order
    history. Raises :class:`UpbitApiError` / :class:`BadBody`.
    """
    return OrdersSnapshot(
        venue=VENUE,
        orders=tuple(parse_order_rows(body, ts=ts)),
        ts=ts,
        markets=tuple(markets) if markets is not None else None,
        complete=complete,
    )


def parse_order(body: bytes | str, *, ts: int = 0) -> Order:
    """``GET /v1/order`` (one order object) → an Order. Raises UpbitApiError / BadBody."""
    row = _decode_rest(body, _ORDER, "order")
    try:
        return row.to_rest_order(ts)
    except (ArithmeticError, ValueError) as exc:
        raise BadBody(f"Upbit order {row.uuid}: {exc}") from None


def parse_order_fills(body: bytes | str) -> list[Fill]:
    """The ``trades[]`` of ``GET /v1/order`` as Fills (used to recover fills that happened
    while the private socket was down). The REST trade rows carry no fee or maker flag, so
    those are None. Raises UpbitApiError / BadBody."""
    order = _decode_rest(body, _ORDER, "order")
    fills = []
    for t in order.trades:
        try:
            t.check()
            ts = iso_ms(t.created_at) if t.created_at else 0
            TIME.check_given(ts)
            fills.append(
                Fill(
                    venue=VENUE,
                    market=t.market or order.code,
                    order_id=order.uuid,
                    trade_id=t.uuid,
                    side=_side(t.side),
                    price=t.price,
                    size=t.volume,
                    value=t.value,
                    fee=None,
                    fee_currency=None,
                    is_maker=None,
                    ts=ts,
                )
            )
        except (BadNumber, ArithmeticError, ValueError) as exc:
            raise BadBody(f"Upbit order {order.uuid} trade {t.uuid}: {exc}") from None
    return fills


_KEY = "Upbit rejected the API key: check upbit.access_key and upbit.secret_key"
_AUTH_PROBLEMS: dict[str, AuthProblem] = {
    "INVALID_AUTH": AuthProblem("key", _KEY),
    "invalid_access_key": AuthProblem("key", _KEY),
    "jwt_verification": AuthProblem(
        "key", "Upbit could not verify the token: check that upbit.secret_key matches the key"
    ),
    "invalid_query_payload": AuthProblem("key", _KEY),
    "no_authorization_token": AuthProblem(
        "key", "Upbit needs an API key: set upbit.access_key and upbit.secret_key"
    ),
    "expired_access_key": AuthProblem(
        "expired", "The Upbit API key has expired (keys last one year): issue a new one"
    ),
    "no_authorization_ip": AuthProblem(
        "ip", "This IP is not on the Upbit key's allowlist: add it in Upbit's Open API settings"
    ),
    "no_authorization_i_p": AuthProblem(
        "ip", "This IP is not on the Upbit key's allowlist: add it in Upbit's Open API settings"
    ),
    "out_of_scope": AuthProblem(
        "permission",
        "The Upbit key lacks a permission: enable View Account (자산조회) and View Orders"
        " (주문조회) for it",
    ),
    "nonce_used": AuthProblem("retry", "Upbit saw a reused nonce: retrying with a new token"),
}


def auth_problem(name: str) -> AuthProblem | None:
    """What an Upbit error ``name`` (REST or websocket) means for the user, if it is an
    authentication or permission error (``docs/protocols.md``, "Upbit: exchange REST
    (private)" and "Upbit: authentication (JWT)"); else None."""
    return _AUTH_PROBLEMS.get(name)
