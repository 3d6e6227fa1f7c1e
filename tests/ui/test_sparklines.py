"""The board's trend column against the simulator over loopback: every row on screen gets
its closes from one REST call, a row scrolled into view later gets its own then, the
tickers keep them current without another call, a market that fails or is not listed has
an empty cell (a log line, nothing on screen), and the column leaves narrow screens."""

from __future__ import annotations

import logging
import re
from decimal import Decimal as D

import msgspec
from rich.style import Style

from mdtui.display import sparkline
from mdtui.display.sparkline import BLOCKS
from mdtui.feed.rate_limiter import Backoff
from mdtui.model.candles import Candle
from mdtui.model.sparklines import Sparkline
from mdtui.settings import Settings
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.cli import mdtui, user_env
from tests.support.events import NOW, T0, feed, ticker
from tests.support.screen import SIZE, lines, ready, screen_text, toasts
from tests.support.waiting import wait_until

GLYPHS = re.compile(f"[{BLOCKS}][{BLOCKS} ]*")


def trend_cells(app: MdtuiApp) -> list[str]:
    """The trend column's glyphs on each board row ("" where it has none)."""
    out = []
    for text in lines(app.board)[1:]:
        found = GLYPHS.search(text)
        out.append(found.group().rstrip() if found else "")
    return out


def sparked(app: MdtuiApp, keys: list[str]) -> bool:
    markets = app.shared.model.markets
    return all(k in markets and markets[k].spark is not None for k in keys)


def with_watchlist(settings: Settings, watchlist: list[str]) -> Settings:
    return settings.model_copy(update={"watchlist": watchlist})


async def test_every_row_gets_its_trend_from_one_call_and_tickers_move_it(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert app._sparks is not None
        await wait_until(lambda: sparked(app, app.watchlist), 10, "every row's closes", pilot=pilot)
        await pilot.pause()
        cells = trend_cells(app)[: len(app.watchlist)]
        assert all(len(cell) == 12 for cell in cells), cells
        assert "TREND 24H" in lines(app.board)[0]
        calls = app._sparks.calls
        assert calls == len(app.watchlist)  # one call per market on screen, no more

        # The live price moves the last point: wait until several rows' closes moved
        # after they were read, each ending at its last ticker's price.
        markets = app.shared.model.markets
        read = {k: markets[k].spark.version for k in app.watchlist}  # type: ignore[union-attr]

        def moved() -> list[str]:
            out = []
            for key in app.watchlist:
                state = markets[key]
                spark = state.spark
                assert spark is not None and state.ticker is not None
                if spark.version > read[key]:
                    assert spark.window(app.shared.wall_ms())[-1] == state.ticker.last
                    out.append(key)
            return out

        await wait_until(
            lambda: len(moved()) >= 3, 30, "three rows' last points moved", pilot=pilot
        )
        await pilot.pause()
        for key in moved():
            index = app.board.order.index(key)
            spark = markets[key].spark
            assert spark is not None
            assert trend_cells(app)[index] == app.board._spark_cell(markets[key])[0]
        assert app._sparks.calls == calls  # the tickers kept them current, no call


async def test_a_row_scrolled_into_view_gets_its_trend_then(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert app._sparks is not None
        wanted: set[str] = set()
        want = app._sparks.want

        def recording(keys):  # every market handed over as on screen
            keys = list(keys)
            wanted.update(keys)
            want(keys)

        app._sparks.want = recording  # type: ignore[method-assign]
        await pilot.press("m")  # every KRW market of both exchanges, hundreds of rows
        await wait_until(lambda: len(app.board.order) > 200, 10, "the all-markets board")
        while app.board.sort != "name":  # an order the tickers do not change
            await pilot.press("s")
        await wait_until(
            lambda: sparked(app, app.board.visible_keys()), 30, "the first page", pilot=pilot
        )
        bottom = app.board.order[-1]
        assert app.shared.model.markets.get(bottom) is None or (
            app.shared.model.markets[bottom].spark is None
        )
        await pilot.press("end")
        await wait_until(
            lambda: bottom in app.board.visible_keys(), 10, "the last page", pilot=pilot
        )
        await wait_until(
            lambda: sparked(app, app.board.visible_keys()), 30, "the last page", pilot=pilot
        )
        await pilot.pause()
        shown = trend_cells(app)
        assert all(shown[: len(app.board.visible_keys())]), shown
        # Only markets that were on screen were read, each once.
        assert app._sparks.done <= wanted | set(app.watchlist)
        assert app._sparks.calls == len(app._sparks.done)
        assert len(app._sparks.done) < len(app.board.order) // 3


async def test_after_a_reconnect_that_exchanges_rows_are_read_again(settings, live_sim):
    """Buckets may have begun while the socket was down (no ticker opened them): once the
    socket is back, each of that exchange's rows on screen is read again, once; the other
    exchange's are not."""
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        sparks = app._sparks
        assert sparks is not None
        await wait_until(lambda: sparked(app, app.watchlist), 10, "every row's closes", pilot=pilot)
        assert sparks.calls == len(app.watchlist)
        markets = app.shared.model.markets
        before = {key: markets[key].spark for key in app.watchlist}
        upbit = [key for key in app.watchlist if key.startswith("upbit:")]
        assert upbit and len(upbit) < len(app.watchlist)

        await live_sim.drop_connections("upbit", channel="public")
        feeds = app.shared.model.feeds
        await wait_until(
            lambda: feeds[("upbit", "public")].lives >= 2 and feeds[("upbit", "public")].state
            == "live", 30, "the Upbit socket back", pilot=pilot,
        )  # fmt: skip
        await wait_until(
            lambda: all(markets[key].spark is not before[key] for key in upbit),
            20,
            "the Upbit rows read again",
            pilot=pilot,
        )
        await pilot.pause()
        assert sparks.calls == len(app.watchlist) + len(upbit)
        assert all(markets[k].spark is before[k] for k in app.watchlist if k not in upbit)


async def test_unlisted_and_failing_markets_have_an_empty_cell_and_a_log_line(
    settings, live_sim, caplog
):
    caplog.set_level(logging.WARNING, logger="mdtui.feed.spark_feed")
    watchlist = ["upbit:KRW-BTC", "upbit:KRW-NOTACOIN", "korbit:btc_krw", "korbit:eth_krw"]
    live_sim.refuse_rest("/v2/candles", count=2, status=503)
    app = make_app(with_watchlist(settings, watchlist))

    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "mdtui.feed.spark_feed"]

    async with app.run_test(size=SIZE) as pilot:
        assert app._sparks is not None
        app._sparks.backoff = Backoff(base=60.0, cap=60.0)  # no retry during the first look
        await wait_until(
            lambda: sparked(app, ["upbit:KRW-BTC"]) and len(logged()) >= 2,
            10,
            "Upbit's closes and Korbit's two failures",
            pilot=pilot,
        )
        await pilot.pause()
        cells = dict(zip(app.board.order, trend_cells(app), strict=False))
        assert cells["upbit:KRW-BTC"] and not cells["korbit:btc_krw"]
        assert not cells["korbit:eth_krw"] and not cells["upbit:KRW-NOTACOIN"]
        assert [line.split(";")[0] for line in logged()] == [
            "trend column: korbit 1h candles of btc_krw: HTTP 503",
            "trend column: korbit 1h candles of eth_krw: HTTP 503",
        ]
        text = screen_text(app)
        assert "HTTP" not in text and "trend column" not in text and not toasts(app)
        assert "upbit:KRW-NOTACOIN" not in app._sparks.done  # not listed: never asked
        # Tried again later while on screen (the backoff made short here).
        app._sparks._failed = {k: (1, 0.0) for k in app._sparks._failed}
        app._sparks.want(k for k in app.board.visible_keys() if "NOTACOIN" not in k)
        await wait_until(
            lambda: sparked(app, ["korbit:btc_krw", "korbit:eth_krw"]), 10, "Korbit's retried"
        )
        assert app._sparks.calls == 5


async def test_a_stale_feed_draws_the_trend_dim(settings):
    app = make_app(with_watchlist(settings, ["upbit:KRW-BTC"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_until(lambda: sparked(app, app.watchlist), 10, "closes", pilot=pilot)
        app.select_market(None)  # no cursor on the row: its colours are its own

        def trend_style() -> Style | None:
            for segment in app.board.render_line(1):
                if any(g in segment.text for g in BLOCKS):
                    return segment.style
            return None

        await wait_until(trend_style, 5, "the trend drawn", pilot=pilot)
        palette = app.board.palette
        assert trend_style() in (palette.up, palette.down, palette.base)
        app.shared.set_stale({"upbit": "no data for 6s"})
        app.board.flush(0.0)
        assert trend_style() == palette.stale


async def test_the_column_is_off_and_nothing_is_read(settings):
    app = make_app(settings.model_copy(update={"sparkline": "off"}))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert app._sparks is None
        assert "TREND" not in lines(app.board)[0]
        assert not any(trend_cells(app))


async def test_a_narrow_board_drops_the_column_first_and_reads_nothing(settings):
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        header = lines(app.board)[0]
        assert "TREND" not in header and "CHG%" in header and "LAST" in header
        await pilot.resize_terminal(*SIZE)
        await wait_until(lambda: sparked(app, app.watchlist), 10, "closes once wide", pilot=pilot)
        assert app._sparks is not None and app._sparks.calls == len(app.watchlist)


async def test_the_minute_window(settings):
    app = make_app(
        with_watchlist(settings, ["upbit:KRW-BTC", "korbit:btc_krw"]).model_copy(
            update={"sparkline": "1h"}
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_until(lambda: sparked(app, app.watchlist), 10, "closes", pilot=pilot)
        await pilot.pause()
        assert "TREND 1H" in lines(app.board)[0]
        for key in app.watchlist:
            spark = app.shared.model.markets[key].spark
            assert spark is not None and spark.interval == "1m" and len(spark.closes) == 61
        assert all(len(cell) == 12 for cell in trend_cells(app)[:2])


def test_a_bad_value_is_one_line(tmp_path):
    home = user_env(tmp_path)
    config = tmp_path / "cfg" / "mdtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('sparkline = "weekly"\n')
    result = mdtui("--demo", env=home)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "mdtui: invalid setting sparkline = 'weekly': Input should be '24h', '1h' or 'off'"
    ]
    result = mdtui("--demo", env={**home, "MDTUI_SPARKLINE": "2d"})  # the environment wins
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "mdtui: invalid setting sparkline = '2d': Input should be '24h', '1h' or 'off'"
    ]


async def test_a_rows_trend_is_worked_out_only_when_its_closes_or_the_hour_change(
    base_settings, monkeypatch
):
    now = [NOW]
    keys = ["upbit:KRW-BTC", "upbit:KRW-ETH"]
    app = make_app(with_watchlist(base_settings, keys), start_feeds=False, clock=lambda: now[0])
    drawn: list[int] = []
    draw = sparkline.draw

    def counting(window):
        drawn.append(len(window))
        return draw(window)

    monkeypatch.setattr(sparkline, "draw", counting)
    hour = 3_600_000
    top = T0 - T0 % hour
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [ticker("upbit", "KRW-BTC", "100"), ticker("upbit", "KRW-ETH", "50")])
        for key, base in (("upbit:KRW-BTC", 90), ("upbit:KRW-ETH", 60)):
            candles = [candle(key, top - i * hour, str(base + i % 5)) for i in range(24, -1, -1)]
            app.shared.model.put_spark(key, Sparkline("1h", 24), candles)

        async def flushed() -> None:
            app._flush_panes()
            await pilot.pause()

        await flushed()
        cells = trend_cells(app)
        assert all(len(cell) == 12 for cell in cells[:2]) and len(drawn) == 2
        await flushed()
        assert len(drawn) == 2  # nothing changed: nothing worked out again
        same_price = ticker("upbit", "KRW-BTC", "100", ts=T0 + 1000)
        feed(app, [msgspec.structs.replace(same_price, volume_24h=D(999))])
        await flushed()
        assert len(drawn) == 2  # the row is painted again, its trend is not
        feed(app, [ticker("upbit", "KRW-BTC", "80", ts=T0 + 2000)])  # the last point moves
        await flushed()
        assert len(drawn) == 3 and trend_cells(app)[0][-1] == BLOCKS[0]
        assert trend_cells(app)[1] == cells[1]
        now[0] += 3600  # an hour on: every row's window slides once
        await flushed()
        await flushed()
        assert len(drawn) == 5
        btc = app.shared.model.markets["upbit:KRW-BTC"].spark
        assert btc is not None and btc.window(int(now[0] * 1000))[-2:] == [D(80), D(80)]
        feed(app, [ticker("upbit", "KRW-BTC", "120", ts=T0 + hour)])  # opens the new hour
        await flushed()
        assert len(drawn) == 6 and trend_cells(app)[0][-2:] == BLOCKS[0] + BLOCKS[-1]
        assert btc.closes[-2:] == [D(80), D(120)] and btc.newest == top + hour


def candle(key: str, start: int, close: str) -> Candle:
    venue, _, market = key.partition(":")
    p = D(close)
    return Candle(venue, market, "1h", start, p, p, p, p, D(1), p, start)


def test_a_replay_has_no_trend_column(base_settings, tmp_path):
    """A capture holds no candle history, and a replay makes no REST call."""
    app = make_app(base_settings, replay=tmp_path / "capture.jsonl", start_feeds=False)
    assert app.shared.spark is None and app._sparks is None
    assert make_app(base_settings, start_feeds=False).shared.spark is not None
