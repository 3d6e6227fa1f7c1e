"""The Upbit-Korbit gap against the simulator: the demo lists BTC, ETH, XRP ... on both
exchanges, so every row of the default watchlist has a gap; the column shows it, the sort
orders by it, the threshold highlights it, and the gap line of a coin whose twin is not on
the watchlist gets that twin's best bid and ask streamed."""

from __future__ import annotations

from decimal import Decimal as D

from mdtui.display import gap
from mdtui.display.format import fmt_pct, fmt_price
from mdtui.model.events import Ticker
from mdtui.ui.app import MdtuiApp, make_app
from mdtui.ui.widgets.gap_line import signed
from tests.support.screen import SIZE, lines, ready
from tests.support.waiting import wait_until
from tests.ui.test_gap import gap_cell


def ticker_of(app: MdtuiApp):
    def ticker(key: str) -> Ticker | None:
        state = app.shared.model.markets.get(key)
        return state.ticker if state is not None else None

    return ticker


def gaps_shown(app: MdtuiApp) -> str:
    """Empty when every watchlist row shows its coin's gap, as the model has it now, in the
    colour of its size (the selected row aside: the cursor colours it); else what differs."""
    twins, ticker = app.shared.twins(), ticker_of(app)
    palette = app.board.palette
    wrong = []
    for y, key in enumerate(app.board.order[: app.board.size.height - 1], start=1):
        pct = gap.gap_pct(key, twins, ticker)
        text, style = gap_cell(app, y)
        level = gap.level(pct, app.shared.gap_alert) if pct is not None else None
        if pct is None or text != fmt_pct(pct, gap.PLACES):
            wrong.append(f"{key}: {text!r} for {pct}")
        elif key != app.selected and style != palette.gap[level]:
            wrong.append(f"{key}: level {level} drawn {style}")
    return "; ".join(wrong)


async def test_every_coin_of_the_demo_watchlist_shows_its_gap_sorted_by_size(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert all(key in app.shared.twins() for key in app.watchlist)
        await wait_until(lambda: not gaps_shown(app), 10.0, lambda: gaps_shown(app), pilot=pilot)
        for _ in range(4):  # change, value, name, gap
            await pilot.press("s")
        assert app.board.sort == "gap" and "GAP%▼" in lines(app.board)[0]
        app.board._resort(force=True)
        twins, ticker = app.shared.twins(), ticker_of(app)
        sizes = [abs(gap.gap_pct(k, twins, ticker) or D(-1)) for k in app.board.order]
        assert sizes == sorted(sizes, reverse=True) and sizes[-1] >= 0
        # a coin's two rows have one gap, so they sort side by side
        first, second = app.board.order[:2]
        assert twins[first] == second


async def test_a_gap_beyond_the_threshold_is_highlighted(settings):
    # the demo's gaps are random: a threshold of a thousandth of a percent catches them all
    app = make_app(settings.model_copy(update={"gap_alert_pct": D("0.001")}))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_until(lambda: not gaps_shown(app), 10.0, lambda: gaps_shown(app), pilot=pilot)
        highlighted = app.board.palette.gap[3]
        styles = [gap_cell(app, y)[1] for y in range(2, len(app.watchlist) + 1)]
        assert styles.count(highlighted) >= len(styles) - 1, styles


def line_as_computed(app: MdtuiApp, pair: tuple[str, str]) -> str:
    """Empty when the gap line shows both exchanges' best bid and ask as the app has them
    now and the executable gap from them; else what it shows."""
    shown = lines(app._gap_line)
    tops = [app.shared.best_bid_ask(k) for k in pair]
    if None in (*tops[0], *tops[1]):
        return f"no best bid and ask yet: {tops}"
    decimals = max(
        app.shared.catalog.entry(k).price_decimals(app.shared.model.markets[k].last_price)
        for k in pair
    )
    routes = gap.routes(tops[0], tops[1])
    for row, (bid, ask), route in zip(shown, tops, routes, strict=True):
        words = row.split()
        if not (
            f"bid {fmt_price(bid, decimals)}" in row
            and f"ask {fmt_price(ask, decimals)}" in row
            and signed(route.diff, decimals) in words
            and fmt_pct(route.pct, gap.PLACES) in words
        ):
            return f"{shown} for {tops}"
    return ""


async def test_the_gap_line_streams_the_twins_best_bid_and_ask(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert "upbit:KRW-TRX" not in app.watchlist
        app.goto_market("korbit:trx_krw")  # its Upbit twin is not on the watchlist
        await wait_until(
            lambda: "KRW-TRX" in app.workers_by_venue["upbit"].streaming.tops,
            10.0,
            "Upbit's TRX best bid and ask streamed",
            pilot=pilot,
        )
        assert "KRW-TRX" not in app.workers_by_venue["upbit"].streaming.books
        pair = ("upbit:KRW-TRX", "korbit:trx_krw")
        await wait_until(
            lambda: not line_as_computed(app, pair),
            10.0,
            lambda: line_as_computed(app, pair),
            pilot=pilot,
        )
        assert lines(app._gap_line)[0].startswith(" TRX/KRW     Upbit ")
        # another coin selected: Upbit's TRX is back to a ticker for the GAP% column (TRX
        # is on the watchlist now), without its best bid and ask
        await pilot.press("home")
        await wait_until(
            lambda: "KRW-TRX" not in app.workers_by_venue["upbit"].streaming.tops,
            10.0,
            "Upbit's TRX no longer streamed",
            pilot=pilot,
        )


async def test_the_all_markets_board_of_one_exchange_streams_the_twins_for_the_gap(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("m", "e")  # every KRW market of Upbit only
        assert app.board.border_title.startswith("All markets · Upbit · KRW")
        twins = app.shared.twins()
        outside = [twins[k] for k in app._board_listed if k in twins]
        outside = [k for k in outside if k not in app.watchlist]
        assert "korbit:trx_krw" in outside

        def streamed() -> bool:
            wanted = app.workers_by_venue["korbit"].wanted
            return all(k.partition(":")[2] in wanted.tickers for k in outside)

        await wait_until(streamed, 10.0, "Korbit's twins streamed", pilot=pilot)
        await wait_until(
            lambda: gap.gap_pct("upbit:KRW-TRX", twins, ticker_of(app)) is not None,
            10.0,
            "the TRX gap",
            pilot=pilot,
        )


async def test_a_korbit_market_left_shows_its_tickers_bid_and_ask_not_its_old_book(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        app.select_market("korbit:btc_krw")
        state = app.shared.model.markets["korbit:btc_krw"]
        await wait_until(lambda: app.ladder.book is not None, 10.0, "Korbit's book", pilot=pilot)
        await pilot.press("home")  # Upbit BTC: Korbit's book is no longer streamed
        await wait_until(
            lambda: "btc_krw" not in app.workers_by_venue["korbit"].streaming.books,
            10.0,
            "Korbit's book unsubscribed",
            pilot=pilot,
        )
        old = state.book
        assert old is not None

        def moved() -> bool:
            t = state.ticker
            return t is not None and (t.best_bid, t.best_ask) != (old.bids[0][0], old.asks[0][0])

        await wait_until(moved, 15.0, "Korbit's best bid or ask to move", pilot=pilot)
        ticker = state.ticker
        assert app.shared.best_bid_ask("korbit:btc_krw") == (ticker.best_bid, ticker.best_ask)
