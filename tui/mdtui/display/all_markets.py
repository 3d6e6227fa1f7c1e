"""The all-markets board's rows: every listed market of one quote currency on Upbit, Korbit
or both, narrowed by typed text and sorted like the exchange apps' market lists (traded
value, change, name, or the Upbit-Korbit gap of coins listed on both).

Pure Python over the catalog and the market store; the board widget only paints the rows
this module picks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from mdtui.display.catalog import Catalog, Entry, score
from mdtui.display.gap import gap_pct
from mdtui.model.events import Ticker

EXCHANGES = ("both", "upbit", "korbit")
"""What the board lists, in the order its key cycles through."""
SORTS = ("value", "change", "name", "gap")
"""The all-markets board's sorts; traded value first, as in the exchange apps."""
QUOTE_ORDER = ("KRW", "BTC", "USDT")
"""Quote currencies first in this order, then any other alphabetically."""

TickerOf = Callable[[str], Ticker | None]


@dataclass(frozen=True, slots=True)
class View:
    """Which markets the all-markets board lists."""

    exchange: str = "both"
    quote: str = "KRW"
    text: str = ""
    """Typed filter (symbol, Korean or English name, 초성); empty: no filter."""

    def next_exchange(self) -> View:
        return replace(self, exchange=EXCHANGES[(EXCHANGES.index(self.exchange) + 1) % 3])

    def next_quote(self, quotes: Sequence[str]) -> View:
        if not quotes:
            return self
        index = quotes.index(self.quote) + 1 if self.quote in quotes else 0
        return replace(self, quote=quotes[index % len(quotes)])

    def label(self) -> str:
        """``Upbit+Korbit · KRW``."""
        where = {"both": "Upbit+Korbit", "upbit": "Upbit", "korbit": "Korbit"}[self.exchange]
        return f"{where} · {self.quote}"


def _wanted(entry: Entry, exchange: str) -> bool:
    return (
        entry.info is not None
        and entry.info.active
        and (exchange == "both" or entry.venue == exchange)
    )


def quotes(catalog: Catalog, exchange: str = "both") -> list[str]:
    """The quote currencies of the listed markets, KRW, BTC and USDT first."""
    found = {e.quote for e in catalog.entries.values() if _wanted(e, exchange) and e.quote}
    first = [q for q in QUOTE_ORDER if q in found]
    return first + sorted(found - set(first))


def listed(catalog: Catalog, view: View) -> list[str]:
    """Every listed, trading market of ``view``'s exchange(s) and quote (the text filter
    not applied: this is what the board streams)."""
    return [
        key
        for key, entry in catalog.entries.items()
        if entry.quote == view.quote and _wanted(entry, view.exchange)
    ]


def matching(catalog: Catalog, keys: Sequence[str], text: str) -> list[str]:
    """``keys`` whose market matches the typed ``text`` (all of them for no text)."""
    if not text.strip():
        return list(keys)
    return [k for k in keys if score(text, catalog.entry(k)) > 0]


def sort_rows(
    keys: Sequence[str],
    sort: str,
    catalog: Catalog,
    ticker: TickerOf,
    names: str,
    twin: Mapping[str, str],
) -> list[str]:
    """``keys`` in ``sort`` order: value, change and gap descending (the gap by size, either
    way: see :mod:`mdtui.display.gap`), name ascending; markets without data last, in
    listing order. ``twin``: :func:`mdtui.display.gap.twins`."""
    if sort == "name":
        return sorted(keys, key=lambda k: catalog.entry(k).name(names).casefold())

    def value(key: str) -> Decimal | None:
        t = ticker(key)
        if sort == "gap":
            gap = gap_pct(key, twin, ticker)
            return abs(gap) if gap is not None else None
        if t is None:
            return None
        return t.change_pct if sort == "change" else t.value_24h

    values = {k: value(k) for k in keys}
    known = [k for k in keys if values[k] is not None]
    known.sort(key=lambda k: values[k], reverse=True)  # type: ignore[arg-type,return-value]
    return known + [k for k in keys if values[k] is None]
