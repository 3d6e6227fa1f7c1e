"""The user's own orders, fills and balances on every venue: the private side of the model.

Pure Python, fed with the private events (:class:`Order`, :class:`Fill`,
:class:`Balances`, :class:`OrdersSnapshot`) in the order they arrive; nothing is dropped or
coalesced. Change counters (``orders_seq``, ``fills_seq``, ``balances_seq`` and ``seq``)
tell a pane when it has something new to draw, as ``MarketState`` does for market data.

**Orders apply by lifecycle and arrival, never by comparing clocks** (:func:`supersedes`):
the exchanges send no sequence numbers, and a REST seed's times (the local clock) cannot be
compared with a stream frame's (the server's), so an update replaces the stored state if it
is further along, and otherwise if it arrived later:

1. ``filled``, ``cancelled`` and ``rejected`` are final: the state never changes again (a
   repeat of the same final state may still refresh fees and figures).
2. Otherwise a final state wins, then a larger ``filled`` wins, then at equal ``filled``
   the later state (pending < open < partial), then the later arrival.
3. A field an update does not carry (None: e.g. an Upbit ``trade`` frame has no order
   price) is kept from what was known; cumulative figures (average price, filled value,
   fee, remaining) only from a report with the same ``filled``.

**Reconnect reconciliation**: on every (re)connect the feed subscribes, then applies a REST
:class:`OrdersSnapshot` before any frame of the new socket. A frame buffered meanwhile may
be older than the REST read, but every change after the subscription also arrives as a
frame, in order, after the snapshot: the last word on each order and currency is the
newest (the protocol orders them, not the clocks). Its rows
merge by the rules above, so a seed never rolls back a fill the stream already reported.
If the snapshot is ``complete`` (every active order of ``markets``), an active order of
those markets that it does not list has left the book while we were away, and is marked
``closed``: final as far as the book goes (it leaves the ladder and the open list), yet not
a guess at filled or cancelled. Only a final state replaces ``closed`` (the feed's
catch-up looks every such order up by id); a stream frame showing it active is older than
the snapshot and cannot reopen it.

**Fills** are keyed by ``(venue, order_id, trade_id)`` (both sides of a self-trade share a
trade id) and never replaced or dropped; :meth:`Account.apply` returns the new ones, for
notifications. **Balances** are keyed by ``(venue, currency)``: a complete snapshot
replaces the venue's set, a partial one upserts the currencies it lists (a
missing ``avg_buy_price`` keeps the known one), in arrival order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any, NamedTuple

import msgspec

from mdtui.model.events import (
    ACTIVE_STATES,
    FINAL_STATES,
    RESTING_STATES,
    Balance,
    Balances,
    Fill,
    Order,
    OrdersSnapshot,
    Side,
)

CLOSED_KEPT = 500
"""Final or closed orders kept for the Orders pane; older ones are forgotten (their ids
are remembered, so a late duplicate frame cannot bring them back as new)."""
FILLS_KEPT = 20_000
"""Fills kept for the Fills pane (a long-running bot session); older ones are forgotten,
their keys remembered for de-duplication."""

STATE_RANK: dict[str, int] = {
    "pending": 0,
    "open": 1,
    "partial": 2,
    "closed": 3,
    "filled": 4,
    "cancelled": 4,
    "rejected": 4,
}

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_STATIC = ("price", "qty", "amount", "client_id", "time_in_force")
_CUMULATIVE = ("avg_price", "filled_value", "fee", "remaining")

OrderKey = tuple[str, str]
FillKey = tuple[str, str, str]
BalanceKey = tuple[str, str]


# --------------------------------------------------------------------------- lifecycle


def supersedes(old: Order, new: Order) -> bool:
    """Whether update ``new`` (arrived after ``old``) replaces the stored state ``old`` of
    the same order. Times are never compared: see the module docstring."""
    o, n = old.state, new.state
    if o in FINAL_STATES:
        return n == o and new.filled >= old.filled
    if o == "closed":
        return n in FINAL_STATES
    if n in FINAL_STATES or n == "closed":
        return True
    if new.filled != old.filled:
        return new.filled > old.filled
    return STATE_RANK.get(n, 1) >= STATE_RANK.get(o, 1)


def merge_orders(old: Order, new: Order) -> Order:
    """The stored order after applying ``new`` to ``old``: the lifecycle winner, with the
    fields it does not know taken from the other report (see the module docstring)."""
    if supersedes(old, new):
        winner, loser = new, old
    else:
        winner, loser = old, new
    changes: dict[str, object] = {}
    for name in _STATIC:
        if getattr(winner, name) is None and getattr(loser, name) is not None:
            changes[name] = getattr(loser, name)
    if winner.filled == loser.filled:
        for name in _CUMULATIVE:
            if getattr(winner, name) is None and getattr(loser, name) is not None:
                changes[name] = getattr(loser, name)
    if not winner.market and loser.market:
        changes["market"] = loser.market
    if not winner.order_type and loser.order_type:
        changes["order_type"] = loser.order_type
    if not winner.created_ms and loser.created_ms:
        changes["created_ms"] = loser.created_ms
    if "remaining" not in changes and winner.remaining is None:
        qty = changes.get("qty", winner.qty)
        if isinstance(qty, Decimal):
            changes["remaining"] = max(_EXACT.subtract(qty, winner.filled), Decimal(0))
    return msgspec.structs.replace(winner, **changes) if changes else winner


# --------------------------------------------------------------------------- valuation


class Valuation(NamedTuple):
    """A balance at the last price: the price of one unit and its value in the home
    currency, and the unrealised P&L in percent against ``avg_buy_price`` (None when
    unknown). ``via``: the markets that priced it (one, or two through a bridge)."""

    price: Decimal | None
    value: Decimal | None
    pnl_pct: Decimal | None
    via: tuple[str, ...] = ()


BRIDGES = ("BTC", "USDT")
"""Currencies a holding is priced through when no market quotes it in the home currency
directly (an Upbit BTC-market coin: ``BTC-XYZ`` times ``KRW-BTC``)."""


def quote_market(venue: str, currency: str, quote: str = "KRW") -> str | None:
    """The market pricing ``currency`` in ``quote``: ``KRW-BTC`` (Upbit), ``btc_krw``
    (Korbit); None for an unknown venue."""
    if venue == "upbit":
        return f"{quote.upper()}-{currency.upper()}"
    if venue == "korbit":
        return f"{currency.lower()}_{quote.lower()}"
    return None


def pricing_routes(
    venue: str, currency: str, home: str = "KRW", bridges: tuple[str, ...] = BRIDGES
) -> list[tuple[str, ...]]:
    """The ways to price ``currency`` in ``home`` on ``venue``, best first: the direct
    market, then through each bridge currency (two markets). Empty for ``home`` itself."""
    cur, home = currency.upper(), home.upper()
    if cur == home:
        return []
    direct = quote_market(venue, cur, home)
    if direct is None:
        return []
    routes: list[tuple[str, ...]] = [(direct,)]
    for bridge in bridges:
        if bridge not in (cur, home):
            first, second = quote_market(venue, cur, bridge), quote_market(venue, bridge, home)
            assert first is not None and second is not None
            routes.append((first, second))
    return routes


def valuation(
    balance: Balance,
    last_price: Callable[[str, str], Decimal | None],
    home: str = "KRW",
    avg_currency: str = "KRW",
) -> Valuation:
    """Value ``balance`` in ``home`` with ``last_price(venue, market)`` (e.g. from the
    ``MarketStore``), through the first of :func:`pricing_routes` whose prices are known.

    The home currency itself is worth its total. ``price`` and ``value`` are exact (a
    price through a bridge is the exact product of the two). ``pnl_pct`` is
    ``(price - avg) / avg * 100`` (28 significant digits), only when the exchange's
    average price is in the home currency (``avg_currency``: the account's currency, KRW
    in Korea).
    """
    if balance.currency.upper() == home.upper():
        return Valuation(Decimal(1), balance.total, None)
    for route in pricing_routes(balance.venue, balance.currency, home):
        prices = [last_price(balance.venue, market) for market in route]
        if any(p is None for p in prices):
            continue
        price = Decimal(1)
        for p in prices:
            assert p is not None
            price = _EXACT.multiply(price, p)
        value = _EXACT.multiply(balance.total, price)
        avg = balance.avg_buy_price if avg_currency.upper() == home.upper() else None
        pnl = (price - avg) * 100 / avg if avg else None
        return Valuation(price, value, pnl, route)
    return Valuation(None, None, None)


# --------------------------------------------------------------------------- store


@dataclass
class Account:
    """Own orders, fills and balances of every venue, with change counters."""

    orders: dict[OrderKey, Order] = field(default_factory=dict)
    fills: dict[FillKey, Fill] = field(default_factory=dict)
    balances: dict[BalanceKey, Balance] = field(default_factory=dict)
    orders_seq: int = 0
    fills_seq: int = 0
    balances_seq: int = 0
    seq: int = 0
    """Bumped by every change of any kind."""
    closed_kept: int = CLOSED_KEPT
    fills_kept: int = FILLS_KEPT
    _forgotten_orders: dict[OrderKey, None] = field(default_factory=dict, repr=False)
    _forgotten_fills: dict[FillKey, None] = field(default_factory=dict, repr=False)
    _fills_sorted: tuple[int, list[Fill]] = field(default=(-1, []), repr=False)

    # ------------------------------------------------------------------ apply

    def apply(self, events: Iterable[object]) -> list[Fill]:
        """Apply events in arrival order (other event kinds are ignored); return the fills
        that were new."""
        new_fills: list[Fill] = []
        for ev in events:
            kind = type(ev)
            if kind is Order:
                self.apply_order(ev)  # type: ignore[arg-type]
            elif kind is Fill:
                if self.apply_fill(ev):  # type: ignore[arg-type]
                    new_fills.append(ev)  # type: ignore[arg-type]
            elif kind is Balances:
                self.apply_balances(ev)  # type: ignore[arg-type]
            elif kind is OrdersSnapshot:
                self.apply_snapshot(ev)  # type: ignore[arg-type]
        return new_fills

    def apply_order(self, order: Order) -> bool:
        """Merge one order update by lifecycle; return whether the stored order changed."""
        changed = self._merge(order)
        if changed:
            self._orders_changed()
        return changed

    def _merge(self, order: Order) -> bool:
        key = (order.venue, order.order_id)
        old = self.orders.get(key)
        if old is None:
            if key in self._forgotten_orders:
                return False
            self.orders[key] = order
            return True
        merged = merge_orders(old, order)
        if merged == old:
            return False
        self.orders[key] = merged
        return True

    def apply_snapshot(self, snap: OrdersSnapshot) -> bool:
        """Merge a REST order list; a complete one closes the active orders it misses."""
        changed = False
        for order in snap.orders:
            changed |= self._merge(order)
        if snap.complete:
            listed = {o.order_id for o in snap.orders}
            covered = None if snap.markets is None else set(snap.markets)
            for key, o in list(self.orders.items()):
                if (
                    o.venue != snap.venue
                    or o.state not in ACTIVE_STATES
                    or o.order_id in listed
                    or (covered is not None and o.market not in covered)
                ):
                    continue
                self.orders[key] = msgspec.structs.replace(
                    o, state="closed", updated_ms=max(snap.ts, o.updated_ms)
                )
                changed = True
        if changed:
            self._orders_changed()
        return changed

    def apply_fill(self, fill: Fill) -> bool:
        """Record a fill unless already known; return whether it was new."""
        key = (fill.venue, fill.order_id, fill.trade_id)
        if key in self.fills or key in self._forgotten_fills:
            return False
        self.fills[key] = fill
        if len(self.fills) > self.fills_kept * 1.1:
            self._trim_fills()
        self.fills_seq += 1
        self.seq += 1
        return True

    def apply_balances(self, snap: Balances) -> bool:
        """Replace (complete) or upsert (partial) a venue's balances, in arrival order (a
        stream row applied after a seed is newer than it, whatever the two clocks say)."""
        balances = self.balances
        changed = False
        if snap.complete:
            for key in [k for k in balances if k[0] == snap.venue]:
                del balances[key]
            changed = True
        for row in snap.rows:
            key = (row.venue, row.currency)
            old = balances.get(key)
            if old is not None and not snap.complete:
                if row.avg_buy_price is None and old.avg_buy_price is not None:
                    row = msgspec.structs.replace(row, avg_buy_price=old.avg_buy_price)
                if row == old:
                    continue
            balances[key] = row
            changed = True
        if changed:
            self.balances_seq += 1
            self.seq += 1
        return changed

    def _orders_changed(self) -> None:
        self.orders_seq += 1
        self.seq += 1
        done = [o for o in self.orders.values() if o.state not in ACTIVE_STATES]
        if len(done) > self.closed_kept * 1.1:
            done.sort(key=lambda o: o.updated_ms)
            for o in done[: len(done) - self.closed_kept]:
                key = (o.venue, o.order_id)
                del self.orders[key]
                self._forget(self._forgotten_orders, key, self.closed_kept * 20)

    def _trim_fills(self) -> None:
        by_age = sorted(self.fills.items(), key=lambda kv: kv[1].ts)
        for key, _ in by_age[: len(by_age) - self.fills_kept]:
            del self.fills[key]
            self._forget(self._forgotten_fills, key, self.fills_kept * 4)

    @staticmethod
    def _forget(memory: dict[Any, None], key: object, limit: int) -> None:
        memory[key] = None
        if len(memory) > limit:
            del memory[next(iter(memory))]

    # ------------------------------------------------------------------ views

    def order(self, venue: str, order_id: str) -> Order | None:
        return self.orders.get((venue, order_id))

    def open_orders(self, venue: str | None = None, market: str | None = None) -> list[Order]:
        """Active orders (pending, open, partial), newest first."""
        out = [
            o
            for o in self.orders.values()
            if o.state in ACTIVE_STATES and _matches(o, venue, market)
        ]
        out.sort(key=lambda o: (o.created_ms, o.updated_ms), reverse=True)
        return out

    def orders_view(
        self, venue: str | None = None, market: str | None = None, closed_limit: int = 50
    ) -> list[Order]:
        """What the Orders pane lists: the active orders (newest first), then up to
        ``closed_limit`` finished ones (most recently updated first)."""
        done = [
            o
            for o in self.orders.values()
            if o.state not in ACTIVE_STATES and _matches(o, venue, market)
        ]
        done.sort(key=lambda o: o.updated_ms, reverse=True)
        return self.open_orders(venue, market) + done[:closed_limit]

    def resting_levels(self, venue: str, market: str) -> dict[tuple[Side, Decimal], Decimal]:
        """Own orders on the book of one market: ``(side, price) -> remaining size``
        summed over orders at that level, for marking the depth ladder. An order whose
        remaining size is unknown still marks its level (with 0)."""
        levels: dict[tuple[Side, Decimal], Decimal] = {}
        for o in self.orders.values():
            if (
                o.state not in RESTING_STATES
                or o.price is None
                or o.venue != venue
                or o.market != market
            ):
                continue
            size = o.remaining
            if size is None:
                size = _EXACT.subtract(o.qty, o.filled) if o.qty is not None else Decimal(0)
            key = (o.side, o.price)
            levels[key] = _EXACT.add(levels.get(key, Decimal(0)), size)
        return levels

    def fills_view(
        self, venue: str | None = None, market: str | None = None, limit: int | None = None
    ) -> list[Fill]:
        """Fills newest first (by execution time, then arrival)."""
        seq, ordered = self._fills_sorted
        if seq != self.fills_seq:
            ordered = list(reversed(self.fills.values()))
            ordered.sort(key=lambda f: f.ts, reverse=True)  # stable: later arrival first
            self._fills_sorted = (self.fills_seq, ordered)
        if venue is None and market is None:
            return ordered[:limit] if limit is not None else list(ordered)
        out = [f for f in ordered if _matches(f, venue, market)]
        return out[:limit] if limit is not None else out

    def balances_view(self, venue: str | None = None, hide_zero: bool = True) -> list[Balance]:
        """Balances by venue, the KRW row first, then by currency; zero rows hidden."""
        out = [
            b
            for b in self.balances.values()
            if (venue is None or b.venue == venue) and not (hide_zero and not b.total)
        ]
        out.sort(key=lambda b: (b.venue, b.currency != "KRW", b.currency))
        return out

    def venues(self) -> set[str]:
        """Venues with any private state."""
        return (
            {k[0] for k in self.orders} | {k[0] for k in self.fills} | {k[0] for k in self.balances}
        )


def _matches(item: Order | Fill, venue: str | None, market: str | None) -> bool:
    return (venue is None or item.venue == venue) and (market is None or item.market == market)
