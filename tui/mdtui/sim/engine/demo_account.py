"""The demo account of one simulated exchange: holdings, orders and fills (venue-neutral).

Money rules, the same on both exchanges and in every quote currency (the account's
``quote`` is its home currency, KRW or an Upbit Global region's fiat; an order's ``quote``
is its market's: KRW, BTC, USDT...):

- a buy locks ``price * qty`` plus the fee reserve (``FEE_RATE`` of it) in the market's
  quote; a sell locks ``qty`` of the coin;
- a fill of ``q`` at ``p`` (always the order's own price: orders only rest, they never
  take) pays ``p * q * FEE_RATE`` in the market's quote, rounded to 8 decimals: a buy pays
  it from the reserve, a sell from the proceeds;
- the average buy price of a coin is in the home currency (Upbit's ``unit_currency``): the
  size-weighted price of every buy fill (fees left out, 8 decimals), a fill in another
  quote converted at that quote's home price at the time (BTC-market funds at KRW-BTC's
  last price), while some of the coin is held; it resets to 0 when none is; a buy in a
  quote with no home price leaves it as it was;
- when an order ends (filled or cancelled) whatever it still has locked goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

FEE_RATE = Decimal("0.0005")
QUANTUM = Decimal("1E-8")
ZERO = Decimal(0)

Side = Literal["buy", "sell"]
State = Literal["open", "filled", "canceled"]


def q8(value: Decimal) -> Decimal:
    """``value`` rounded to 8 decimals (KRW amounts and fees)."""
    return value.quantize(QUANTUM)


class InsufficientFunds(ValueError):
    """The account cannot lock what an order needs."""


@dataclass(slots=True)
class Holding:
    """One currency: ``available`` to trade, ``locked`` in open orders, average buy price."""

    available: Decimal = ZERO
    locked: Decimal = ZERO
    avg_price: Decimal = ZERO
    updated_at: int = 0

    @property
    def total(self) -> Decimal:
        return self.available + self.locked


@dataclass(frozen=True, slots=True)
class DemoFill:
    """One fill of one order: also a public trade (``trade_id``) at the same price."""

    id: str
    """The venue's trade id: a uuid on Upbit, the public ``tradeId`` on Korbit."""
    trade_id: int
    price: Decimal
    qty: Decimal
    funds: Decimal
    fee: Decimal
    maker: bool
    timestamp: int


@dataclass(slots=True)
class DemoOrder:
    """A limit order of the demo account (good till cancelled)."""

    id: str
    """A uuid on Upbit, the decimal ``orderId`` on Korbit."""
    number: int
    """Korbit's numeric ``orderId`` (also set on Upbit, for ordering)."""
    code: str
    base: str
    side: Side
    price: Decimal
    qty: Decimal
    created_at: int
    quote: str = "KRW"
    """The market's quote currency (what a buy locks and fees are paid in)."""
    reserved_fee: Decimal = ZERO
    locked: Decimal = ZERO
    filled: Decimal = ZERO
    funds: Decimal = ZERO
    paid_fee: Decimal = ZERO
    state: State = "open"
    updated_at: int = 0
    fills: list[DemoFill] = field(default_factory=list)
    client_id: str | None = None
    """The placer's own id: Upbit's ``identifier``, Korbit's ``clientOrderId``."""

    @property
    def is_bid(self) -> bool:
        return self.side == "buy"

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled

    @property
    def avg_price(self) -> Decimal:
        return self.funds / self.filled if self.filled else ZERO

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def last_fill_at(self) -> int | None:
        return self.fills[-1].timestamp if self.fills else None


class DemoAccount:
    """Holdings by upper-case currency code and every order ever placed, in order."""

    def __init__(self, balances: Mapping[str, tuple[str, str]], quote: str = "KRW") -> None:
        """``balances``: currency -> (amount, average buy price)."""
        self.quote = quote
        self.holdings: dict[str, Holding] = {
            currency: Holding(Decimal(amount), ZERO, Decimal(avg))
            for currency, (amount, avg) in balances.items()
        }
        self.holdings.setdefault(quote, Holding())
        self.orders: dict[str, DemoOrder] = {}

    def holding(self, currency: str) -> Holding:
        return self.holdings.setdefault(currency, Holding())

    def open_orders(self) -> list[DemoOrder]:
        return [order for order in self.orders.values() if order.is_open]

    # -- changes (each returns the currencies it changed) -----------------------------------

    def place(self, order: DemoOrder, now: int) -> list[str]:
        """Lock what ``order`` needs and record it; raises ``InsufficientFunds``."""
        if order.is_bid:
            amount = order.price * order.qty
            order.reserved_fee = q8(amount * FEE_RATE)
            need, currency = amount + order.reserved_fee, order.quote
        else:
            need, currency = order.qty, order.base
        holding = self.holding(currency)
        if holding.available < need:
            raise InsufficientFunds(f"{currency}: {holding.available} available, {need} needed")
        holding.available -= need
        holding.locked += need
        holding.updated_at = now
        order.locked = need
        order.updated_at = now
        self.orders[order.id] = order
        return [currency]

    def fill(
        self, order: DemoOrder, fill: DemoFill, home_rate: Decimal | None = Decimal(1)
    ) -> list[str]:
        """Settle ``fill`` of ``order``; ends the order when nothing remains. ``home_rate``:
        the home price of one unit of the order's quote (None: unknown)."""
        quote, base = self.holding(order.quote), self.holding(order.base)
        order.filled += fill.qty
        order.funds += fill.funds
        order.paid_fee += fill.fee
        order.fills.append(fill)
        order.updated_at = fill.timestamp
        if order.is_bid:
            spent = fill.funds + fill.fee
            order.locked -= spent
            quote.locked -= spent
            held = base.total
            if home_rate is not None:
                cost = base.avg_price * held + fill.funds * home_rate
                base.avg_price = q8(cost / (held + fill.qty))
            base.available += fill.qty
        else:
            order.locked -= fill.qty
            base.locked -= fill.qty
            quote.available += fill.funds - fill.fee
            if base.total <= 0:
                base.avg_price = ZERO
        quote.updated_at = base.updated_at = fill.timestamp
        if order.remaining <= 0:
            self._end(order, "filled", fill.timestamp)
        return [order.quote, order.base]

    def cancel(self, order: DemoOrder, now: int) -> list[str]:
        self._end(order, "canceled", now)
        return [order.quote if order.is_bid else order.base]

    def _end(self, order: DemoOrder, state: State, now: int) -> None:
        """Release whatever ``order`` still locks (rounding dust of the fee reserve included)."""
        holding = self.holding(order.quote if order.is_bid else order.base)
        holding.locked -= order.locked
        holding.available += order.locked
        holding.updated_at = now
        order.locked = ZERO
        order.state = state
        order.updated_at = now
