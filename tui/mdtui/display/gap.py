"""The Upbit-Korbit gap of a coin listed on both exchanges in the same quote.

The gap is Korbit's last price against Upbit's, in percent (``+0.25%``: Korbit is dearer);
a coin has one gap, shown alike on its Upbit and its Korbit row. Its colour grows warmer
with its size (:func:`level`), up to a highlight at the ``gap_alert_pct`` setting. The
executable gap (:func:`routes`) is what crossing both books would give: buy at one
exchange's best ask, sell at the other's best bid.

Pure Python. A difference of two prices is exact; a percentage is one division of exact
numbers (28 significant digits), rounded only where it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from mdtui.display.catalog import Catalog
from mdtui.model.events import Ticker, split_key
from mdtui.venues.private_common import EXACT

UPBIT, KORBIT = "upbit", "korbit"
LEVELS = 4
"""Colour levels: 0 quiet, 1 mild, 2 warm, 3 at or beyond the alert threshold."""
QUIET_SHARE = Decimal("0.1")
"""A gap below this share of the alert threshold is quiet (neutral): 0.1% at the default 1%."""
WARM_SHARE = Decimal("0.5")
"""A gap from this share of the alert threshold up is warm: 0.5% at the default 1%."""

PLACES = 2
"""Decimals a gap is shown with (``+0.25%``)."""
_SHOWN = Decimal(1).scaleb(-PLACES)

TickerOf = Callable[[str], Ticker | None]
BidAsk = tuple[Decimal | None, Decimal | None]
"""A market's best bid and best ask (either may be unknown)."""


def twins(catalog: Catalog) -> dict[str, str]:
    """Each trading market listed on both exchanges (same base, same quote) -> its twin's
    key on the other exchange. A coin quoted differently (Upbit ``BTC-ETH``, Korbit
    ``eth_krw``) has no twin: prices in two quotes are never compared. Where an exchange's
    list is not in (a replay has none), its markets the app knows by code count as listed."""
    by_pair: dict[tuple[str, str], dict[str, str]] = {}
    for key, entry in catalog.entries.items():
        known = entry.info.active if entry.info is not None else entry.venue not in catalog.loaded
        if known:
            by_pair.setdefault((entry.base, entry.quote), {})[entry.venue] = key
    out: dict[str, str] = {}
    for venues in by_pair.values():
        if UPBIT in venues and KORBIT in venues:
            out[venues[UPBIT]] = venues[KORBIT]
            out[venues[KORBIT]] = venues[UPBIT]
    return out


def upbit_korbit(key: str, twin: Mapping[str, str]) -> tuple[str, str] | None:
    """``key`` and its twin as (Upbit key, Korbit key); None for a coin on one exchange."""
    other = twin.get(key)
    if other is None:
        return None
    return (key, other) if split_key(key)[0] == UPBIT else (other, key)


def premium(korbit: Decimal, upbit: Decimal) -> Decimal | None:
    """``korbit`` above (+) or below (-) ``upbit``, in percent of ``upbit``; None when
    ``upbit`` is not a positive price."""
    if upbit <= 0:
        return None
    return EXACT.multiply(EXACT.subtract(korbit, upbit), 100) / upbit


def gap_pct(key: str, twin: Mapping[str, str], ticker: TickerOf) -> Decimal | None:
    """The gap of ``key``'s coin, Korbit's last price against Upbit's, in percent (the same
    for its Upbit and its Korbit market); None for a coin on one exchange or without both
    prices."""
    pair = upbit_korbit(key, twin)
    if pair is None:
        return None
    upbit, korbit = ticker(pair[0]), ticker(pair[1])
    if upbit is None or korbit is None:
        return None
    return premium(korbit.last, upbit.last)


def level(gap: Decimal, alert: Decimal) -> int:
    """How loud a gap of ``gap`` percent (either way) is drawn, given the alert threshold
    ``alert``: 0 quiet (below a tenth of it), 1 mild, 2 warm (from half of it), 3 alert
    (at or beyond it). Decided on the gap as shown (:data:`PLACES`), so a gap shown as
    ``+1.00%`` is highlighted at a threshold of 1%."""
    size = abs(gap)
    if size < alert:  # then small enough to round (alert <= 100)
        size = size.quantize(_SHOWN, ROUND_HALF_EVEN)
    if size >= alert:
        return 3
    if size >= alert * WARM_SHARE:
        return 2
    return 1 if size >= alert * QUIET_SHARE else 0


@dataclass(frozen=True, slots=True)
class Route:
    """Buy on ``buy_venue`` at its best ask, sell on ``sell_venue`` at its best bid."""

    buy_venue: str
    sell_venue: str
    buy_at: Decimal | None
    sell_at: Decimal | None

    @property
    def diff(self) -> Decimal | None:
        """What one coin earns (+) or costs (-) going this way, in the quote currency;
        exact. None while either price is unknown."""
        if self.buy_at is None or self.sell_at is None:
            return None
        return EXACT.subtract(self.sell_at, self.buy_at)

    @property
    def pct(self) -> Decimal | None:
        """:attr:`diff` in percent of the buying price."""
        if self.buy_at is None or self.sell_at is None:
            return None
        return premium(self.sell_at, self.buy_at)


def routes(upbit: BidAsk, korbit: BidAsk) -> tuple[Route, Route]:
    """Both ways across the two books, from each exchange's (best bid, best ask): buy on
    Upbit and sell on Korbit, then buy on Korbit and sell on Upbit."""
    return (
        Route(UPBIT, KORBIT, upbit[1], korbit[0]),
        Route(KORBIT, UPBIT, korbit[1], upbit[0]),
    )
