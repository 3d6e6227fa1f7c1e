"""KRW price ticks of both exchanges, and stepping a price along them.

A tick ladder is a list of ``(lower bound, tick)`` bands, highest bound first; a price
belongs to the band with the largest bound that is <= the price (bounds inclusive).
Every band bound is a multiple of the ticks on both sides of it, so stepping down across a
bound stays on the grid.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

TickLadder = tuple[tuple[Decimal, Decimal], ...]


def _ladder(*bands: tuple[str, str]) -> TickLadder:
    return tuple((Decimal(bound), Decimal(tick)) for bound, tick in bands)


# Upbit's KRW market ticks, in force since 2025-07-31; ``tick_size`` of
# ``/v1/orderbook/instruments`` is the authority (docs/protocols.md, 'Upbit: quotation REST').
UPBIT_KRW: TickLadder = _ladder(
    ("1000000", "1000"),
    ("500000", "500"),
    ("100000", "100"),
    ("50000", "50"),
    ("10000", "10"),
    ("5000", "5"),
    ("100", "1"),
    ("10", "0.1"),
    ("1", "0.01"),
    ("0.1", "0.001"),
    ("0.01", "0.0001"),
    ("0.001", "0.00001"),
    ("0.0001", "0.000001"),
    ("0.00001", "0.0000001"),
    ("0", "0.00000001"),
)

# Korbit's KRW ticks as ``/v2/tickSizePolicy`` lists them: equal to Upbit's from 1,000 KRW
# up, finer below (docs/protocols.md, 'Korbit: public REST').
KORBIT_KRW: TickLadder = _ladder(
    ("1000000", "1000"),
    ("500000", "500"),
    ("100000", "100"),
    ("50000", "50"),
    ("10000", "10"),
    ("5000", "5"),
    ("1000", "1"),
    ("100", "0.1"),
    ("10", "0.01"),
    ("1", "0.001"),
    ("0", "0.0001"),
)


# Upbit's BTC market: one tick whatever the price (docs/protocols.md, 'Upbit: quotation
# REST').
UPBIT_BTC: TickLadder = _ladder(("0", "0.00000001"))

# Upbit's USDT market: 0.01 from 10 USDT, a tenth as much per decade below, down to
# 0.00000001 under 0.0001 (docs/protocols.md, 'Upbit: quotation REST').
UPBIT_USDT: TickLadder = _ladder(
    ("10", "0.01"),
    ("1", "0.001"),
    ("0.1", "0.0001"),
    ("0.01", "0.00001"),
    ("0.001", "0.000001"),
    ("0.0001", "0.0000001"),
    ("0", "0.00000001"),
)

# Upbit Global's fiat markets, from global-docs.upbit.com: "SGD, IDR, THB Market Order Price
# Unit" (docs/fiat-market-info) and, for SGD, the notice "Tick Size Adjustment for SGD
# Market" (changelog/sgd-market-tick-size-adjustment, in force since 2025-12-01: 1 from
# 1,000, 0.1 from 100, 0.01 from 10, then a tenth per decade down to 0.00000001 under
# 0.0001). ``tick_size`` of ``/v1/orderbook/instruments`` stays the authority.
UPBIT_SGD: TickLadder = _ladder(
    ("1000", "1"),
    ("100", "0.1"),
    ("10", "0.01"),
    ("1", "0.001"),
    ("0.1", "0.0001"),
    ("0.01", "0.00001"),
    ("0.001", "0.000001"),
    ("0.0001", "0.0000001"),
    ("0", "0.00000001"),
)
UPBIT_IDR: TickLadder = _ladder(
    ("20000000", "10000"),
    ("10000000", "5000"),
    ("5000000", "1000"),
    ("1000000", "500"),
    ("100000", "100"),
    ("10000", "50"),
    ("1000", "10"),
    ("100", "1"),
    ("0", "0.1"),
)
UPBIT_THB: TickLadder = _ladder(
    ("50000", "20"),
    ("25000", "10"),
    ("10000", "5"),
    ("1000", "1"),
    ("100", "0.1"),
    ("10", "0.01"),
    ("1", "0.001"),
    ("0.1", "0.0001"),
    ("0.01", "0.00001"),
    ("0", "0.000001"),
)

UPBIT_LADDERS: dict[str, TickLadder] = {
    "KRW": UPBIT_KRW,
    "BTC": UPBIT_BTC,
    "USDT": UPBIT_USDT,
    "SGD": UPBIT_SGD,
    "IDR": UPBIT_IDR,
    "THB": UPBIT_THB,
}
"""Upbit's tick ladder per quote currency."""


def tick_size(ladder: TickLadder, price: Decimal) -> Decimal:
    """The tick of the band ``price`` falls in."""
    for bound, tick in ladder:
        if price >= bound:
            return tick
    return ladder[-1][1]


def is_on_tick(ladder: TickLadder, price: Decimal) -> bool:
    return price > 0 and price % tick_size(ladder, price) == 0


def floor_to_tick(ladder: TickLadder, price: Decimal) -> Decimal:
    """The largest on-tick price <= ``price``."""
    tick = tick_size(ladder, price)
    # int() keeps the result in plain notation (no exponent) whatever ``price`` looks like.
    return int((price / tick).to_integral_value(rounding=ROUND_FLOOR)) * tick


def step_up(ladder: TickLadder, price: Decimal) -> Decimal:
    """The next on-tick price above an on-tick ``price``."""
    return price + tick_size(ladder, price)


def step_down(ladder: TickLadder, price: Decimal) -> Decimal:
    """The next on-tick price below an on-tick ``price`` (the band below may be finer)."""
    tick = tick_size(ladder, price)
    lower = price - tick
    finer = tick_size(ladder, lower)
    return price - finer if finer < tick else lower


def upbit_supported_levels(tick: Decimal) -> list[str]:
    """Upbit's ``supported_levels`` pattern (KRW-BTC, tick 1000: "0", "10000" ... "100000000")."""
    return ["0"] + [plain(tick * 10**k) for k in range(1, 6)]


def korbit_orderbook_levels(tick: Decimal) -> list[str]:
    """Korbit's ``orderbookLevels`` pattern (xrp_krw, tick 1: "0.1", "1", "10", "100")."""
    return [plain(tick * factor) for factor in (Decimal("0.1"), 1, 10, 100)]


def plain(value: Decimal) -> str:
    """A decimal in plain notation without trailing zeros ("0.27522", "100651000")."""
    return format(value.normalize(), "f")
