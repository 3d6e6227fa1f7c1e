"""Hand-made market and private events for the pane tests (no network)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from mdtui.model.events import AnyEvent, Book, FeedState, Fill, Order, Ticker, Trade

T0 = 1_767_225_600_000
"""The events' time (ms): 2026-01-01 00:00:00 UTC."""
NOW = T0 / 1000 + 1
"""The pane tests' fixed app clock (Unix seconds): a second after :data:`T0`."""


def ticker(venue: str, market: str, last: str, change: str = "0", ts: int = T0) -> Ticker:
    price, delta = D(last), D(change)
    prev = price - delta
    return Ticker(
        venue,
        market,
        price,
        prev,
        delta,
        (delta / prev * 100).quantize(D("0.01")),
        prev,
        price + 10,
        price - 10,
        D("123.4"),
        D("345678901234"),
        None,
        None,
        ts,
        False,
    )


def book(venue: str, market: str, best_bid: str, tick: str, levels: int = 30) -> Book:
    bid, step = D(best_bid), D(tick)
    asks = tuple((bid + step * (i + 1), D("0.5") + D(i) / 10) for i in range(levels))
    bids = tuple((bid - step * i, D("1.25") + D(i) / 4) for i in range(levels))
    return Book(venue, market, bids, asks, T0, False)


def trade(venue: str, market: str, price: str, size: str, side: str, n: int) -> Trade:
    return Trade(venue, market, D(price), D(size), side, T0 + n * 1000, f"t{n}", False)  # type: ignore[arg-type]


def order(
    venue: str,
    market: str,
    order_id: str,
    side: str,
    price: str,
    qty: str,
    filled: str = "0",
    state: str = "open",
    ts: int = T0,
) -> Order:
    q, f = D(qty), D(filled)
    return Order(
        venue, market, order_id, side, "limit", state, state, D(price), q, f, q - f,  # type: ignore[arg-type]
        D(price) if f else None, None, D(price) * f if f else None, None, ts, ts,
    )  # fmt: skip


def fill(
    venue: str, market: str, order_id: str, trade_id: str, side: str, price: str, size: str,
    ts: int = T0,
) -> Fill:  # fmt: skip
    p, s = D(price), D(size)
    return Fill(venue, market, order_id, trade_id, side, p, s, p * s, D("0.5"), "KRW", True, ts)  # type: ignore[arg-type]


def feed(app: Any, events: list[AnyEvent], now_ms: int = T0 + 500) -> None:
    """Apply ``events`` to the app's market model as if Upbit's public feed, live, had
    delivered them (the app then shows them at its next flush)."""
    app.shared.model.apply([FeedState("upbit", "public", "live"), *events], now_ms)
