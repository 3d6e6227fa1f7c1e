"""Shared pieces of the Line-API panes: cell-width padding, strip assembly, the base class.

A pane renders each row into a :class:`Strip` once and keeps it until the row's data,
the pane's width or the theme changes; ``render_line`` then only returns the cached strip.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mdtui.ui.palette import Palette

Part = tuple[str, Style]

NUMBER_WIDTH = 22
"""The widest a number column grows to fit its values (``30,925,891.29839369`` is 19
cells); a longer value is cut with ``…`` by :func:`fit`, so one absurd value cannot push
the other columns off the pane."""


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` cells."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else "…"
    pad = " " * (width - length)
    return pad + text if right else text + pad


def strip_of(parts: Iterable[Part], width: int, fill: Style) -> Strip:
    """One row from styled parts, cut or padded with ``fill`` to ``width`` cells.

    Neighbouring parts of the same style become one segment: fewer segments make every
    later step of Textual's line pipeline cheaper.
    """
    segments: list[Segment] = []
    text_run = ""
    style_run: Style | None = None
    for text, style in parts:
        if not text:
            continue
        if style == style_run:
            text_run += text
            continue
        if text_run:
            segments.append(Segment(text_run, style_run))
        text_run, style_run = text, style
    if text_run:
        segments.append(Segment(text_run, style_run))
    strip = Strip(segments)
    if strip.cell_length != width:
        strip = strip.adjust_cell_length(width, fill)
    return strip


def centered(text: str, width: int, style: Style, fill: Style) -> Strip:
    """A row with ``text`` centred."""
    text = fit(text, min(width, cell_len(text)))
    left = max((width - cell_len(text)) // 2, 0)
    return strip_of([(" " * left, fill), (text, style)], width, fill)


class LinePane(ScrollView, can_focus=True):
    """Base of the board, ladder and tape: a palette from the theme, and helpers to
    repaint single rows."""

    DEFAULT_CSS = """
    LinePane {
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._palette: Palette | None = None
        self._line_w = 0

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            _, _, background, foreground = self.colors
            self._palette = Palette.build(self.app.theme_variables, foreground, background)
        return self._palette

    def notify_style_update(self) -> None:
        """Theme or focus changed: drop the palette and every cached row."""
        super().notify_style_update()
        self._palette = None
        self.clear_cache()
        self.refresh()

    def clear_cache(self) -> None:
        """Forget cached rows (subclasses override)."""

    @property
    def line_width(self) -> int:
        """Cells per line (the content width less any scrollbar), cached: asking Textual
        for it on every rendered line is a measurable cost. :meth:`measure` renews it."""
        if not self._line_w:
            self._line_w = self.scrollable_content_region.width
        return self._line_w

    def measure(self) -> bool:
        """Re-read the line width (each flush, on resize); on a change drop cached rows
        and repaint. Returns whether it changed."""
        width = self.scrollable_content_region.width
        if width == self._line_w:
            return False
        self._line_w = width
        self.clear_cache()
        self.refresh()
        return True

    def on_resize(self, event: events.Resize) -> None:
        self.measure()

    def refresh_screen_line(self, y: int) -> None:
        """Repaint the ``y``-th visible line (0 = top of the pane)."""
        self.refresh(Region(0, y, self.size.width, 1))

    def set_rows(self, rows: int) -> None:
        """Set the virtual height (for the scrollbar) without touching the width."""
        if self.virtual_size.height != rows:
            self.virtual_size = Size(0, rows)
