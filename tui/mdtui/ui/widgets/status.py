"""The status line: one indicator per feed (exchange x public/private) with its state and
the age of its last message, the selected market, and a clock.

It changes at most a few times a second, so it is a plain widget with ``render``.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.widget import Widget

from mdtui.ui.catalog import VENUE_LABEL
from mdtui.ui.format import fmt_age
from mdtui.ui.health import FeedView
from mdtui.ui.palette import Palette

DOT = {"live": "●", "connecting": "◌", "reconnecting": "◍", "down": "○", "stopped": "■"}


class StatusLine(Widget):
    """Feeds on the left, mode and clock on the right."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.feeds: list[FeedView] = []
        self.mode = ""
        self.now = 0.0
        self._key: tuple = ()
        self._palette: Palette | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            _, _, background, foreground = self.colors
            self._palette = Palette.build(self.app.theme_variables, foreground, background)
        return self._palette

    def update(self, feeds: list[FeedView], now: float, mode: str) -> None:
        """Repaint only when the text would change (ages are shown to 0.1 s or 1 s)."""
        key = (tuple((f.state, f.detail, _age(f.age), f.stale) for f in feeds), int(now), mode)
        self.feeds, self.now, self.mode = feeds, now, mode
        if key != self._key:
            self._key = key
            self.refresh()

    def render(self) -> Text:
        p = self.palette
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for view in self.feeds:
            style = {
                "live": p.ok,
                "connecting": p.warn,
                "reconnecting": p.warn,
                "down": p.error,
                "stopped": p.muted,
            }.get(view.state, p.muted)
            name = f"{VENUE_LABEL.get(view.venue, view.venue)} {view.channel}"
            text.append(f" {DOT.get(view.state, '?')} ", style)
            text.append(f"{name} ", p.base)
            text.append(view.label, style)
            if view.age is not None:
                text.append(f" {_age(view.age)}", p.stale if view.stale else p.muted)
            if view.stale:
                text.append(" STALE", p.stale + p.error)
            text.append("  │", p.muted)
        right = f"{self.mode}  {time.strftime('%H:%M:%S', time.localtime(self.now))} "
        room = self.size.width - text.cell_len - len(right)
        if room > 0:
            text.append(" " * room, p.base)
            text.append(right, p.muted)
        return text


def _age(age: float | None) -> str:
    return "" if age is None else fmt_age(age)
