"""Market metadata shared by both exchanges, and price-tick lookup by bands.

A tick table is a tuple of ``(lower_bound, tick)`` bands sorted by ascending lower bound: the
tick for a price is that of the band with the largest lower bound ``<=`` price (inclusive, as
in Korbit's ``priceGte`` and Upbit's "price ≥" tables). Prices below the first bound (the
built-in tables start at 0) take the first band's tick.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

import msgspec

TickBands = tuple[tuple[Decimal, Decimal], ...]
"""``((lower_bound, tick), ...)`` with strictly ascending lower bounds."""


def bands(*rows: tuple[str | Decimal, str | Decimal]) -> TickBands:
    """Build a :data:`TickBands` from ``(lower_bound, tick)`` pairs (decimal strings).

    Raises ValueError unless there is at least one band, the bounds strictly ascend, and
    every bound is finite and ``>= 0`` and every tick finite and ``> 0``.
    """
    out = tuple((Decimal(lo), Decimal(tick)) for lo, tick in rows)
    if not all(lo.is_finite() and tk.is_finite() and lo >= 0 and tk > 0 for lo, tk in out):
        raise ValueError("tick bands need finite bounds >= 0 and ticks > 0")
    lows = [lo for lo, _ in out]
    if not out or lows != sorted(set(lows)):
        raise ValueError("tick bands need strictly ascending lower bounds")
    return out


def tick_from_bands(price: Decimal, table: TickBands) -> Decimal:
    """The tick for ``price``: the band with the largest lower bound ``<= price``.

    Raises ValueError for a negative or non-finite price or an empty table.
    """
    if not table:
        raise ValueError("no tick bands")
    if not price.is_finite() or price < 0:
        raise ValueError(f"no tick for price {price}")
    i = bisect_right(table, price, key=_lower_bound) - 1
    return table[max(i, 0)][1]


def with_tick_at(table: TickBands, price: Decimal | None, tick: Decimal) -> TickBands:
    """``table`` corrected by what an exchange said: ``tick`` is the tick at ``price``, so
    it replaces the tick of the band ``price`` falls in (Upbit's per-market tick endpoint
    gives the tick at the current price only). Without a table or a price, ``tick`` holds
    for every price."""
    if not table or price is None or not price.is_finite() or price < 0:
        return ((Decimal(0), tick),)
    i = max(bisect_right(table, price, key=_lower_bound) - 1, 0)
    return (*table[:i], (table[i][0], tick), *table[i + 1 :])


def _lower_bound(band: tuple[Decimal, Decimal]) -> Decimal:
    return band[0]


class MarketInfo(msgspec.Struct, frozen=True, gc=False):
    """One tradable pair as listed by the exchange's REST market list.

    ``market`` is the exchange's own code (``KRW-BTC``, ``btc_krw``); ``base`` and ``quote``
    are upper-cased currency codes on both exchanges (``BTC``, ``KRW``). ``tick_bands`` is
    the price-tick rule when it can be derived (empty when unknown); the exchange's
    per-market tick endpoint stays the authority. ``warning`` and ``caution`` are Upbit's
    유의 (designated for review) and 주의 (any caution alert) flags.
    """

    venue: str
    market: str
    base: str
    quote: str
    korean_name: str | None = None
    english_name: str | None = None
    active: bool = True
    warning: bool = False
    caution: bool = False
    min_order_value: Decimal | None = None
    max_order_value: Decimal | None = None
    tick_bands: TickBands = ()

    def tick_size(self, price: Decimal) -> Decimal | None:
        """The price tick at ``price``, or None when this market's tick rule is unknown."""
        return tick_from_bands(price, self.tick_bands) if self.tick_bands else None
