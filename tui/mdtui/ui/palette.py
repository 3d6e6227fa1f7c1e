"""Rich styles for the Line-API panes, resolved from the app's theme variables.

Each pane builds one :class:`Palette` when its styles change (mount, theme switch, focus)
and reuses it for every row it renders, so the hot path never parses a colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.color import Color, ColorParseError

from mdtui.ui.theming import MARKET_DEFAULTS


def resolve(value: str | None, background: Color, default: str = "#808080") -> Color:
    """A theme variable's colour made opaque over ``background`` (handles ``auto``, ``N%``)."""
    text = (value or default).strip()
    alpha = 1.0
    head, _, tail = text.rpartition(" ")
    if head and tail.endswith("%"):
        try:
            alpha = float(tail[:-1]) / 100
            text = head
        except ValueError:
            pass
    if text == "auto":
        color = background.get_contrast_text()
    else:
        try:
            color = Color.parse(text)
        except ColorParseError:
            color = Color.parse(default)
    if color.a < 1.0:
        alpha *= color.a
        color = color.with_alpha(1.0)
    return background.blend(color, alpha) if alpha < 1.0 else color


@dataclass(frozen=True, slots=True)
class Palette:
    """The styles a pane draws with; every one already carries the pane's background."""

    base: Style
    muted: Style
    header: Style
    up: Style
    down: Style
    bid: Style
    ask: Style
    stale: Style
    own: Style
    big_buy: Style
    big_sell: Style
    flash_bg: Style
    cursor_bg: Style
    bid_bar: Style
    ask_bar: Style
    bid_bar_fill: Style
    ask_bar_fill: Style
    warn: Style
    error: Style
    ok: Style
    gap: tuple[Style, Style, Style, Style]
    """The Upbit-Korbit gap by its level (:func:`mdtui.display.gap.level`): quiet, mild,
    warm, and highlighted at the alert threshold."""

    @classmethod
    def build(cls, variables: dict[str, str], foreground: Color, background: Color) -> Palette:
        bg = background

        def color(name: str, alpha: float = 1.0) -> Color:
            c = resolve(variables.get(name), bg, MARKET_DEFAULTS.get(name, "#808080"))
            return bg.blend(c, alpha) if alpha < 1.0 else c

        def fg(c: Color, *, bold: bool | None = None) -> Style:
            return Style(color=c.rich_color, bgcolor=bg.rich_color, bold=bold)

        fore = foreground if foreground.a > 0 else bg.get_contrast_text()
        fore = bg.blend(fore, fore.a) if fore.a < 1 else fore
        up, down, bid, ask = color("up"), color("down"), color("bid"), color("ask")
        big = color("big-trade")
        warn = color("warning")
        return cls(
            base=fg(fore),
            muted=fg(bg.blend(fore, 0.55)),
            header=fg(bg.blend(fore, 0.6), bold=True),
            up=fg(up),
            down=fg(down),
            bid=fg(bid),
            ask=fg(ask),
            stale=fg(color("stale")),
            own=fg(color("own-order")),
            big_buy=Style(color=bid.rich_color, bgcolor=bg.blend(big, 0.16).rich_color, bold=True),
            big_sell=Style(color=ask.rich_color, bgcolor=bg.blend(big, 0.16).rich_color, bold=True),
            flash_bg=Style(bgcolor=color("flash").rich_color),
            cursor_bg=Style(bgcolor=color("primary", 0.28).rich_color),
            bid_bar=fg(bg.blend(bid, 0.38)),
            ask_bar=fg(bg.blend(ask, 0.38)),
            bid_bar_fill=Style(bgcolor=bg.blend(bid, 0.38).rich_color),
            ask_bar_fill=Style(bgcolor=bg.blend(ask, 0.38).rich_color),
            warn=fg(warn),
            error=fg(color("error")),
            ok=fg(color("success")),
            gap=(
                fg(bg.blend(fore, 0.55)),
                fg(fore),
                fg(warn),
                Style(color=warn.rich_color, bgcolor=bg.blend(warn, 0.22).rich_color, bold=True),
            ),
        )
