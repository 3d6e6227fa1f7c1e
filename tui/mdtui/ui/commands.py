"""Command palette (ctrl+p): symbol search over every market of both exchanges.

Choosing a market adds it to the watchlist (when it is not there yet) and selects it,
exactly like the ``/`` search.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mdtui.display.catalog import VENUE_LABEL, Entry

if TYPE_CHECKING:
    from mdtui.ui.app import MdtuiApp


def describe(entry: Entry) -> str:
    """``BTC/KRW  비트코인 · Bitcoin  (Upbit)``: one line for a list or the palette."""
    names = " · ".join(n for n in (entry.korean, entry.english) if n)
    return f"{entry.symbol}  {names}  ({VENUE_LABEL.get(entry.venue, entry.venue)})"


class MarketCommands(Provider):
    """Go to a market: fuzzy match on symbol, code, Korean or English name."""

    @property
    def mdtui(self) -> MdtuiApp:
        return cast("MdtuiApp", self.app)

    async def discover(self) -> Hits:
        app = self.mdtui
        for key in app.watchlist:
            entry = app.shared.catalog.entry(key)
            yield DiscoveryHit(
                f"Go to {describe(entry)}",
                partial(app.goto_market, key),
                help="select this watchlist market",
            )

    async def search(self, query: str) -> Hits:
        app = self.mdtui
        matcher = self.matcher(query)
        for score, entry in app.shared.catalog.search(query, limit=30):
            text = f"Go to {describe(entry)}"
            where = "in the watchlist" if entry.key in app.watchlist else "add to the watchlist"
            yield Hit(
                min(score / 100, 1.0),
                matcher.highlight(text),
                partial(app.goto_market, entry.key),
                text=text,
                help=f"{entry.market} · {where}",
            )
