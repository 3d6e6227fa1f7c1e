"""What the public sockets stream, given what the user looks at.

The dashboard's policy: tickers for every watchlist market of a venue, plus its best bid and
ask (a one-level book on Upbit, whose tickers carry none); the full book and trades for the
selected market only, and the ticker and best bid and ask of the selected coin's twin on the
other exchange (for the executable gap); and for the chart's market, Upbit's candle stream
of its interval, or its trades where trades build the candles (Korbit, Upbit 1d). A market
switch changes the subscription on the same socket (the supervisor paces changes, the worker
collapses them), it never reconnects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mdtui.model.events import split_key
from mdtui.venues.subscription import Subscription
from mdtui.venues.upbit_candles import STREAM_TYPES

VENUES = ("upbit", "korbit")


def by_venue(markets: Iterable[str]) -> dict[str, list[str]]:
    """``["upbit:KRW-BTC", "korbit:btc_krw"]`` -> ``{"upbit": ["KRW-BTC"], ...}``."""
    out: dict[str, list[str]] = {}
    for key in markets:
        venue, market = split_key(key)
        out.setdefault(venue, []).append(market)
    return out


def dashboard_subscriptions(
    watchlist: Iterable[str],
    selected: str | None,
    venues: Sequence[str] = VENUES,
    board: Iterable[str] = (),
    twin: str | None = None,
    chart: tuple[str, str] | None = None,
) -> dict[str, Subscription]:
    """The subscription each venue's public socket should have. ``board``: the markets of
    the all-markets board, streamed as tickers only (no best bid and ask), in the same one
    subscription per venue. ``twin``: the selected coin's market on the other exchange,
    streamed like a watchlist market (ticker, best bid and ask). ``chart``: the chart's
    (market key, interval)."""
    tickers: dict[str, list[str]] = {v: [] for v in venues}
    tops: dict[str, list[str]] = {v: [] for v in venues}
    for key in [*watchlist, twin] if twin else watchlist:
        venue, market = split_key(key)
        if venue in tickers and market not in tickers[venue]:
            tickers[venue].append(market)
            tops[venue].append(market)
    for key in board:
        venue, market = split_key(key)
        if venue in tickers and market not in tickers[venue]:
            tickers[venue].append(market)
    out: dict[str, Subscription] = {}
    sel_venue, sel_market = split_key(selected) if selected else ("", "")
    for venue in venues:
        detail = [sel_market] if venue == sel_venue else []
        codes, top = tickers[venue], tops[venue]
        if detail and sel_market not in codes:
            codes = [*codes, sel_market]
        if detail and sel_market not in top:
            top = [*top, sel_market]
        out[venue] = Subscription.of(tickers=codes, books=detail, trades=detail, tops=top)
    if chart is not None:
        chart_venue, chart_market = split_key(chart[0])
        wanted = out.get(chart_venue)
        if wanted is not None:
            if chart_venue == "upbit" and chart[1] in STREAM_TYPES:
                extra = Subscription.of(candles=[(chart[1], chart_market)])
            else:
                extra = Subscription.of(trades=[chart_market])
            out[chart_venue] = Subscription(
                wanted.tickers,
                wanted.books,
                wanted.trades | extra.trades,
                wanted.tops,
                extra.candles,
            )
    return out
