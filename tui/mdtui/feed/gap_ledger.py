"""What a private feed has delivered: where its catch-up after a reconnect starts from.

The ledger follows every event the feed hands on (stream frames and REST seeds alike): the
orders it knows to be active, the fills it has seen per order, the last balances, and when
the socket was last known to deliver (a monotonic time: the local wall clock may step; the
catch-up turns it into the exchange's time with the offset its replies give). After a gap
the catch-up asks the exchange about exactly these orders (by id), about orders created
since then (minus a margin), and for the fills the ledger has not seen. A seed moves
``heard_at`` only when its catch-up completed, and only to the moment it subscribed (from
then on the socket was the source), so an incomplete one is retried over the same gap.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from mdtui.model.events import (
    ACTIVE_STATES,
    AnyEvent,
    Balance,
    Balances,
    Fill,
    Order,
    OrdersSnapshot,
)
from mdtui.venues.private_common import add

FILL_MEMORY = 5_000
"""Orders whose seen fills are remembered (active ones are never forgotten)."""


@dataclass
class GapLedger:
    active: dict[str, Order] = field(default_factory=dict)
    """Orders last known pending, open or partly filled, by id."""
    fills: OrderedDict[str, dict[str, Decimal]] = field(default_factory=OrderedDict)
    """Per order id: trade id -> size of every fill delivered."""
    balances: dict[str, Balance] = field(default_factory=dict)
    """The last balance of each currency (upper case)."""
    baseline: dict[str, Decimal] = field(default_factory=dict)
    """Filled size of each active order when first seen (fills made before the app ran
    are not asked for again unless the order fills further)."""
    heard_at: float | None = None
    """``time.monotonic()`` when the socket was last known to deliver (None: never live)."""

    def note(self, events: list[AnyEvent]) -> None:
        """Follow what the feed delivers (in delivery order)."""
        for ev in events:
            kind = type(ev)
            if kind is Order:
                self._order(ev)  # type: ignore[arg-type]
            elif kind is Fill:
                self._fill(ev)  # type: ignore[arg-type]
            elif kind is OrdersSnapshot:
                for order in ev.orders:  # type: ignore[union-attr]
                    self._order(order)
            elif kind is Balances:
                if ev.complete:  # type: ignore[union-attr]
                    self.balances = {}
                for row in ev.rows:  # type: ignore[union-attr]
                    self.balances[row.currency] = row

    def heard(self, at: float | None = None) -> None:
        """The socket delivered at ``at`` (monotonic seconds; default now)."""
        at = time.monotonic() if at is None else at
        self.heard_at = at if self.heard_at is None else max(self.heard_at, at)

    def heard_server_ms(self, server_now_ms: int) -> int:
        """When the socket last delivered, in the exchange's time (given its time now)."""
        assert self.heard_at is not None
        return server_now_ms - int((time.monotonic() - self.heard_at) * 1000)

    def seen_size(self, order_id: str) -> Decimal:
        """The size of the order's fills accounted for: delivered, or made before the order
        was first seen."""
        total = Decimal(0)
        for size in self.fills.get(order_id, {}).values():
            total = add(total, size)
        return max(total, self.baseline.get(order_id, total))

    def missing_fills(self, order: Order) -> bool:
        """Whether ``order`` (from REST) reports more filled than the fills delivered."""
        return order.filled > self.seen_size(order.order_id)

    def balance_changed(self, fresh: Balances) -> set[str]:
        """Currencies whose total or amount in orders differs in ``fresh`` (a complete
        snapshot) from the last known balances."""
        new = {row.currency: row for row in fresh.rows}
        changed = set()
        for currency in set(new) | set(self.balances):
            a, b = self.balances.get(currency), new.get(currency)
            if a is None or b is None or (a.total, a.in_orders) != (b.total, b.in_orders):
                changed.add(currency)
        return changed

    def _order(self, order: Order) -> None:
        if order.state in ACTIVE_STATES:
            known = self.active.get(order.order_id)
            if known is None or order.filled >= known.filled:
                self.active[order.order_id] = order
            self.baseline.setdefault(order.order_id, order.filled)
        else:
            self.active.pop(order.order_id, None)
            self.baseline.pop(order.order_id, None)

    def _fill(self, fill: Fill) -> None:
        fills = self.fills
        seen = fills.get(fill.order_id)
        if seen is None:
            seen = fills[fill.order_id] = {}
        else:
            fills.move_to_end(fill.order_id)
        seen[fill.trade_id] = fill.size
        if len(fills) > FILL_MEMORY:  # forget the oldest finished orders' fills
            for order_id in list(fills)[: len(fills) - FILL_MEMORY]:
                if order_id not in self.active:
                    del fills[order_id]
