"""The real app against the real simulator over loopback: market switching by keys,
search, removal, themes, reconnect reporting, quitting offline, replay."""

from __future__ import annotations

import asyncio
import socket
import time
from decimal import Decimal as D

from mdtui.demo import point_at
from mdtui.display.format import fmt_price
from mdtui.feed.public_feeds import decoder_for, public_workers
from mdtui.feed.recorder import Recorder, read_capture
from mdtui.feed.worker import Subscription
from mdtui.model.events import Book, Ticker, split_key
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.feeds import Collector
from tests.support.screen import SIZE, ladder_prices, lines, ready, status_text
from tests.support.waiting import wait_until


def assert_shows(app: MdtuiApp, key: str) -> None:
    """The ladder and tape show ``key``'s own data, as the model has it."""
    venue, market = split_key(key)
    book = app.ladder.shown
    assert book is not None and (book.venue, book.market) == (venue, market)
    assert app.ladder.key == app.tape.key == key
    entry = app.shared.catalog.entry(key)
    decimals = entry.price_decimals(book.bids[0][0])
    best_bid = fmt_price(book.bids[0][0], decimals)
    best_ask = fmt_price(book.asks[0][0], decimals)
    prices = ladder_prices(app)
    n = app.ladder.levels_shown
    assert prices[n - 1] == best_ask and prices[n] == best_bid
    assert all((t.venue, t.market) == (venue, market) for t in app.tape.trades())


def on_ladder(app: MdtuiApp) -> bool:
    """The ladder's lines show a book of the selected market."""
    shown = app.ladder.shown
    return shown is not None and app.selected == f"{shown.venue}:{shown.market}"


async def switch(pilot, app: MdtuiApp, *keys: str) -> None:
    """Press ``keys``; wait until the new market's book is on screen (within a second)."""
    await pilot.press(*keys)
    await wait_until(
        lambda: app.ladder.book is not None,
        1.0,
        f"the {app.selected} book within a second",
        pilot=pilot,
    )
    await wait_until(lambda: on_ladder(app), 5.0, f"the {app.selected} book drawn", pilot=pilot)


async def test_keys_switch_market_without_reconnecting(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert app.board.order == app.watchlist and len(app.watchlist) >= 10
        assert {k.split(":")[0] for k in app.watchlist} == {"upbit", "korbit"}
        await wait_until(lambda: on_ladder(app), 5.0, "the BTC book drawn", pilot=pilot)
        assert_shows(app, "upbit:KRW-BTC")
        connects = {v: w.stats.connects for v, w in app.workers_by_venue.items()}

        await switch(pilot, app, "j")
        assert app.selected == "upbit:KRW-ETH"
        assert_shows(app, "upbit:KRW-ETH")
        await switch(pilot, app, "j", "j", "k")
        assert app.selected == "upbit:KRW-XRP"
        assert_shows(app, "upbit:KRW-XRP")
        await switch(pilot, app, "right_square_bracket")
        assert app.selected == "upbit:KRW-SOL"
        await wait_until(lambda: app.tape.trades(), 8.0, "SOL trades", pilot=pilot)
        assert_shows(app, "upbit:KRW-SOL")
        await switch(pilot, app, "end")
        assert app.selected == "korbit:usdt_krw"
        assert_shows(app, "korbit:usdt_krw")
        await switch(pilot, app, "right_square_bracket")
        assert app.selected == "upbit:KRW-BTC", "] wraps to the first market"
        await switch(pilot, app, "left_square_bracket")
        assert_shows(app, "korbit:usdt_krw")

        assert {v: w.stats.connects for v, w in app.workers_by_venue.items()} == connects
        upbit = app.workers_by_venue["upbit"].wanted
        assert upbit.books == upbit.trades == frozenset()
        korbit = app.workers_by_venue["korbit"].wanted
        assert korbit.books == korbit.trades == {"usdt_krw"}
        # a ticker for each watchlist market and for its coin's twin (the GAP% column)
        twins = app.shared.twins()
        streamed = {*app.watchlist, *(twins[k] for k in app.watchlist if k in twins)}
        assert len(upbit.tickers) + len(korbit.tickers) == len(streamed)


async def test_search_adds_and_selects_any_market(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"아발")
        await wait_until(
            lambda: type(app.screen).__name__ == "SearchScreen" and app.screen.keys,
            5.0,
            "search results",
            pilot=pilot,
        )
        screen = app.screen
        assert type(screen).__name__ == "SearchScreen"
        assert screen.keys[0] in ("upbit:KRW-AVAX", "korbit:avax_krw")
        await pilot.press("enter")
        key = app.selected
        assert key in ("upbit:KRW-AVAX", "korbit:avax_krw") and key in app.watchlist
        await wait_until(lambda: on_ladder(app), 8.0, "the AVAX book drawn", pilot=pilot)
        assert_shows(app, key)
        await wait_until(
            lambda: app.shared.model.markets[key].ticker, 8.0, "AVAX ticker", pilot=pilot
        )

        # the palette finds markets too (by English name), and Escape leaves all as it was
        await pilot.press("slash", *"ㄷㅈ", "escape")
        assert app.selected == key


async def test_remove_market(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await switch(pilot, app, "j")
        await pilot.press("d")
        assert "upbit:KRW-ETH" not in app.watchlist
        assert "upbit:KRW-ETH" not in app.board.order
        assert app.selected == "upbit:KRW-XRP"
        # the book arrives, then the next flush draws it: wait for the drawing
        await wait_until(lambda: on_ladder(app), 8.0, "the XRP book drawn", pilot=pilot)
        assert_shows(app, "upbit:KRW-XRP")

        # the supervisor paces subscription changes: the removal may follow the switch
        def eth_left_out() -> bool:
            wanted = app.workers_by_venue["upbit"].wanted
            return "KRW-ETH" not in wanted.tops and "KRW-ETH" not in wanted.books

        await wait_until(
            eth_left_out,
            5.0,
            "Upbit's ETH no longer a book or top",
            pilot=pilot,
        )
        upbit = app.workers_by_venue["upbit"].wanted
        # still a ticker, but only as the twin of Korbit's ETH (its GAP%); without that...
        assert "KRW-ETH" in upbit.tickers and "korbit:eth_krw" in app.watchlist
        await switch(pilot, app, "end")
        await pilot.press("k", "k", "k", "d")
        assert "korbit:eth_krw" not in app.watchlist
        await wait_until(
            lambda: "KRW-ETH" not in app.workers_by_venue["upbit"].wanted.tickers,
            5.0,
            "Upbit's ETH no longer streamed",
            pilot=pilot,
        )


async def test_theme_switch_live(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("t")
            await wait_until(lambda: app.theme != seen[-1], 5.0, "another theme", pilot=pilot)
            seen.append(app.theme)
        assert seen == ["mdtui-dark", "mdtui-light", "mdtui-contrast", "mdtui-dark"]
        assert app.ladder.palette.bid.color is not None


async def test_dropped_socket_is_reported_and_recovers(settings, live_sim):
    settings = settings.model_copy(update={"stale_after": 0.5})
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await live_sim.stop()
        await wait_until(
            lambda: "STALE" in (app.shared.stale.get("upbit") or ""),
            8.0,
            "stale banner",
            pilot=pilot,
        )
        await wait_until(
            lambda: "reconnecting (attempt" in (t := status_text(app)) and "STALE" in t,
            5.0,
            lambda: f"the status line to say so, not {status_text(app)!r}",
            pilot=pilot,
        )
        status = status_text(app)
        assert "reconnecting (attempt" in status and "STALE" in status, status
        await wait_until(lambda: "STALE" in lines(app.ladder)[0], 5.0, "banner", pilot=pilot)
        assert "STALE" in app.ladder.render_line(0).text


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_offline_shows_reconnecting_and_q_quits_at_once(base_settings):
    settings = point_at(base_settings, f"http://127.0.0.1:{closed_port()}")
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: "refused" in status_text(app),
            5.0,
            "the reason on the status line",
            pilot=pilot,
        )
        status = status_text(app)
        assert "Upbit public reconnecting (attempt " in status
        assert "Korbit public reconnecting (attempt " in status
        assert "no data yet" in app.ladder.render_line(0).text
        start = time.monotonic()
        await pilot.press("q")
        await wait_until(lambda: app._exit, 8.0, "exit", pilot=pilot)
        assert time.monotonic() - start < 3.0, "q must not wait for network timeouts"


async def test_replay_shows_exactly_the_captured_book(settings, tmp_path):
    path = tmp_path / "capture.jsonl"
    recorder = Recorder(path)
    live = Collector()
    workers = public_workers(settings, live, recorder)
    workers["upbit"].subscribe(Subscription.of(["KRW-BTC", "KRW-ETH"], ["KRW-ETH"], ["KRW-ETH"]))
    workers["korbit"].subscribe(Subscription.of(["btc_krw"], [], []))
    tasks = [asyncio.create_task(w.run()) for w in workers.values()]

    def captured() -> set[str]:
        """What the capture has so far: ``ticker key`` and ``book key`` entries."""
        kinds = {Book: "book", Ticker: "ticker"}
        return {
            f"{kinds[type(ev)]} {ev.venue}:{ev.market}" for ev in live.events if type(ev) in kinds
        }

    wanted = {"ticker upbit:KRW-BTC", "ticker upbit:KRW-ETH", "ticker korbit:btc_krw"}
    await wait_until(
        lambda: captured() >= {*wanted, "book upbit:KRW-ETH"} and len(live.events) > 20,
        10.0,
        lambda: f"a capture of three tickers and a book, not {sorted(captured())}",
    )
    for w in workers.values():
        w.stop()
    await asyncio.gather(*tasks)
    recorder.close()
    last_book = None
    for record in read_capture(path):
        for ev in decoder_for(record.venue, record.channel)(record.frame):  # type: ignore[misc]
            if isinstance(ev, Book) and ev.market == "KRW-ETH":
                last_book = ev
    assert last_book is not None

    app = make_app(settings, replay=path, speed=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: len(app.watchlist) == 3, 5.0, "the replayed markets", pilot=pilot)
        assert set(app.watchlist) == {"upbit:KRW-BTC", "upbit:KRW-ETH", "korbit:btc_krw"}
        await pilot.click("#board", offset=(10, 1 + app.board.order.index("upbit:KRW-ETH") + 1))
        assert app.selected == "upbit:KRW-ETH"
        await wait_until(lambda: app.ladder.shown == last_book, 5.0, "the last book", pilot=pilot)
        n = app.ladder.levels_shown
        rows = [app.ladder.render_line(y).text.split() for y in range(1, 2 * n + 2)]
        asks = [r for r in rows[:n]][::-1]
        bids = rows[n + 1 :]
        for (price, size), row in zip(last_book.asks[:n], asks, strict=True):
            assert row[0] == f"{price:,.0f}" and D(row[1].replace(",", "")) == size
        for (price, size), row in zip(last_book.bids[:n], bids, strict=True):
            assert row[0] == f"{price:,.0f}" and D(row[1].replace(",", "")) == size
        # every digit, the column aligned: all sizes with as many decimals
        assert len({len(row[1].partition(".")[2]) for row in asks + bids}) == 1
