"""What an exchange can send: the range of every number the codecs accept.

A number outside its field's range is nothing an exchange trades at (``1e999999``, ``-1``,
sixty digits): the codec raises :class:`OutOfRange`, the decode guard turns it into a
counted :class:`~mdtui.model.events.Malformed` event whose reason names the kind of field
and the value, and the frame is skipped like any malformed frame. Everything after the
codecs (the model, the panes' arithmetic and formatting) so works on numbers of bounded
size. One table for both exchanges, public and private frames and REST rows alike.

Every decimal must be finite, with at most :data:`MAX_DECIMALS` places after the point
(trailing zeros aside), and within its kind's range:

=========== ===================== ======================================================
kind        range                 fields
=========== ===================== ======================================================
PRICE       0 < x < 10^15         last and trade prices, book levels, order and fill prices
REFERENCE   0 <= x < 10^15        open, high, low, previous close, best bid and ask (0: none),
                                  average prices
SIZE        0 <= x < 10^18        book, trade, order and fill sizes, 24 h volume, balances
VALUE       0 <= x < 10^21        24 h traded value, order amounts, executed funds
CHANGE      -10^15 < x < 10^15    signed change since the previous close
RATE        -10^9 < x < 10^9      change rate or percent
FEE         -10^21 < x < 10^21    fees (a maker rebate may be negative)
TIME        2010-01-01 to 2100    Unix milliseconds (years 2010 to 2099, UTC)
=========== ===================== ======================================================

Why these bounds: KRW prices top out near 10^9 (BTC at about 1.5 x 10^8) and the Global
exchanges' IDR quotes are about ten times that, so 10^15 leaves a wide margin; sizes and
values get three and six orders of magnitude more (a meme coin's 24 h volume, a KRW
market's 24 h value near 10^12). Upbit sends up to 20 decimals in accumulated values
(``docs/protocols.md``: ``1386929.37231066771348207123``), prices and sizes at most 8 to 10;
30 allows all of them. Neither exchange existed before 2010.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal, Inexact, InvalidOperation
from typing import Literal

from mdtui.model.events import Candle
from mdtui.venues.frames import BadFrame, BadNumber

MAX_DECIMALS = 30
"""Most places after the decimal point (trailing zeros aside) any accepted number has."""

Sign = Literal["positive", "non-negative", "signed"]

_PLACES = Decimal(1).scaleb(-MAX_DECIMALS)
_ZERO = Decimal(0)


class OutOfRange(BadNumber):
    """A number outside what an exchange can send; the message is the Malformed reason."""


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


class DecimalRange:
    """Decimals with at most :data:`MAX_DECIMALS` places and ``|x| < 10**digits``, and
    ``x > 0`` (``positive``), ``x >= 0`` (the default) or either sign (``signed``)."""

    __slots__ = ("_quantize", "_rule", "_sign", "name")

    def __init__(self, name: str, digits: int, *, sign: Sign = "non-negative") -> None:
        self.name = name
        # Quantizing to MAX_DECIMALS places with room for `digits` more digits is exact
        # (no Inexact) only with few enough places, and fits the precision (no
        # InvalidOperation) only below 10**digits; it also rejects infinities.
        context = Context(prec=digits + MAX_DECIMALS, traps=[Inexact, InvalidOperation])
        self._quantize = context.quantize
        self._sign = sign
        low = {"positive": "0 < ", "non-negative": "0 <= ", "signed": f"-1E+{digits} < "}[sign]
        self._rule = f"{low}{name} < 1E+{digits}, at most {MAX_DECIMALS} decimals"

    def fits(self, value: Decimal) -> bool:
        """Whether ``value`` is in the range (NaN never is)."""
        try:
            self._quantize(value, _PLACES)
            # An order comparison with NaN is False, or raises InvalidOperation.
            if self._sign == "positive":
                return value > _ZERO
            if self._sign == "non-negative":
                return value >= _ZERO
            return not value.is_nan()
        except ArithmeticError:
            return False

    def check(self, *values: Decimal | None) -> None:
        """Raise :class:`OutOfRange` for the first of ``values`` outside the range (None,
        a field the exchange left out, is skipped)."""
        for value in values:
            if value is not None and not self.fits(value):
                raise OutOfRange(f"{self.name} out of range: {_shown(value)} ({self._rule})")


def _unix_ms(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) * 1000


class TimeRange:
    """Unix milliseconds from the start of ``first`` to the start of ``end`` (UTC)."""

    __slots__ = ("high", "low")

    def __init__(self, first: int, end: int) -> None:
        self.low = _unix_ms(first)
        self.high = _unix_ms(end)

    def check(self, *values: int | None) -> None:
        """Raise :class:`OutOfRange` for the first of ``values`` outside the range (None
        is skipped)."""
        for value in values:
            if value is not None and not self.low <= value < self.high:
                raise OutOfRange(
                    f"time out of range: {_shown(value)} (Unix ms, {self.low} to {self.high})"
                )

    def check_given(self, *values: int | None) -> None:
        """:meth:`check` for optional times, where 0 too means "not given" (Korbit sends
        ``lastFilledAt: 0`` for an order without fills)."""
        self.check(*(v or None for v in values))


PRICE = DecimalRange("price", 15, sign="positive")
REFERENCE = DecimalRange("price", 15)
SIZE = DecimalRange("size", 18)
VALUE = DecimalRange("value", 21)
CHANGE = DecimalRange("change", 15, sign="signed")
RATE = DecimalRange("rate", 9, sign="signed")
FEE = DecimalRange("fee", 21, sign="signed")
TIME = TimeRange(2010, 2100)


def check_candle(candle: Candle) -> Candle:
    """``candle`` if its numbers are in range (prices :data:`PRICE`, volume :data:`SIZE`,
    value :data:`VALUE`, times :data:`TIME`) and consistent (open and close within low and
    high); raises otherwise. One rule for every candle an exchange reports."""
    PRICE.check(candle.open, candle.high, candle.low, candle.close)
    SIZE.check(candle.volume)
    VALUE.check(candle.value)
    TIME.check(candle.start, candle.ts)
    low, high = candle.low, candle.high
    if not (low <= candle.open <= high and low <= candle.close <= high):
        raise BadFrame(
            f"candle open {candle.open} or close {candle.close} outside low {low} .. high {high}"
        )
    return candle
