"""Number and time formatting for the dashboard: pure functions, no Textual.

Prices are shown with at least the market's tick precision and thousands separators; the
tick sets the *minimum* decimals (so levels line up), never removes a digit the exchange
sent: a value with more decimals shows them all (:func:`fmt_price`, :func:`fmt_exact`).
KRW values are shown compactly (``1.2조``/``3,456억`` in the Korean number locale,
``1.2T``/``345.6B`` in the English one): an approximation that says so by its unit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

MAX_DECIMALS = 8
"""The most decimals a *derived* precision asks for (sizes for a price level)."""
EXACT_DECIMALS = 30
"""The most decimals a value's own digits may ask for (exchanges send 8 to 10; more is
an absurd value, shown rounded rather than as a screen of zeros)."""

_KO_UNITS = ((Decimal(10) ** 12, "조"), (Decimal(10) ** 8, "억"), (Decimal(10) ** 4, "만"))
_EN_UNITS = (
    (Decimal(10) ** 12, "T"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 3, "K"),
)


def decimals_of(value: Decimal) -> int:
    """Digits after the decimal point that ``value`` needs (``1.2300`` -> 2, ``1E+3`` -> 0)."""
    if not value.is_finite() or not value:
        return 0
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return min(max(-exponent, 0), EXACT_DECIMALS)


def fmt_exact(value: Decimal, decimals: int = 0) -> str:
    """``value`` with thousands separators and at least ``decimals`` places, never fewer
    than its own digits need: nothing is rounded away (no banker's rounding either)."""
    return f"{value:,.{max(decimals, decimals_of(value))}f}"


def infer_decimals(prices: Iterable[Decimal]) -> int:
    """The precision a set of on-tick prices shows: the most decimals any of them needs."""
    return max((decimals_of(p) for p in prices), default=0)


def fmt_price(price: Decimal | None, decimals: int) -> str:
    """``145,200,000`` or ``0.01852``: at least ``decimals`` places (the tick's), more when
    the price has them (``99.5`` under a tick of 1 shows ``99.5``, not ``100``)."""
    if price is None:
        return "—"
    return fmt_exact(price, decimals)


def size_decimals(price: Decimal | None) -> int:
    """The least decimals for sizes of a market trading at ``price`` (about 1,000 KRW
    resolution); a size with more digits shows them all (:func:`fmt_exact`).

    BTC at 145M shows 5, ETH at 5M 3, XRP at 3,000 none.
    """
    if price is None or price <= 0:
        return 4
    magnitude = price.adjusted()  # floor(log10(price))
    return min(max(magnitude - 3, 0), MAX_DECIMALS)


def compact(value: Decimal | None, locale: str = "ko") -> str:
    """Compact money: ``1.2조``, ``3,456억``, ``10억``, ``12만`` (ko) or ``1.2T``, ``345.6B``
    (en). One decimal below 10 units (100 for 조), none above; a trailing ``.0`` and a
    sign on a value that rounds to zero are dropped."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value:,.0f}"
    units = _KO_UNITS if locale == "ko" else _EN_UNITS
    for unit, suffix in units:
        if value >= unit:
            scaled = value / unit
            small = scaled < (100 if suffix == "조" else 10) or locale != "ko"
            text = f"{scaled:,.1f}" if small else f"{scaled:,.0f}"
            text = (text[:-2] if text.endswith(".0") else text) + suffix
            break
    return "0" if text == "0" else sign + text


def fmt_pct(pct: Decimal | None, places: int = 2) -> str:
    """A signed percentage: ``+1.23%``, ``-0.45%``, ``0.00%``."""
    if pct is None:
        return "—"
    text = f"{pct:+.{places}f}%"
    return text[1:] if text[1:].strip("0.%") == "" else text


QUOTE_DECIMALS = {"KRW": 0, "IDR": 0, "BTC": 8, "USDT": 2, "SGD": 2, "THB": 2}
"""The least decimals of a value in each quote currency (its usual unit); a value with
more digits shows them all."""
NOTIONAL_DIGITS = 4
"""Significant digits of a *derived* value (price x size) in a non-KRW quote."""


def fmt_notional(value: Decimal, quote: str, locale: str) -> str:
    """A derived value (price x size) in its quote currency, as short as a column needs:
    compact 조/억 (or T/B) for KRW; in another quote four significant digits, with K/M/B/T
    from a thousand up (``0.01235`` BTC, ``12.35`` USDT, ``1.2M`` IDR). An approximation
    that says so by its form; the exchange's own numbers are never shown this way."""
    if quote == "KRW":
        return compact(value, locale)
    if abs(value) >= 1000:
        return compact(value, "en")
    if not value:
        return "0"
    step = Decimal(1).scaleb(value.adjusted() - NOTIONAL_DIGITS + 1)
    return fmt_exact(value.quantize(step, ROUND_HALF_UP))


def fmt_clock(ts_ms: int) -> str:
    """Local wall time to the second: ``14:03:27``."""
    return time.strftime("%H:%M:%S", time.localtime(ts_ms / 1000))


def fmt_age(seconds: float) -> str:
    """A short age: ``0.4s``, ``12s``, ``3m05s``, ``2h04m``."""
    if seconds < 0:
        seconds = 0.0
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def spread_text(bid: Decimal, ask: Decimal, decimals: int) -> str:
    """``spread 1,000 (0.0007% 0.7bp)  mid 145,200,500``."""
    spread = ask - bid
    mid = (ask + bid) / 2
    if mid <= 0:
        return f"spread {fmt_price(spread, decimals)}"
    bps = spread / mid * 10000
    return (
        f"spread {fmt_price(spread, decimals)} ({bps / 100:.4f}% {bps:.2f}bp)"
        f"  mid {fmt_price(mid, decimals + int(spread.scaleb(decimals)) % 2)}"
    )
