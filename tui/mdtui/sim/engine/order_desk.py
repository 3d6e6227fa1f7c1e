"""The order desk of one simulated exchange: the demo account's orders on that venue's books.

It places, fills and cancels orders (the demo trader and the test hooks call it), collects
the fills the markets report after each step, keeps the ``DemoAccount`` in step, and tells its
listeners (the private websocket services) what happened, synchronously and in order:

- placement: ``OrderEvent("placed")`` then ``AssetEvent`` (the locked currency);
- fill: ``OrderEvent("trade", fill)``, then ``OrderEvent("done")`` if nothing remains, then
  ``AssetEvent`` (the market's quote and the coin);
- cancel: ``OrderEvent("cancel")`` then ``AssetEvent``.

Listeners build their frames at once, so each frame shows the order as of its event.
Several own orders at one price fill in time order, each fill its own public trade.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from mdtui.sim.engine.demo_account import FEE_RATE, DemoAccount, DemoFill, DemoOrder, Side, q8
from mdtui.sim.engine.market_generator import Market, SimTrade, VenueMarkets
from mdtui.sim.engine.ticks import is_on_tick

EventKind = Literal["placed", "trade", "done", "cancel"]
KORBIT_CLIENT_ID = re.compile(r"[0-9a-zA-Z.:_-]{1,36}")


@dataclass(frozen=True, slots=True)
class OrderEvent:
    kind: EventKind
    order: DemoOrder
    fill: DemoFill | None = None


@dataclass(frozen=True, slots=True)
class AssetEvent:
    currencies: tuple[str, ...]
    timestamp: int


DeskEvent = OrderEvent | AssetEvent
Listener = Callable[[DeskEvent], None]


class OrderError(ValueError):
    """An order the desk refuses (unknown market, off tick, crossing, no funds...)."""


class OrderDesk:
    """Orders of the demo account on one venue."""

    def __init__(
        self,
        venue: str,
        markets: VenueMarkets,
        account: DemoAccount,
        clock: Callable[[], int],
        seed: int,
        on_watch: Callable[[], None] = lambda: None,
    ) -> None:
        self.venue = venue
        self.markets = markets
        self.account = account
        self.clock = clock
        self.on_watch = on_watch
        self.listeners: list[Listener] = []
        self._rng = random.Random(f"{seed}:{venue}:desk")
        self._number = self._rng.randrange(1_000_000_000, 2_000_000_000)
        self._by_market: dict[str, list[DemoOrder]] = {}
        self._by_client_id: dict[str, DemoOrder] = {}

    # -- reading ---------------------------------------------------------------------------

    def order(self, order_id: str | int) -> DemoOrder:
        order = self.account.orders.get(str(order_id))
        if order is None:
            raise KeyError(f"no {self.venue} order {order_id}")
        return order

    def by_client_id(self, client_id: str) -> DemoOrder | None:
        """The order placed with ``client_id`` (Upbit ``identifier``, Korbit
        ``clientOrderId``), if any."""
        return self._by_client_id.get(client_id)

    def home_price(self, currency: str) -> Decimal | None:
        """The last price of ``currency`` in the account's home currency (1 for the home
        currency itself), from this venue's market that converts it; None if none does."""
        home = self.account.quote
        if currency == home:
            return Decimal(1)
        code = f"{home}-{currency}" if self.venue == "upbit" else f"{currency}_{home}".lower()
        if code not in self.markets:
            return None
        return self.markets[code].stats.last

    def resting_codes(self) -> list[str]:
        """Markets with resting orders: the clock keeps stepping them so they can fill."""
        return [code for code, orders in self._by_market.items() if orders]

    # -- actions ---------------------------------------------------------------------------

    def place(
        self, code: str, side: Side, price: Decimal, qty: Decimal, client_id: str | None = None
    ) -> DemoOrder:
        """Rest a limit order; it must not cross the spread (orders here only make).
        ``client_id`` must be unique on the account (and match Korbit's pattern there)."""
        if code not in self.markets:
            raise OrderError(f"unknown market {code}")
        if client_id is not None:
            if client_id in self._by_client_id:
                raise OrderError(f"duplicate client order id {client_id!r}")
            if self.venue == "korbit" and not KORBIT_CLIENT_ID.fullmatch(client_id):
                raise OrderError(f"bad client order id {client_id!r}")
        market = self.markets[code]
        if side not in ("buy", "sell"):
            raise OrderError(f"side must be buy or sell, not {side!r}")
        if qty <= 0 or qty != qty.quantize(Decimal("1E-8")):
            raise OrderError(f"bad quantity {qty}")
        if not market.active or not is_on_tick(market.ladder, price):
            raise OrderError(f"{price} is not a valid price on {code}")
        is_bid = side == "buy"
        if market.crosses(is_bid, price):
            raise OrderError(f"{side} at {price} would cross the spread on {code}")
        now = self.clock()
        self._number += self._rng.randint(1, 40)
        order_id = self._new_id()
        order = DemoOrder(
            order_id, self._number, code, market.listing.base, side, price, qty, now,
            market.listing.quote,
        )  # fmt: skip
        order.client_id = client_id
        try:
            changed = self.account.place(order, now)
        except ValueError as error:
            raise OrderError(str(error)) from None
        if client_id is not None:
            self._by_client_id[client_id] = order
        self._by_market.setdefault(code, []).append(order)
        market.add_own(is_bid, price, qty, order.id)
        self._emit(OrderEvent("placed", order))
        self._emit(AssetEvent(tuple(changed), now))
        self.on_watch()
        return order

    def cancel(self, order_id: str | int) -> DemoOrder:
        order = self.order(order_id)
        if not order.is_open:
            raise OrderError(f"order {order_id} is {order.state}")
        self.markets[order.code].remove_own(order.is_bid, order.price, order.id)
        self._forget(order)
        changed = self.account.cancel(order, self.clock())
        self._emit(OrderEvent("cancel", order))
        self._emit(AssetEvent(tuple(changed), order.updated_at))
        return order

    def force_fill(self, order_id: str | int, qty: Decimal | None = None) -> SimTrade:
        """Fill ``qty`` (default: all that remains) of an open order now, as a public trade
        at its price; returns that trade."""
        order = self.order(order_id)
        if not order.is_open:
            raise OrderError(f"order {order_id} is {order.state}")
        size = order.remaining if qty is None else min(qty, order.remaining)
        if size <= 0:
            raise OrderError(f"bad quantity {qty}")
        market = self.markets[order.code]
        trade = market.fill_own(order.is_bid, order.price, order.id, size, self.clock())
        self._fill(order, size, trade)
        return trade

    def settle(self, market: Market) -> None:
        """Apply the fills ``market`` reported since the last call (after each step)."""
        fills, market.own_fills = market.own_fills, []
        for own in fills:
            self._fill(self.account.orders[own.key], own.size, own.trade)

    # -- internals -------------------------------------------------------------------------

    def _new_id(self) -> str:
        if self.venue == "korbit":
            return str(self._number)
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _fill(self, order: DemoOrder, size: Decimal, trade: SimTrade) -> None:
        funds = order.price * size
        fill_id = str(trade.id) if self.venue == "korbit" else self._new_id()
        fill = DemoFill(
            fill_id, trade.id, order.price, size, funds, q8(funds * FEE_RATE), True,
            trade.timestamp,
        )  # fmt: skip
        changed = self.account.fill(order, fill, self.home_price(order.quote))
        self._emit(OrderEvent("trade", order, fill))
        if not order.is_open:
            self._forget(order)
            self._emit(OrderEvent("done", order))
        self._emit(AssetEvent(tuple(changed), fill.timestamp))

    def _forget(self, order: DemoOrder) -> None:
        orders = self._by_market.get(order.code, [])
        if order in orders:
            orders.remove(order)
        if not orders:
            self._by_market.pop(order.code, None)

    def _emit(self, event: DeskEvent) -> None:
        for listener in self.listeners:
            listener(event)
