"""The chart pane in the dashboard (Pilot): the chart key, the interval, zoom and scroll
keys, following the selected market, the stale mark, redraws, and where it goes on short
and narrow screens."""

from __future__ import annotations

import time

from mdtui.display.shared_state import ChartWant
from mdtui.model.candles import bucket_start
from mdtui.model.events import FeedState
from mdtui.ui.widgets.chart import ChartPane
from tests.support.candles import walk
from tests.support.events import NOW, T0, book, feed, fill, order, ticker, trade
from tests.support.screen import SIZE, lines
from tests.support.waiting import wait_until
from tests.ui.test_layout import app_for, on_screen

BTC = "upbit:KRW-BTC"
LAST = bucket_start(T0, "1m")


def fill_series(app, key: str = BTC, interval: str = "1m", count: int = 150, seed: int = 1):
    venue, _, market = key.partition(":")
    price, tick = ("145200000", "1000") if "BTC" in market.upper() else ("5120000", "1000")
    end = bucket_start(T0, interval)
    candles = walk(venue, market, interval, end, count, price, tick, seed)
    app.shared.model.market(venue, market).candle_series(interval).put_many(candles)
    return candles


def chart(app) -> ChartPane:
    return app.screen.query_one(ChartPane)


def chart_text(app) -> str:
    return "\n".join(lines(chart(app)))


async def shown(pilot, app, text: str, what: str) -> None:
    await wait_until(lambda: text in chart_text(app), 5.0, what, pilot=pilot)


def fed(app) -> None:
    feed(
        app,
        [
            ticker("upbit", "KRW-BTC", "145200000", "0.01"),
            book("upbit", "KRW-BTC", "145200000", "1000"),
            trade("upbit", "KRW-BTC", "145200000", "0.5", "buy", 1),
        ],
    )


async def test_the_chart_key_puts_the_chart_in_place_of_the_tape_and_back(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        assert app.shared.chart is None and not on_screen(app, chart(app))
        await pilot.press("c")
        assert on_screen(app, chart(app)) and on_screen(app, app.ladder)
        assert not on_screen(app, app.tape)
        assert app.shared.chart == ChartWant(BTC, "1m")
        await shown(pilot, app, "loading BTC/KRW 1m candles…", "loading")
        candles = fill_series(app)
        last = f"{candles[-1].close:,}"
        await shown(pilot, app, last, "the last price on the axis")
        assert "Chart · BTC/KRW · Upbit · 1m" in str(chart(app).border_title)
        await pilot.press("c")
        assert on_screen(app, app.tape) and not on_screen(app, chart(app))
        assert app.shared.chart is None


async def test_interval_keys_switch_the_series_and_work_only_while_the_chart_is_shown(
    base_settings,
):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        fill_series(app, interval="1m")
        await pilot.press("3")  # chart hidden: not the chart's key
        assert chart(app).interval == "1m" and app.shared.chart is None
        await pilot.press("c", "3")
        assert app.shared.chart == ChartWant(BTC, "5m")
        await shown(pilot, app, "loading BTC/KRW 5m candles…", "5m loading (only 1m held)")
        five = fill_series(app, interval="5m", seed=2)
        await shown(pilot, app, f"{five[-1].close:,}", "5m candles")
        for key, name in zip("1234567", ("1s", "1m", "5m", "15m", "1h", "4h", "1d"), strict=True):
            await pilot.press(key)
            assert app.shared.chart == ChartWant(BTC, name)
            assert f"· {name}" in str(chart(app).border_title)


async def test_a_market_switch_says_loading_and_never_shows_the_other_market(base_settings):
    settings = base_settings.model_copy(update={"watchlist": [BTC, "upbit:KRW-ETH"]})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        feed(app, [ticker("upbit", "KRW-ETH", "5120000", "1000")])
        candles = fill_series(app)
        await pilot.press("c")
        await shown(pilot, app, f"{candles[-1].close:,}", "BTC's chart")
        await pilot.press("right_square_bracket")
        assert app.selected == "upbit:KRW-ETH"
        assert app.shared.chart == ChartWant("upbit:KRW-ETH", "1m")
        await shown(pilot, app, "loading ETH/KRW 1m candles…", "ETH loading")
        assert "145," not in chart_text(app)  # nothing of BTC's chart
        eth = fill_series(app, "upbit:KRW-ETH")
        await shown(pilot, app, f"{eth[-1].close:,}", "ETH's chart")
        assert "145," not in chart_text(app)


async def test_the_chart_is_marked_stale_with_its_feed(base_settings):
    settings = base_settings.model_copy(update={"stale_after": 2.0})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app,
            [trade("upbit", "KRW-BTC", "145200000", "0.001", "buy", 1)],
            now_ms=int(NOW * 1000) - 9000,
        )
        fill_series(app)
        await pilot.press("c")
        app.shared.model.apply(
            [FeedState("upbit", "public", "reconnecting", 3, "connection refused")], 0
        )
        await shown(pilot, app, "STALE 9.0s · upbit reconnecting", "the stale banner")
        pane = chart(app)
        stale = pane.palette.stale.color
        body = [
            s for y in range(2, pane.size.height) for s in pane.render_line(y) if s.text.strip()
        ]
        assert body and all(seg.style.color == stale for seg in body)


async def test_own_orders_are_lines_and_fills_marks(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        candles = fill_series(app)
        low = min(c.low for c in candles[-60:])
        price = str(low + 5000)
        app.shared.account.apply(
            [
                order("upbit", "KRW-BTC", "o1", "buy", price, "0.01"),
                fill(
                    "upbit",
                    "KRW-BTC",
                    "o2",
                    "f1",
                    "sell",
                    str(candles[-2].high),
                    "0.01",
                    ts=candles[-2].start + 10,
                ),
            ]
        )
        await pilot.press("c")
        await shown(pilot, app, f"B {int(price):,} ╌", "the order's line")
        text = lines(chart(app))
        assert "▼" in "\n".join(text)


async def test_new_candles_redraw_at_most_a_few_times_a_second(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        candles = fill_series(app)
        await pilot.press("c")
        pane = chart(app)
        await shown(pilot, app, f"{candles[-1].close:,}", "the chart")
        series = app.shared.model.market("upbit", "KRW-BTC").candle_series("1m")
        last = candles[-1]
        # Explicit flush times past the app's own (no await in between, so its 30 Hz
        # timer cannot interleave).
        base = time.monotonic() + 100
        series.add_trade(last.close + 1000, last.volume, last.ts + 1)
        pane.flush(base)
        drawn = pane.chart
        pane.flush(base + 0.1)
        assert pane.chart is drawn  # nothing changed: no new layout
        series.add_trade(last.close + 7000, last.volume, last.ts + 2)
        pane.flush(base + 0.2)
        assert pane.chart is drawn  # too soon after the last layout
        pane.flush(base + 0.3)
        assert pane.chart is not drawn
        assert f"{candles[-1].close + 7000:,}" in "\n".join(lines(pane))


async def test_zoom_and_scroll_keys_and_older_history_on_demand(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        candles = fill_series(app, count=300)
        await pilot.press("c")
        pane = chart(app)
        await shown(pilot, app, f"{candles[-1].close:,}", "the chart")
        assert pane.chart is not None
        bars = pane.chart.bars
        await pilot.press("minus")
        assert pane.chart.bars == bars and "2 per column" in str(pane.border_title)
        await pilot.press("equals_sign", "equals_sign")
        assert pane.chart.bars < bars / 1.5 and "x2" in str(pane.border_title)
        await pilot.press("minus")  # back to one column per candle
        await pilot.press("comma")
        assert pane.back > 0 and pane.chart.oldest < candles[-bars].start
        assert f"C {candles[-1 - pane.back].close:,}" in lines(pane)[0]
        await pilot.press("full_stop")
        assert pane.back == 0
        for _ in range(12):
            await pilot.press("comma")
        assert pane.chart.at_oldest and pane.chart.oldest == candles[0].start
        assert app.shared.chart == ChartWant(BTC, "1m", older_than=candles[0].start)
        older = walk("upbit", "KRW-BTC", "1m", candles[0].start - 60_000, 100, "145000000", "1000")
        app.shared.model.market("upbit", "KRW-BTC").candle_series("1m").put_many(older)
        await wait_until(
            lambda: app.shared.chart == ChartWant(BTC, "1m"),
            5.0,
            "the older history taken",
            pilot=pilot,
        )
        await pilot.press("comma")
        assert pane.chart.oldest < candles[0].start
        for _ in range(12):
            await pilot.press("comma")
        assert app.shared.chart.older_than == older[0].start
        await pilot.press("3")  # another interval: from its newest candles, nothing older
        assert app.shared.chart == ChartWant(BTC, "5m")


async def test_short_screen_the_chart_takes_turns_with_the_private_panes(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        fed(app)
        candles = fill_series(app)
        await pilot.press("c")
        pane = chart(app)
        assert on_screen(app, pane) and not on_screen(app, app.ladder)
        assert not on_screen(app, app.tape) and pane.region.width >= 76
        await shown(pilot, app, f"{candles[-1].close:,}", "the chart")
        await pilot.press("o")
        assert on_screen(app, app.private) and not on_screen(app, pane)
        assert app.shared.chart is None
        await pilot.press("c")
        assert on_screen(app, pane) and not app.private.display


async def test_the_full_screen_chart(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        fill_series(app)
        await pilot.press("C")
        pane = chart(app)
        assert on_screen(app, pane) and pane.region.width == SIZE[0]
        for hidden in (app.board, app.ladder, app.tape, app.private):
            assert not on_screen(app, hidden), hidden
        assert app.shared.chart == ChartWant(BTC, "1m")
        await pilot.press("C")
        assert on_screen(app, app.board) and on_screen(app, app.tape)
        assert app.shared.chart is None


async def test_with_the_simulator_the_chart_follows_the_selection_and_never_shows_another_market(
    settings,
):
    """The real app on the real simulator: the chart wants the selected market's candles,
    says "loading" until it has them, and after a switch shows nothing of the market
    before."""
    from mdtui.ui.app import make_app
    from tests.support.screen import ready

    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("c")
        first = app.selected
        assert first is not None and app.shared.chart == ChartWant(first, "1m")
        symbol = app.shared.catalog.entry(first).symbol

        def mine(key: str, symbol: str) -> bool:
            """Loading this market, or a chart of its candles."""
            pane = chart(app)
            if f"loading {symbol} 1m candles…" in chart_text(app):
                return True
            series = pane.series()
            return pane.chart is not None and series is not None and series.market in key

        await wait_until(lambda: mine(first, symbol), 5.0, f"{symbol} loading", pilot=pilot)
        await pilot.press("right_square_bracket")
        second = app.selected
        assert second is not None and second != first
        assert app.shared.chart == ChartWant(second, "1m")
        other = app.shared.catalog.entry(second).symbol
        await wait_until(lambda: mine(second, other), 5.0, f"{other} loading", pilot=pilot)
        assert f"loading {symbol} " not in chart_text(app)


async def test_narrow_screen_the_chart_takes_the_order_books_place_and_w_puts_it_back(
    base_settings,
):
    app = app_for(base_settings)
    async with app.run_test(size=(70, 40)) as pilot:
        fed(app)
        candles = fill_series(app)
        await pilot.press("c")
        pane = chart(app)
        assert on_screen(app, pane) and pane.region.width >= 66
        assert not on_screen(app, app.ladder) and not on_screen(app, app.tape)
        await shown(pilot, app, f"{candles[-1].close:,}", "the chart")
        await pilot.press("w")  # the tape, as "w" does on a narrow screen
        assert on_screen(app, app.tape) and not on_screen(app, pane)
        assert app.shared.chart is None
