"""The dashboard's real screen output, as a terminal receives it: the app runs against the
simulator with a driver that writes into ``pyte`` (a terminal emulator), and after market
switches, a modal screen, the chart, the all-markets board, a resize and ``ctrl+l`` the
terminal shows exactly what the app's compositor holds, though only changed cells were
sent (``ui/changed_cells.py``)."""

from __future__ import annotations

import pyte
from textual.drivers.headless_driver import HeadlessDriver

from mdtui.demo import point_at
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.screen import ready
from tests.support.waiting import wait_until


class Terminal:
    """A pyte terminal and the checks made against it."""

    def __init__(self, cols: int, rows: int) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.written = 0
        self.check_next = False
        self.problems: list[str] = []
        self.checks = 0

    def driver(self) -> type[HeadlessDriver]:
        terminal = self

        class TerminalDriver(HeadlessDriver):
            """Headless input; the screen output goes to the terminal."""

            @property
            def is_headless(self) -> bool:
                return False

            def write(self, data: str) -> None:
                terminal.written += len(data.encode())
                terminal.stream.feed(data)

        return TerminalDriver

    def compare(self, app: MdtuiApp) -> None:
        """The terminal against a full render of what the compositor holds now."""
        width, height = app.size
        truth = pyte.Screen(width, height)
        update = app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens
        )
        pyte.Stream(truth).feed(update.render_segments(app.console))  # type: ignore[union-attr]
        for y in range(height):
            want = [_cell(truth.buffer[y][x]) for x in range(width)]
            got = [_cell(self.screen.buffer[y][x]) for x in range(width)]
            if want != got:
                x = next(i for i, (a, b) in enumerate(zip(want, got, strict=True)) if a != b)
                self.problems.append(f"row {y} col {x}: want {want[x]}, terminal has {got[x]}")
                return
        self.checks += 1


def _cell(c: pyte.screens.Char) -> tuple[object, ...]:
    return (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)


async def test_the_terminal_shows_what_the_app_holds(live_sim, base_settings) -> None:
    terminal = Terminal(120, 36)
    app = make_app(point_at(base_settings, live_sim.http_url))
    app.driver_class = terminal.driver()

    def after_display() -> None:
        if terminal.check_next:
            terminal.check_next = False
            terminal.compare(app)

    app.post_display_hook = after_display  # type: ignore[method-assign]

    async def check(pilot, *keys: str) -> None:
        if keys:
            await pilot.press(*keys)
        done = terminal.checks + len(terminal.problems)
        terminal.check_next = True
        # a display soon, even under an overlay (nothing beneath repaints then); it is cut
        # to what differs from what mdtui believes the terminal shows, so a wrong belief
        # still shows up in the comparison
        app.screen.refresh()
        await wait_until(
            lambda: terminal.checks + len(terminal.problems) > done,
            10,
            "a display",
            pilot=pilot,
        )
        assert not terminal.problems, (keys, terminal.problems)

    async with app.run_test(headless=False, size=(120, 36)) as pilot:
        await ready(pilot, app)
        await check(pilot)
        written = terminal.written
        for keys in (("]",), ("]", "]"), ("question_mark",), ("escape",), ("c",), ("m",)):
            await check(pilot, *keys)
        await pilot.pause(0.5)  # live data on every pane
        await check(pilot, "m")
        terminal.screen.resize(30, 100)
        await pilot.resize_terminal(100, 30)
        await wait_until(lambda: app.size == (100, 30), 5, "the new size", pilot=pilot)
        await check(pilot)
        await check(pilot, "ctrl+l")
        assert terminal.written > written
