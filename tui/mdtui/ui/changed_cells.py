"""Send the terminal only what changed on it.

Textual repaints a widget's whole lines when the widget refreshes, and writes every segment
as ``ESC[<full style>m text ESC[0m``. On a market screen most of a refreshed line is what
the terminal already shows (a tape row shifted by one trade repaints the rows below it; a
board row whose age ticked repaints the whole row), and the style escapes are three
quarters of the bytes (``bench/screen_bytes.py``).

:class:`ChangedCells` keeps what the terminal holds, segment by segment, per line. For
each screen update it skips the segments the terminal already shows at the same place with
the same style, moves the cursor over them, and changes the style only by what differs
from the previous segment written (the colour alone when the attributes stay). The terminal
ends every update with its style reset, as Textual expects.

What the terminal holds becomes unknown (and everything is sent again) when the screen's
size changes, and on :meth:`ChangedCells.forget` (the app calls it on ``ctrl+l`` and after
a suspend).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

_RESET = "\x1b[0m"
_STYLE_CACHE_LIMIT = 4096


class _Line:
    """What the terminal shows on one line: the segments written, by starting column, and
    for each cell the column of the segment that last covered it."""

    __slots__ = ("owner", "segments")

    def __init__(self, width: int) -> None:
        self.segments: dict[int, tuple[str, Style | None]] = {}
        self.owner: list[int] = [-1] * width


class ChangedCells:
    """Turns Textual's screen updates into the terminal sequences for the cells that
    changed. One per app; not thread-safe (the app's loop calls it)."""

    def __init__(self) -> None:
        self._lines: list[_Line] = []
        self._width = 0
        self._transitions: dict[tuple[Style | None, Style | None], str] = {}
        self._color_system = ColorSystem.TRUECOLOR

    def forget(self) -> None:
        """The terminal's content is unknown: the next updates send everything."""
        self._lines = []

    def render(self, update: CompositorUpdate, console: Console, width: int, height: int) -> str:
        """The sequences that bring the terminal from what it holds to ``update``."""
        if len(self._lines) != height or self._width != width:
            self._lines = [_Line(width) for _ in range(height)]
            self._width = width
        color_system = console._color_system or ColorSystem.TRUECOLOR  # as Textual renders
        if color_system != self._color_system:
            self._color_system = color_system
            self._transitions.clear()
        out = _Output(self)
        if isinstance(update, LayoutUpdate):
            x0 = update.region.x
            for y, line in enumerate(update.strips, update.region.y):
                x = x0
                for strip in line:
                    out.strip(x, y, strip)
                    x += strip.cell_length
        elif isinstance(update, ChopsUpdate):
            _chops(out, update.chops, update.spans)
        else:  # an update kind this module does not know: everything, as Textual renders it
            self.forget()
            return update.render_segments(console)
        return out.finish()

    def transition(self, old: Style | None, new: Style | None) -> str:
        """The shortest escape that changes the terminal's style from ``old`` to ``new``."""
        key = (old, new)
        found = self._transitions.get(key)
        if found is not None:
            return found
        if len(self._transitions) > _STYLE_CACHE_LIMIT:
            self._transitions.clear()
        found = self._transitions[key] = self._escape(old, new)
        return found

    def _escape(self, old: Style | None, new: Style | None) -> str:
        if new is None or not _sgr(new, self._color_system):
            return _RESET if old is not None else ""
        if old is None:
            return f"\x1b[{_sgr(new, self._color_system)}m"
        if _attributes(old) != _attributes(new):
            return f"\x1b[0;{_sgr(new, self._color_system)}m"
        codes: list[str] = []
        if old.color != new.color:
            codes += _color_codes(new, foreground=True, system=self._color_system)
        if old.bgcolor != new.bgcolor:
            codes += _color_codes(new, foreground=False, system=self._color_system)
        return f"\x1b[{';'.join(codes)}m" if codes else ""


class _Output:
    """One update's sequences, with the terminal's cursor and style as they go."""

    __slots__ = ("_cells", "_parts", "_style", "_x", "_y")

    def __init__(self, cells: ChangedCells) -> None:
        self._cells = cells
        self._parts: list[str] = []
        self._x = -1
        self._y = -1
        self._style: Style | None = None

    def strip(self, x: int, y: int, strip: Iterable[Segment]) -> None:
        lines = self._cells._lines
        if not 0 <= y < len(lines):
            return
        line = lines[y]
        known = line.segments
        width = len(line.owner)
        for text, style, control in strip:
            if control:
                continue
            ascii = text.isascii()
            size = len(text) if ascii else cell_len(text)
            if size == 0:
                continue
            end = x + size
            if end > width:  # the part past the screen's edge is dropped, as a terminal does
                break
            shown = known.get(x)
            if shown is not None and shown[1] == style and not _link(style):
                old = shown[0]
                if old == text:
                    x = end
                    continue
                if ascii and len(old) == size and old.isascii():
                    # the same place and style: only the characters that differ
                    first = next(i for i in range(size) if old[i] != text[i])
                    last = next(i for i in range(size - 1, -1, -1) if old[i] != text[i])
                    self._write(x + first, y, text[first : last + 1], style, last + 1 - first)
                    known[x] = (text, style)
                    x = end
                    continue
            self._write(x, y, text, style, size)
            for start in set(line.owner[x:end]):
                if start >= 0:
                    known.pop(start, None)
            line.owner[x:end] = [x] * size
            known[x] = (text, style)
            x = end

    def _write(self, x: int, y: int, text: str, style: Style | None, size: int) -> None:
        parts = self._parts
        if y != self._y or x < self._x:
            parts.append(f"\x1b[{y + 1};{x + 1}H")
        elif x > self._x:  # forward on the same line: shorter than a move to (x, y)
            parts.append(f"\x1b[{x - self._x}C")
        if style is not None and _link(style):
            parts.append(self._cells.transition(self._style, None))
            parts.append(Strip.render_style(style, text, self._cells._color_system))
            self._style = None
        else:
            if style != self._style:
                parts.append(self._cells.transition(self._style, style))
                self._style = style
            parts.append(text)
        self._x = x + size
        self._y = y

    def finish(self) -> str:
        if self._style is not None:
            self._parts.append(_RESET)
        return "".join(self._parts)


def _chops(
    out: _Output,
    chops: Sequence[Mapping[int, Strip | None]],
    spans: list[tuple[int, int, int]],
) -> None:
    """A partial update: the lines its spans touch, each with every piece of a widget's line
    (chop) the compositor rendered on it. Those are the screen's content as it is now, so
    sending them beyond the spans is right, and what did not change is skipped anyway."""
    for y in dict.fromkeys(y for y, _, _ in spans):
        for x, strip in chops[y].items():
            if strip is not None:
                out.strip(x, y, strip)


def _link(style: Style | None) -> bool:
    """A link is never taken as already shown (its id changes)."""
    return style is not None and bool(style._link)


def _attributes(style: Style) -> int:
    return style._attributes & style._set_attributes


def _sgr(style: Style, system: ColorSystem) -> str:
    return Strip.render_ansi(style, system)


def _color_codes(style: Style, *, foreground: bool, system: ColorSystem) -> list[str]:
    color = style.color if foreground else style.bgcolor
    if color is None:
        return ["39" if foreground else "49"]
    return list(color.downgrade(system).get_ansi_codes(foreground))
