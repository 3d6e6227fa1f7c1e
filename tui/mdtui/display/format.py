"""Number and time formatting for the dashboard: pure functions, no Textual.

Prices are shown with at least the market's tick precision and thousands separators; the
tick sets the *minimum* decimals (so levels line up), never removes a digit the exchange
sent: a value with more decimals shows them all (:func:`fmt_price`, :func:`fmt_exact`).
KRW values are shown compactly (``1.2조``/``3,456억`` in the Korean number locale,
``1.2T``/``345.6B`` in the English one): an approximation that says so by its unit.

Every function here takes any Decimal and does bounded work: the codecs only let through
numbers of bounded size (:mod:`mdtui.venues.ranges`), and what is derived from them (a
quotient, a product) and would not fit is cut with a visible ``…``, never rounded away:
more than :data:`EXACT_DECIMALS` places show the first ones and ``…``; a value of
:data:`MAX_INTEGER_DIGITS` digits or more, whose plain form fits no column, shows its exact
scientific form (``1E+999999``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, Overflow

from mdtui.venues.private_common import EXACT
from mdtui.venues.ranges import MAX_DECIMALS as EXACT_DECIMALS

MAX_DECIMALS = 8
"""The most decimals a *derived* precision asks for (sizes for a price level)."""
MAX_INTEGER_DIGITS = 24
"""Values from ``10**24`` up have no plain form on screen (no exchange amount comes near)."""
MAX_TEXT = 40
"""The longest scientific form shown before it is cut with ``…``."""
CUT = "…"

_SPREAD = Context(prec=64, traps=[Inexact, InvalidOperation, Overflow])
"""Exact arithmetic on two prices, or an error when the result would need over 64 digits
(then the prices are nothing an exchange sends, and the work is not done)."""
_HALF = Decimal("0.5")
_SHOWN_STEP = Decimal(1).scaleb(-EXACT_DECIMALS)

_KO_UNITS = ((Decimal(10) ** 12, "조"), (Decimal(10) ** 8, "억"), (Decimal(10) ** 4, "만"))
_EN_UNITS = (
    (Decimal(10) ** 12, "T"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 3, "K"),
)


def _own_decimals(value: Decimal) -> int:
    """Digits after the decimal point that ``value`` needs, however many."""
    if not value.is_finite() or not value:
        return 0
    exponent = value.normalize(EXACT).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(-exponent, 0)


def decimals_of(value: Decimal) -> int:
    """Digits after the decimal point that ``value`` needs (``1.2300`` -> 2, ``1E+3`` -> 0),
    at most :data:`EXACT_DECIMALS`."""
    return min(_own_decimals(value), EXACT_DECIMALS)


def _too_big(value: Decimal) -> bool:
    """No plain form of ``value`` fits on screen (or it is not a number at all)."""
    return not value.is_finite() or value.adjusted() >= MAX_INTEGER_DIGITS


def _scientific(value: Decimal) -> str:
    """The exact scientific form (``1.5E+30``); past :data:`MAX_TEXT` characters the
    digits before the exponent are cut with ``…`` (``1.2345…E+59``)."""
    text = f"{value:E}" if value.is_finite() else str(value)
    if len(text) <= MAX_TEXT:
        return text
    digits, _, exponent = text.partition("E")
    return digits[: MAX_TEXT - len(exponent) - 2] + CUT + "E" + exponent


def fmt_exact(value: Decimal, decimals: int = 0) -> str:
    """``value`` with thousands separators and at least ``decimals`` places, never fewer
    than its own digits need: nothing is rounded away (no banker's rounding either). Past
    :data:`EXACT_DECIMALS` places the digits are cut and ``…`` follows."""
    if _too_big(value):
        return _scientific(value)
    own = _own_decimals(value)
    if own > EXACT_DECIMALS:
        return f"{value.quantize(_SHOWN_STEP, ROUND_DOWN, EXACT):,f}{CUT}"
    return f"{value:,.{min(max(decimals, own), EXACT_DECIMALS)}f}"


def _fixed(value: Decimal, places: int, separators: bool = False) -> str:
    """``value`` rounded to ``places`` (percentages, ratios, compact values: shown as
    approximations), or its scientific form when too big for any column."""
    if _too_big(value):
        return _scientific(value)
    return f"{value:,.{places}f}" if separators else f"{value:.{places}f}"


_INTEGER_PART = re.compile(rf"(?<![\w.,])\d{{4,{MAX_INTEGER_DIGITS}}}(?![\w,])")


def group_digits(text: str) -> str:
    """``price 150001000 crossed up`` -> ``price 150,001,000 crossed up``: the integer
    part of every number in a line of prose gets thousands separators (the digits after a
    point are left as they are; words and codes with digits in them are left alone)."""
    return _INTEGER_PART.sub(lambda m: f"{int(m.group()):,}", text)


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
    if price is None or not price.is_finite() or price <= 0:
        return 4
    magnitude = price.adjusted()  # floor(log10(price))
    return min(max(magnitude - 3, 0), MAX_DECIMALS)


def compact(value: Decimal | None, locale: str = "ko") -> str:
    """Compact money: ``1.2조``, ``3,456억``, ``10억``, ``12만`` (ko) or ``1.2T``, ``345.6B``
    (en). One decimal below 10 units (100 for 조), none above; a trailing ``.0`` and a
    sign on a value that rounds to zero are dropped."""
    if value is None:
        return "—"
    if _too_big(value):
        return _scientific(value)
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
    if _too_big(pct):
        return _scientific(pct) + "%"
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
    if _too_big(value):
        return _scientific(value)
    if abs(value) >= 1000:
        return compact(value, "en")
    if not value or value.adjusted() < -EXACT_DECIMALS:
        return fmt_exact(value)
    step = Decimal(1).scaleb(value.adjusted() - NOTIONAL_DIGITS + 1)
    return fmt_exact(value.quantize(step, ROUND_HALF_UP))


def fmt_clock(ts_ms: int) -> str:
    """Local wall time to the second: ``14:03:27`` (``--:--:--`` for a time no clock has)."""
    try:
        return time.strftime("%H:%M:%S", time.localtime(ts_ms / 1000))
    except (OverflowError, OSError, ValueError):
        return "--:--:--"


def shown_age(age: float, now: float) -> float:
    """``age`` (seconds, at Unix time ``now``) as of ``now``'s whole second: every age on
    the screen then changes in the same frame, once a second, not whenever a check runs."""
    return age - now % 1


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
    """``spread 1,000 (0.0007% 0.7bp)  mid 145,200,500``. The spread and the mid are exact
    (a mid between two ticks shows its extra digit, as :func:`fmt_price` shows every digit)."""
    try:
        spread = _SPREAD.subtract(ask, bid)
        mid = _SPREAD.multiply(_SPREAD.add(ask, bid), _HALF)
        positive = mid > 0
    except ArithmeticError:
        return "spread —"
    if not positive:
        return f"spread {fmt_price(spread, decimals)}"
    bps = spread / mid * 10000
    return (
        f"spread {fmt_price(spread, decimals)} ({_fixed(bps / 100, 4)}% {_fixed(bps, 2)}bp)"
        f"  mid {fmt_price(mid, decimals)}"
    )
