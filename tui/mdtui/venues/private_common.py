"""Helpers shared by the private-side codecs (``upbit_private``, ``korbit_private``).

Exact Decimal arithmetic, the average-price rule, ISO-8601 times to ms and the REST parse
error. (The range every number must be in: :mod:`mdtui.venues.ranges`.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Literal, NamedTuple, TypeVar

import msgspec

from mdtui.venues.frames import preview

_T = TypeVar("_T")

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""No rounding: products and sums of exchange decimals stay exact (out of range still traps)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class BadBody(ValueError):
    """A REST reply body that is not of the documented shape."""


RAW_ROWS = msgspec.json.Decoder(list[msgspec.Raw])
"""A REST list decoded row by row, so one bad row cannot sink the others."""


def each_row(
    rows: list[msgspec.Raw],
    convert: Callable[[msgspec.Raw], _T],
    what: str,
    skipped: list[str] | None,
) -> list[_T]:
    """``convert`` every raw row of a REST list. A row that fails raises :class:`BadBody`,
    or, when ``skipped`` is given, is described there and left out: a seed bends (the
    caller counts and logs each one), it does not break."""
    out = []
    for raw in rows:
        try:
            out.append(convert(raw))
        except (msgspec.ValidationError, ArithmeticError, ValueError) as exc:
            reason = f"{what}: {exc} in {preview(bytes(raw))[:80]!r}"
            if skipped is None:
                raise BadBody(reason) from None
            skipped.append(reason)
    return out


ProblemKind = Literal["key", "expired", "permission", "ip", "clock", "retry"]


class AuthProblem(NamedTuple):
    """What an authentication error means for the user.

    ``kind``: ``key`` (missing, unknown or wrong key/secret), ``expired``, ``permission``
    (the key lacks a scope), ``ip`` (not on the key's allowlist), ``clock`` (request time
    outside the server's window: resync and retry once), ``retry`` (transient). All but
    ``clock`` and ``retry`` need the user to act: back off, do not retry in a loop.
    ``hint`` is one sentence naming the exchange and what to do.
    """

    kind: ProblemKind
    hint: str


def mul(a: Decimal, b: Decimal) -> Decimal:
    """``a * b`` without rounding."""
    return EXACT.multiply(a, b)


def sub(a: Decimal, b: Decimal) -> Decimal:
    """``a - b`` without rounding."""
    return EXACT.subtract(a, b)


def add(a: Decimal, b: Decimal) -> Decimal:
    """``a + b`` without rounding."""
    return EXACT.add(a, b)


def average_price(sent: Decimal | None, filled: Decimal, value: Decimal | None) -> Decimal | None:
    """The average fill price of an order, one rule for both exchanges and for stream and
    REST alike: the exchange's own figure (``sent``) when it gives one, else the executed
    quote ``value`` over the ``filled`` quantity (28 significant digits: a display value);
    None while nothing is filled or neither is known (a zero value is not known)."""
    if not filled:
        return None
    if sent is not None:
        return sent
    if value:
        return value / filled
    return None


def iso_ms(text: str) -> int:
    """Unix ms of an ISO-8601 time (``2025-07-04T15:00:00+09:00``, ``…Z``, fractions).

    A time without an offset is taken as UTC. Raises ValueError when it does not parse.
    """
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _MS
