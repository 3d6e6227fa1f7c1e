"""The status line: one indicator per feed (exchange x public/private) with its state and
the age of its last message, the run mode, and a clock.

A feed that is not live comes first, with its whole reason (a rejected key says what to
do); so does a live one with delayed markets, which it names. The calm ones then shrink to
a short form so the reason fits. It changes at most a few times a second, so it is a plain
widget with ``render``.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.widget import Widget

from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.feed_status import FeedStatus
from mdtui.display.format import fmt_age
from mdtui.ui.palette import Palette

DOT = {
    "live": "●",
    "delayed": "◑",
    "connecting": "◌",
    "reconnecting": "◍",
    "down": "○",
    "stopped": "■",
    "off": "·",
}
CALM = ("live", "off")
"""States that need no attention: shown short while another feed has a problem."""
SHORT = {"public": "pub", "private": "priv"}
URGENCY = {"down": 0, "reconnecting": 1, "delayed": 2, "stopped": 3, "connecting": 4}
"""Feeds with a problem are listed most urgent first (a reason to act on before a feed
that is merely starting)."""


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
        self.feeds: list[FeedStatus] = []
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

    def update(self, feeds: list[FeedStatus], now: float, mode: str) -> None:
        """Repaint only when the text would change (ages are shown to 0.1 s or 1 s)."""
        key = (
            tuple((f.state, f.detail, _age(f.age), f.stale, f.delayed, f.left_out) for f in feeds),
            int(now),
            mode,
        )
        self.feeds, self.now, self.mode = feeds, now, mode
        if key != self._key:
            self._key = key
            self.refresh()

    def render(self) -> Text:
        p = self.palette
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        trouble = sorted(
            (v for v in self.feeds if v.state not in CALM or v.delayed),
            key=lambda v: URGENCY.get(v.state, 9),
        )
        calm = [v for v in self.feeds if v.state in CALM and not v.delayed]
        for view in trouble:
            self._indicator(text, view, short=False)
        for view in calm:
            self._indicator(text, view, short=bool(trouble))
        right = f"{self.mode}  {time.strftime('%H:%M:%S', time.localtime(self.now))} "
        room = self.size.width - text.cell_len - len(right)
        if room > 0:
            text.append(" " * room, p.base)
            text.append(right, p.muted)
        return text

    def _indicator(self, text: Text, view: FeedStatus, short: bool) -> None:
        p = self.palette
        style = {
            "live": p.ok,
            "delayed": p.warn,
            "connecting": p.warn,
            "reconnecting": p.warn,
            "down": p.error,
            "stopped": p.muted,
        }.get(view.state, p.muted)
        venue = VENUE_LABEL.get(view.venue, view.venue)
        text.append(f" {DOT.get(view.state, '?')} ", style)
        if short:
            text.append(f"{venue} {SHORT.get(view.channel, view.channel)}", p.base)
            if view.state == "off":
                text.append(" no keys", p.muted)
        else:
            text.append(f"{venue} {view.channel} ", p.base)
            text.append(view.label, style)
            if view.delayed:
                more = f" +{len(view.delayed) - 1}" if len(view.delayed) > 1 else ""
                text.append(f" · delayed {view.delayed[0]}{more}", p.warn)
            if view.left_out:
                text.append(f" · {view.left_out} not subscribed", p.muted)
        if view.age is not None:
            text.append(f" {_age(view.age)}", p.stale if view.stale else p.muted)
        if view.stale:
            text.append(" STALE", p.stale + p.error)
        text.append("  │" if not short else " │", p.muted)


def _age(age: float | None) -> str:
    return "" if age is None else fmt_age(age)
