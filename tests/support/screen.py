"""What the dashboard shows, read the way a user sees it, and the app-side waits."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mdtui.sim.frozen import FrozenMarket
from mdtui.ui.app import MdtuiApp
from mdtui.ui.widgets.lines import LinePane

from .waiting import wait_until

SIZE = (160, 48)
"""The terminal size of every dashboard test."""


def lines(pane: LinePane) -> list[str]:
    """The text of every line of ``pane``, top to bottom."""
    return [pane.render_line(y).text for y in range(pane.size.height)]


def status_text(app: MdtuiApp) -> str:
    """The status line as plain text."""
    return app.status.render().plain


def toasts(app: MdtuiApp) -> list[str]:
    """The notifications on screen, as ``title: message``."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def screen_text(app: MdtuiApp) -> str:
    """Everything on screen: the SVG export (toasts included), every pane's lines and the
    status line."""
    parts = [app.export_screenshot()]
    for pane in (app.board, app.ladder, app.tape, *app.private.panes.values()):
        parts += lines(pane)
    parts.append(status_text(app))
    return "\n".join(parts)


def ladder_prices(app: MdtuiApp) -> list[str]:
    """The price column of every level line the ladder renders."""
    out = []
    for text in lines(app.ladder):
        words = text.split()
        if words and words[0][0].isdigit():
            out.append(words[0])
    return out


async def ready(pilot: Any, app: MdtuiApp, timeout: float = 30.0) -> None:
    """Wait for every watchlist ticker, the selected book and both market lists (a loaded
    machine can take seconds to connect every feed; a fast one does not wait longer)."""
    await wait_ready(app, timeout)
    await pilot.pause()


async def settle(pilot: Any, app: MdtuiApp, quiet: float = 0.5) -> None:
    """Wait until the feed is quiet (see :func:`wait_quiet`), then a frame."""
    await wait_quiet(app, quiet)
    await pilot.pause()


async def caught_up(pilot: Any, app: MdtuiApp, timeout: float = 5.0) -> None:
    """Wait until the app has handled every message posted so far (toasts, for one) and
    then pushed the model to the panes once more: the sync point before asserting that
    something did *not* change, instead of sleeping a while."""
    handled: list[bool] = []
    app.call_later(handled.append, True)
    await wait_until(lambda: handled, timeout, "the app to handle its messages", pilot=pilot)
    ladder = app.ladder
    flushes: list[float] = []

    def counted(now: float) -> None:
        flushes.append(now)
        type(ladder).flush(ladder, now)

    ladder.flush = counted  # type: ignore[method-assign]
    try:
        await wait_until(lambda: flushes, timeout, "the next flush of the panes", pilot=pilot)
    finally:
        del ladder.flush


async def wait_ready(app: MdtuiApp, timeout: float = 8.0) -> None:
    """Wait until every watchlist ticker, the selected book, both market lists, every
    private feed and the trend column's closes of the rows on screen are in."""
    markets = app.shared.model.markets
    feeds = app.shared.model.feeds

    def private_live() -> bool:
        return all(
            (h := feeds.get((v, "private"))) is not None and h.state == "live"
            for v in app.feeds.private
        )

    def trends() -> bool:
        if app._sparks is None or not app.board.shows_spark:
            return True
        shown = [k for k in app.board.visible_keys() if app._listed(k)]
        return all(k in markets and markets[k].spark is not None for k in shown)

    def done() -> bool:
        tickers = all(k in markets and markets[k].ticker for k in app.watchlist)
        lists = app.shared.catalog.loaded >= {"upbit", "korbit"}
        return tickers and lists and app.ladder.book is not None and private_live() and trends()

    def seen() -> str:
        missing = [k for k in app.watchlist if not (k in markets and markets[k].ticker)]
        states = {k: (v.state, v.reason) for k, v in feeds.items()}
        return (
            f"the app to be ready; no ticker for {missing}; lists "
            f"{app.shared.catalog.loaded}; book {app.ladder.book is not None}; "
            f"private {private_live()}; trends {trends()}; feeds {states}"
        )

    await wait_until(done, timeout, seen)


async def demo_activity(app: MdtuiApp, market: FrozenMarket, timeout: float = 5.0) -> None:
    """:meth:`FrozenMarket.demo_activity` while the app watches, then wait until the
    account has the fill and the orders. (Callers clear the fill's toast before a
    screenshot: when it expires is not deterministic.)"""
    account = app.shared.account
    seq = account.fills_seq
    market.demo_activity()
    await wait_until(
        lambda: account.fills_seq != seq and len(account.resting_levels("upbit", "KRW-BTC")) >= 2,
        timeout,
        "the demo fill and orders to reach the app",
    )


async def wait_quiet(app: MdtuiApp, quiet: float = 0.5, timeout: float = 10.0) -> None:
    """Wait until no event reached the model for ``quiet`` seconds (any price flash has
    ended by then), so a screenshot is deterministic."""
    start = since = time.monotonic()
    seq = app.shared.model.seq
    while time.monotonic() - since < quiet:
        if time.monotonic() - start > timeout:
            raise AssertionError("the feed never went quiet")
        await asyncio.sleep(0.05)
        if app.shared.model.seq != seq:
            seq, since = app.shared.model.seq, time.monotonic()
