"""The panes against hand-made events (no feeds): what they show, and how they repaint."""

from __future__ import annotations

import json
from decimal import Decimal as D

from rich.color import Color as RichColor
from textual.geometry import Region

from mdtui.model.events import Book, FeedState
from mdtui.ui.app import make_app
from mdtui.ui.widgets.notices import Notices
from tests.support.events import NOW, T0, book, feed, ticker, trade
from tests.support.screen import SIZE, caught_up, lines, status_text
from tests.support.waiting import wait_until


def app_for(settings, **kw):
    return make_app(settings, start_feeds=False, clock=lambda: NOW, **kw)


def shown_text(widget) -> str:
    """What ``widget`` shows on screen, line by line."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def spread_at(app) -> int | None:
    """The index of the ladder's spread line, once a book is on it."""
    return next((i for i, t in enumerate(lines(app.ladder)) if "spread" in t), None)


def board_shows(app, price: str) -> bool:
    return any(price in seg.text for seg in app.board.render_line(1))


async def test_ladder_asks_above_spread_bids_below(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [book("upbit", "KRW-BTC", "145200000", "1000")])
        spread_row = await wait_until(lambda: spread_at(app), 5.0, "the book", pilot=pilot)
        text = lines(app.ladder)
        assert "PRICE" in text[0] and "CUM" in text[0]
        assert "spread 1,000" in text[spread_row] and "mid 145,200,500" in text[spread_row]
        # best ask right above the spread, best bid right below, whole levels fill the pane
        assert text[spread_row - 1].split()[0] == "145,201,000"
        assert text[spread_row + 1].split()[0] == "145,200,000"
        n = app.ladder.levels_shown
        assert n == (app.ladder.size.height - 2) // 2
        assert text[1].split()[0] == f"{145200000 + 1000 * n:,}"
        # size, notional and cumulative size of the best bid and the second bid
        first, second = text[spread_row + 1].split()[:4], text[spread_row + 2].split()[:4]
        assert first[1] == "1.25000" and first[3] == "1.25000"
        assert first[2] == "1.8억"  # 145.2M x 1.25 = 181.5M KRW
        assert second[3] == "2.75000"


async def test_ladder_waits_for_a_new_book_after_a_switch(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app,
            [
                book("upbit", "KRW-BTC", "145200000", "1000"),
                book("upbit", "KRW-ETH", "5210000", "1000"),
            ],
        )
        await wait_until(lambda: app.ladder.book is not None, 5.0, "the BTC book", pilot=pilot)
        await pilot.press("j")
        assert app.selected == "upbit:KRW-ETH"
        # the stored ETH book is not streamed any more: do not show it as current
        assert app.ladder.book is None
        assert any("waiting for the ETH/KRW order book" in t for t in lines(app.ladder))
        feed(app, [book("upbit", "KRW-ETH", "5211000", "1000")])
        await wait_until(
            lambda: any(t.split()[:1] == ["5,211,000"] for t in lines(app.ladder)),
            5.0,
            "the new ETH book",
            pilot=pilot,
        )
        assert any(t.split()[:1] == ["5,211,000"] for t in lines(app.ladder))
        assert app.ladder.book is not None


async def test_tape_newest_first_and_big_trades_marked(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app,
            [
                trade("upbit", "KRW-BTC", "145200000", "0.001", "buy", 1),
                trade("upbit", "KRW-BTC", "145201000", "0.1", "sell", 2),
                trade("upbit", "KRW-BTC", "145202000", "0.002", "buy", 3),
            ],
        )
        await wait_until(
            lambda: sum("145,20" in t for t in lines(app.tape)) == 3, 5.0, "3 trades", pilot=pilot
        )
        text = lines(app.tape)
        assert text[0].split()[:5] == ["TIME", "PRICE", "SIZE", "KRW", "SIDE"]
        assert text[1].split()[:2] == ["09:00:03", "145,202,000"]
        assert text[2].split()[:2] == ["09:00:02", "145,201,000"]
        assert "◆" in text[2] and "◆" not in text[1], "14.5M KRW is a big trade (10M)"
        assert text[2].split()[-2] == "매도"
        big = app.tape.render_line(2)
        assert any(seg.style and seg.style.bgcolor for seg in big if "145,201,000" in seg.text)


async def test_stale_feed_is_marked_instead_of_shown_as_live(base_settings):
    settings = base_settings.model_copy(update={"stale_after": 2.0})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app,
            [
                book("upbit", "KRW-BTC", "145200000", "1000"),
                trade("upbit", "KRW-BTC", "145200000", "0.001", "buy", 1),
            ],
            now_ms=int(NOW * 1000) - 9000,
        )
        app.shared.model.apply(
            [FeedState("upbit", "public", "reconnecting", 3, "connection refused")], 0
        )
        await wait_until(lambda: app.shared.stale.get("upbit"), 5.0, "stale", pilot=pilot)
        banner = "STALE 9.0s · upbit reconnecting (see status line)"
        await wait_until(
            lambda: banner in lines(app.ladder)[0] and banner in lines(app.tape)[0],
            5.0,
            "the banner on the ladder and the tape",
            pilot=pilot,
        )
        assert banner in lines(app.ladder)[0]
        assert banner in lines(app.tape)[0]
        await wait_until(lambda: "STALE" in status_text(app), 5.0, "the status", pilot=pilot)
        status = status_text(app)
        assert "Upbit public reconnecting (attempt 3: connection refused) 9.0s STALE" in status
        board_row = app.board.render_line(1)
        stale = app.ladder.palette.stale.color
        assert all(seg.style.color == stale for seg in board_row if seg.text.strip())


async def test_price_change_flashes_briefly(base_settings):
    """Driven by explicit flush times (no await in between, so the app's own 30 Hz timer
    cannot interleave): deterministic however loaded the machine is."""
    from mdtui.ui.widgets.board import FLASH_EVERY, FLASH_FOR

    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [ticker("upbit", "KRW-BTC", "145200000", "1000")])
        await wait_until(lambda: board_shows(app, "145,200,000"), 5.0, "the ticker", pilot=pilot)
        board = app.board
        flash = board.palette.flash_bg.bgcolor

        def flashing() -> bool:
            return any(seg.style.bgcolor == flash for seg in board.render_line(1))

        t = 1_000_000.0
        board.flush(t)
        assert not flashing()
        feed(app, [ticker("upbit", "KRW-BTC", "145201000", "2000")])
        board.flush(t + 0.01)
        assert flashing(), "a changed price flashes"
        board.flush(t + 0.01 + FLASH_FOR + 0.01)
        assert not flashing(), "briefly"
        feed(app, [ticker("upbit", "KRW-BTC", "145202000", "3000")])
        board.flush(t + 0.5)
        assert not flashing(), f"at most one flash per {FLASH_EVERY} s"
        feed(app, [ticker("upbit", "KRW-BTC", "145203000", "4000")])
        board.flush(t + 0.01 + FLASH_EVERY + 0.01)
        assert flashing()


async def test_colour_convention_setting(base_settings):
    for convention, expected in (("korean", "up"), ("western", "western-up")):
        settings = base_settings.model_copy(update={"colors": convention})
        app = app_for(settings)
        async with app.run_test(size=SIZE) as pilot:
            feed(app, [ticker("upbit", "KRW-BTC", "145200000", "1000")])
            await wait_until(lambda a=app: board_shows(a, "145,200,000"), 5.0, "it", pilot=pilot)
            row = app.board.render_line(1)
            last = next(seg for seg in row if "145,200,000" in seg.text)
            want = app.current_theme.variables[expected]
            assert last.style.color == RichColor.parse(want), convention


async def test_click_selects_a_row_and_keys_can_be_remapped(base_settings):
    settings = base_settings.model_copy(update={"keys": {"board.down": "n", "quit": "x"}})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert app.selected == "upbit:KRW-ETH"
        await pilot.press("j")
        assert app.selected == "upbit:KRW-ETH", "j was remapped away"
        # row 4 of the board = 4th watchlist market (border + header above it)
        await pilot.click("#board", offset=(10, 5))
        assert app.selected == app.watchlist[3]
        await pilot.press("x")
        await wait_until(lambda: app._exit, 8.0, "exit", pilot=pilot)


async def test_bad_theme_file_gives_a_notice_and_falls_back(base_settings, tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "broken.toml").write_text('name = "broken"\n[ui]\nprimary = "nope"\n')
    settings = base_settings.model_copy(update={"theme_dir": themes, "theme": "broken"})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        notices = app.screen.query_one(Notices)
        await wait_until(lambda: len(notices.messages) >= 2, 5.0, "two notices", pilot=pilot)
        assert app.theme == "mdtui-dark"
        notes = notices.messages
        assert any("broken.toml: [ui] primary = 'nope' is not a colour" in n for n in notes)
        assert any("theme 'broken' not found; using mdtui-dark" in n for n in notes)


async def test_t_cycles_themes_and_repaints(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [book("upbit", "KRW-BTC", "145200000", "1000")])
        await wait_until(lambda: spread_at(app), 5.0, "the book", pilot=pilot)
        before = app.ladder.palette.base.bgcolor
        await pilot.press("t")
        assert app.theme == "mdtui-light"
        await wait_until(
            lambda: app.ladder.palette.base.bgcolor != before, 5.0, "a repaint", pilot=pilot
        )
        assert app.ladder.palette.base.bgcolor != before
        await pilot.press("t", "t")
        assert app.theme == "mdtui-dark"


async def test_help_lists_every_binding_with_its_id(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_until(
            lambda: type(app.screen).__name__ == "HelpScreen", 5.0, "the help", pilot=pilot
        )
        ids = {row[3] for row in app.help_rows()}
        assert {
            "quit",
            "help",
            "search",
            "market.next",
            "market.previous",
            "watchlist.remove",
            "theme.cycle",
            "pane.next",
            "palette",
            "board.down",
            "board.up",
            "board.sort",
        } <= ids
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"


async def test_d_removes_and_tab_cycles_panes(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        first, second = app.watchlist[:2]
        await pilot.press("d")
        assert first not in app.watchlist and app.selected == second
        assert app.board.order[0] == second
        assert app.focused is app.board
        await pilot.press("tab")
        assert app.focused is app.ladder
        await pilot.press("tab")
        assert app.focused is app.tape
        await pilot.press("right_square_bracket")
        assert app.selected == app.watchlist[1]
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.selected == app.watchlist[-1], "[ wraps around"


async def test_sort_by_change(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app,
            [
                ticker("upbit", "KRW-BTC", "100", "1"),
                ticker("upbit", "KRW-ETH", "100", "5"),
                ticker("upbit", "KRW-XRP", "100", "-3"),
            ],
        )
        await wait_until(
            lambda: all("100" in app.board.render_line(y).text for y in (1, 2, 3)),
            5.0,
            "the tickers",
            pilot=pilot,
        )
        await pilot.press("s")
        assert app.board.sort == "change"
        assert app.board.order[:3] == ["upbit:KRW-ETH", "upbit:KRW-BTC", "upbit:KRW-XRP"]
        assert app.selected == "upbit:KRW-BTC", "the selection stays on its market"


async def test_removing_every_market_leaves_empty_panes(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["d"] * len(app.watchlist))
        assert app.watchlist == [] and app.selected is None
        await wait_until(
            lambda: all(not t.strip() for t in lines(app.ladder)),
            5.0,
            "an empty ladder",
            pilot=pilot,
        )
        assert all(not t.strip() for t in lines(app.ladder))
        assert app.ladder.border_title == "Order book"
        await pilot.press("j", "right_square_bracket", "d")


async def test_palette_finds_markets(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"doge")

        def first_hit() -> str:
            found = app.screen.query("CommandList")
            if not found or not found.first().option_count:
                return ""
            return str(found.first().get_option_at_index(0).prompt)

        await wait_until(lambda: "DOGE/KRW" in first_hit(), 8.0, "a palette hit", pilot=pilot)
        await pilot.press("enter")
        await wait_until(lambda: app.selected == "upbit:KRW-DOGE", 8.0, "selection", pilot=pilot)


async def test_trades_from_an_earlier_selection_are_muted(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [trade("upbit", "KRW-BTC", "145200000", "0.001", "buy", 1)])
        await pilot.press("j", "k")  # away and back: BTC trades were not streamed meanwhile
        feed(app, [trade("upbit", "KRW-BTC", "145300000", "0.001", "buy", 9)])
        await wait_until(
            lambda: "145,300,000" in lines(app.tape)[1] and "145,200,000" in lines(app.tape)[2],
            5.0,
            "both trades",
            pilot=pilot,
        )
        stale = app.tape.palette.stale.color

        def price_colour(y: int, price: str):
            return next(s.style.color for s in app.tape.render_line(y) if price in s.text)

        assert price_colour(1, "145,300,000") != stale
        assert price_colour(2, "145,200,000") == stale


async def test_watchlist_edits_are_saved_for_live_sessions(base_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = make_app(base_settings, start_feeds=False, clock=lambda: NOW, save_watchlist=True)
    async with app.run_test(size=SIZE) as pilot:
        removed = app.selected
        await pilot.press("d")
        assert removed not in app.watchlist
    again = make_app(base_settings, start_feeds=False, clock=lambda: NOW, save_watchlist=True)
    assert removed not in again.watchlist
    assert len(again.watchlist) == len(base_settings.watchlist) - 1
    fresh = make_app(base_settings, start_feeds=False, clock=lambda: NOW)
    assert removed in fresh.watchlist, "tests and demos do not read the saved list"


async def test_warnings_from_before_the_screen_stay_until_dismissed(base_settings):
    """Issue: "config file readable by others" and "cannot write log file" went to stderr
    just before the screen took over, invisible for the whole session; shown as toasts
    they were gone after 15 s. The [keys] notice lost "[keys]" to markup."""
    keys = {**base_settings.keys, "no.such.binding": "z"}
    settings = base_settings.model_copy(update={"keys": keys})
    warning = "config file /x/config.toml [upbit] is readable by others: it may hold API keys"
    app = app_for(settings, warnings=[warning, "cannot write log file /x/mdtui.log"])
    async with app.run_test(size=SIZE) as pilot:
        notices = app.screen.query_one(Notices)
        await wait_until(lambda: notices.display, 5.0, "the notice bar", pilot=pilot)
        assert notices.messages == [
            warning,
            "cannot write log file /x/mdtui.log",
            "unknown binding id(s) in [keys]: no.such.binding (? lists them)",
        ]
        shown = shown_text(notices)
        assert f"⚠ {warning}" in shown, "shown as written, not as markup"
        assert "in [keys]: no.such.binding" in shown, "[keys] is shown, not read as markup"
        assert "esc or click: dismiss" in shown
        assert notices.region.y == 0 and app.board.region.y == notices.region.bottom
        await caught_up(pilot, app)
        assert notices.display and notices.messages, "the notices do not expire"
        await pilot.press("escape")
        await wait_until(lambda: not notices.display, 5.0, "the notices dismissed", pilot=pilot)
        await wait_until(lambda: app.board.region.y == 0, 5.0, "the board on top", pilot=pilot)


async def test_notices_can_be_dismissed_by_a_click_and_a_remapped_key(base_settings):
    settings = base_settings.model_copy(update={"keys": {"notices.dismiss": "x"}})
    app = app_for(settings, warnings=["one"])
    async with app.run_test(size=SIZE) as pilot:
        notices = app.screen.query_one(Notices)
        await wait_until(lambda: notices.display, 5.0, "the notice bar", pilot=pilot)
        assert "x or click: dismiss" in shown_text(notices)
        await pilot.click(Notices)
        await wait_until(lambda: not notices.display, 5.0, "dismissed by a click", pilot=pilot)
        notices.add(["two"])
        await wait_until(lambda: notices.display, 5.0, "the notice bar again", pilot=pilot)
        await pilot.press("x")
        await wait_until(lambda: not notices.display, 5.0, "dismissed by x", pilot=pilot)


async def test_an_empty_watchlist_says_how_to_add_markets(base_settings):
    """Issue: an empty watchlist showed a blank board with no hint."""
    settings = base_settings.model_copy(update={"watchlist": []})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app._is_main(), 5.0, "the main screen", pilot=pilot)
        hint = "The watchlist is empty: press / to search and add markets"
        assert any(hint in line for line in lines(app.board))
        await pilot.press("slash")
        await wait_until(
            lambda: type(app.screen).__name__ == "SearchScreen", 5.0, "search", pilot=pilot
        )


async def test_the_hint_comes_back_when_the_last_market_is_removed(base_settings):
    settings = base_settings.model_copy(
        update={"watchlist": ["upbit:KRW-BTC"], "keys": {"search": "ctrl+f"}}
    )
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app._is_main(), 5.0, "the main screen", pilot=pilot)
        assert not any("watchlist is empty" in line for line in lines(app.board))
        await pilot.press("d")
        await wait_until(
            lambda: any("empty: press ^f to search" in line for line in lines(app.board)),
            5.0,
            "the hint with the remapped key",
            pilot=pilot,
        )


async def test_a_replay_stopped_by_a_bad_line_says_so_until_dismissed(base_settings, tmp_path):
    """Issue: a capture whose lines are out of time order played without a word; the
    dashboard's toast for a bad capture showed an exception's repr and went away."""
    path = tmp_path / "capture.jsonl"
    lines_in = [
        {"t": T0 + dt, "venue": "upbit", "channel": "public", "frame": '{"status":"UP"}'}
        for dt in (0, 10, 5)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines_in))
    app = make_app(base_settings, replay=path, speed=0, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        notices = app.screen.query_one(Notices)
        await wait_until(lambda: notices.messages, 5.0, "the notice", pilot=pilot)
        assert notices.messages == [
            f"replay stopped: {path}:3: out of time order: t = {T0 + 5} is 5 ms before "
            "line 2's (lines must be in time order)"
        ]
        await wait_until(lambda: "stopped" in status_text(app), 5.0, "stopped", pilot=pilot)
        assert not app._notifications, "no toast besides the notice"


async def test_a_number_too_wide_for_its_column_is_cut_visibly(base_settings):
    """One absurd but accepted size (under 10^18, 8 decimals) is cut with "…" in its own
    column: the other columns and the other levels and trades stay as they were."""
    app = app_for(base_settings)
    huge = "123456789012345678.12345678"
    async with app.run_test(size=SIZE) as pilot:
        full = book("upbit", "KRW-BTC", "145200000", "1000")
        bids = ((full.bids[0][0], D(huge)), *full.bids[1:])
        feed(
            app,
            [
                Book("upbit", "KRW-BTC", bids, full.asks, full.ts, False),
                trade("upbit", "KRW-BTC", "145200000", "0.001", "buy", 1),
                trade("upbit", "KRW-BTC", "145201000", huge, "sell", 2),
            ],
        )
        spread_row = await wait_until(lambda: spread_at(app), 5.0, "the book", pilot=pilot)
        await wait_until(lambda: "145,201,000" in lines(app.tape)[1], 5.0, "trades", pilot=pilot)
        best = lines(app.ladder)[spread_row + 1].split()
        assert best[0] == "145,200,000" and best[1] == "123,456,789,012,345,6…"
        assert len(best) >= 4, "the value and cumulative columns are still there"
        assert lines(app.ladder)[spread_row + 2].split()[:2] == ["145,199,000", "1.50000000"]
        newest, older = lines(app.tape)[1].split(), lines(app.tape)[2].split()
        assert newest[2].endswith("…") and "매도" in newest
        assert older[2] == "0.00100000" and older[-1] == "매수"
