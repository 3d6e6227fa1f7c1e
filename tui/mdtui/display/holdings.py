"""Which markets value the user's holdings: per currency held, the first pricing route
(:func:`mdtui.model.account.pricing_routes`) whose markets the exchange lists. The
dashboard streams their tickers, so every balance has a price without being on the
watchlist."""

from __future__ import annotations

from collections.abc import Iterable

from mdtui.display.catalog import Catalog
from mdtui.model.account import pricing_routes
from mdtui.model.events import Balance, market_key


def pricing_markets(balances: Iterable[Balance], catalog: Catalog, home: str) -> list[str]:
    """Market keys (``upbit:KRW-BTC``) whose last prices value ``balances`` in ``home``.
    Before a venue's market list is loaded, the direct market is assumed listed."""
    out: dict[str, None] = {}
    for b in balances:
        if not b.total:
            continue
        for route in pricing_routes(b.venue, b.currency, home):
            keys = [market_key(b.venue, market) for market in route]
            if b.venue not in catalog.loaded or all(
                (e := catalog.entries.get(k)) is not None and e.info is not None for k in keys
            ):
                out.update(dict.fromkeys(keys))
                break
    return list(out)
