"""What the public sockets stream, given the watchlist and the selected market.

Policy: tickers for every watchlist market of a venue, plus its best bid and ask (a
one-level book on Upbit, whose tickers carry none); the full book and trades for the
selected market only. A market switch changes the subscription on the same socket (the worker
debounces and collapses changes), it never reconnects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mdtui.feed.worker import Subscription
from mdtui.model.events import split_key

VENUES = ("upbit", "korbit")


def subscriptions(
    watchlist: Iterable[str], selected: str | None, venues: Sequence[str] = VENUES
) -> dict[str, Subscription]:
    """The subscription each venue's public socket should have."""
    tickers: dict[str, list[str]] = {v: [] for v in venues}
    for key in watchlist:
        venue, market = split_key(key)
        if venue in tickers and market not in tickers[venue]:
            tickers[venue].append(market)
    out: dict[str, Subscription] = {}
    sel_venue, sel_market = split_key(selected) if selected else ("", "")
    for venue in venues:
        detail = [sel_market] if venue == sel_venue else []
        codes = tickers[venue]
        if detail and sel_market not in codes:
            codes = [*codes, sel_market]
        out[venue] = Subscription.of(tickers=codes, books=detail, trades=detail, tops=codes)
    return out
