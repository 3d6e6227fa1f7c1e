"""The layout at every terminal size: what stays on screen, what comes on a key, and the
message below the smallest size the screen supports."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.widgets._toast import Toast, ToastRack

from mdtui.ui.app import MIN_HEIGHT, MIN_WIDTH, MainScreen, make_app
from tests.support.events import NOW, book, feed, ticker, trade
from tests.support.screen import lines
from tests.support.waiting import wait_until


def app_for(settings):
    return make_app(settings, start_feeds=False, clock=lambda: NOW)


def fed(app) -> None:
    feed(
        app,
        [
            ticker("upbit", "KRW-BTC", "145200000", "0.01"),
            book("upbit", "KRW-BTC", "145200000", "1000"),
            *[trade("upbit", "KRW-BTC", "145200000", "0.5", "buy", n) for n in range(30)],
        ],
    )


def on_screen(app, widget: Widget) -> bool:
    """Shown, with at least one row and column, and wholly inside the terminal."""
    screen = Region(0, 0, *app.size)
    region = widget.region
    return (
        widget.display and region.width > 0 and region.height > 0 and screen.contains_region(region)
    )


def shown_toasts(app) -> list[Widget]:
    """The toasts on screen (Textual keeps them in a rack that queries do not see)."""
    rack = app.screen.get_child_by_type(ToastRack)
    return [t for t in rack.walk_children(Toast) if t.display and t.region.height]


def main(app) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def test_80x24_ladder_has_five_levels_a_side_and_the_tape_is_visible(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        fed(app)
        await wait_until(lambda: app.ladder.levels_shown >= 5, 5.0, "five levels", pilot=pilot)
        for pane in (app.board, app.ladder, app.tape, app.status, app.screen.query_one(Footer)):
            assert on_screen(app, pane), pane
        assert any("145,200,000" in t for t in lines(app.tape))
        # private panes are on a key on a short screen, and back on the same key
        assert not app.private.display
        await pilot.press("o")
        assert on_screen(app, app.private) and not app.ladder.region.height
        await pilot.press("f")  # another pane: stays open, switches
        assert on_screen(app, app.private) and app.private.current == "fills"
        await pilot.press("f")
        assert not app.private.display and on_screen(app, app.ladder)


async def test_60x18_ladder_and_tape_take_turns_and_nothing_is_pushed_off(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(60, 18)) as pilot:
        fed(app)
        await wait_until(lambda: app.ladder.levels_shown >= 3, 5.0, "three levels", pilot=pilot)
        for pane in (app.board, app.ladder, app.status, app.screen.query_one(Footer)):
            assert on_screen(app, pane), pane
        assert not app.tape.display
        assert app.ladder.border_subtitle == "w trades"
        await pilot.press("w")
        assert on_screen(app, app.tape) and not app.ladder.region.height
        await wait_until(
            lambda: any("145,200,000" in t for t in lines(app.tape)), 5.0, "trades", pilot=pilot
        )
        await pilot.press("w")
        assert on_screen(app, app.ladder) and not app.tape.region.height


async def test_wide_screens_keep_every_pane_and_ignore_the_swap_key(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(160, 48)) as pilot:
        fed(app)
        await wait_until(lambda: app.ladder.levels_shown >= 5, 5.0, "the book", pilot=pilot)
        for pane in (app.board, app.ladder, app.tape, app.private, app.status):
            assert on_screen(app, pane), pane
        assert app.ladder.region.y == app.tape.region.y  # side by side
        await pilot.press("w")
        await pilot.press("o")
        assert on_screen(app, app.ladder) and on_screen(app, app.tape)
        assert on_screen(app, app.private)
        assert app.ladder.border_subtitle is None


async def test_below_the_floor_one_line_says_the_size_needed(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(40, 10), notifications=True) as pilot:
        fed(app)
        await pilot.pause()
        message = main(app).query_one("#too-small", Static)
        assert on_screen(app, message)
        text = str(message.render())
        assert f"{MIN_WIDTH}x{MIN_HEIGHT}" in text and "40x10" in text
        assert not app.board.region.height and not app.status.region.height
        app.notify("a fill", title="Fill")
        await pilot.pause()
        assert app._notifications and not shown_toasts(app)
        await pilot.resize_terminal(100, 30)
        await wait_until(lambda: not message.display, 5.0, "the dashboard back", pilot=pilot)
        assert on_screen(app, app.board) and on_screen(app, app.ladder)


async def test_toasts_never_cover_the_status_line(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        fed(app)
        for n in range(4):
            app.notify(f"fill {n}", title="Fill", timeout=30)
        toasts = await wait_until(
            lambda: shown_toasts(app) or None,
            5.0,
            "the toasts",
            pilot=pilot,
        )
        status = app.status.region
        for toast in toasts:
            assert not toast.region.overlaps(status), (toast.region, status)
