"""Screen output cut to the cells that changed (``ui/changed_cells.py``): whatever the updates,
a terminal fed the cut output shows exactly what one fed Textual's full output shows, with
fewer bytes. Checked with ``pyte``, a terminal emulator."""

from __future__ import annotations

import io
import re

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from mdtui.ui.changed_cells import ChangedCells

W, H = 24, 6
STYLES = [
    None,
    Style(color="#d8dde6", bgcolor="#0f1217"),
    Style(color="#f6465d", bgcolor="#0f1217"),
    Style(color="#4a8bff", bgcolor="#0f1217"),
    Style(color="#f6465d", bgcolor="#253f6f"),
    Style(color="#d8dde6", bgcolor="#0f1217", bold=True),
    Style(color="#7d8188", bgcolor="#0f1217", reverse=True),
    Style(color="#7d8188", bgcolor="#0f1217", dim=True, underline=True),
    Style(color="#7d8188"),
]
CHARS = "ab1 ,.─│매수가"


def console() -> Console:
    return Console(file=io.StringIO(), width=W, height=H, color_system="truecolor")


def terminal() -> tuple[pyte.Screen, pyte.Stream]:
    screen = pyte.Screen(W, H)
    return screen, pyte.Stream(screen)


def cells(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
            for c in (screen.buffer[y][x] for x in range(W))
        ]
        for y in range(H)
    ]


@st.composite
def lines(draw: st.DrawFn) -> list[Segment]:
    """One screen line, exactly W cells, as segments of random text and style."""
    out: list[Segment] = []
    used = 0
    while used < W:
        style = draw(st.sampled_from(STYLES))
        text = ""
        for ch in draw(st.text(CHARS, min_size=1, max_size=8)):
            width = 2 if ch in "매수가" else 1
            if used + width > W:
                ch, width = " ", 1
            text += ch
            used += width
            if used == W:
                break
        out.append(Segment(text, style))
    return out


def chop(line: list[Segment], cut: int) -> dict[int, Strip]:
    """The line in two pieces at ``cut`` (as the compositor cuts at widgets' edges)."""
    strip = Strip(line)
    if cut <= 0 or cut >= W:
        return {0: strip}
    left, right = strip.divide([cut, W])
    if left.cell_length != cut:  # a wide character across the cut: do not cut there
        return {0: strip}
    return {0: left, cut: right}


frames = st.lists(
    st.tuples(
        st.lists(st.one_of(st.none(), lines()), min_size=H, max_size=H),
        st.booleans(),
        st.integers(0, W),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(frames)
def test_the_terminal_shows_what_textual_would_have_shown(steps) -> None:
    plain, plain_stream = terminal()
    cut, cut_stream = terminal()
    writer = ChangedCells()
    con = console()
    screen: list[list[Segment]] = [[Segment(" " * W, STYLES[1])] for _ in range(H)]
    plain_bytes = cut_bytes = 0
    for changes, full, at in steps:
        for y, line in enumerate(changes):
            if line is not None:
                screen[y] = line
        if full:
            update: LayoutUpdate | ChopsUpdate = LayoutUpdate(
                [[Strip(line)] for line in screen], Region(0, 0, W, H)
            )
        else:
            ys = [y for y, line in enumerate(changes) if line is not None] or [0]
            chops = [chop(screen[y], at) if y in ys else {0: None} for y in range(H)]
            ends = [[*list(c)[1:], W] for c in chops]
            update = ChopsUpdate(chops, [(y, 0, W) for y in ys], ends)  # type: ignore[arg-type]
        textual_out = update.render_segments(con)
        our_out = writer.render(update, con, W, H)
        plain_stream.feed(textual_out)
        cut_stream.feed(our_out)
        plain_bytes += len(textual_out.encode())
        cut_bytes += len(our_out.encode())
        assert cells(cut) == cells(plain)
    assert cut_bytes <= plain_bytes


def full(screen: list[list[Segment]]) -> LayoutUpdate:
    return LayoutUpdate([[Strip(line)] for line in screen], Region(0, 0, W, H))


def test_an_unchanged_screen_sends_nothing_and_one_change_sends_only_itself() -> None:
    red, plain = STYLES[2], STYLES[1]
    screen = [[Segment("price ", plain), Segment("145,000".ljust(W - 6), red)] for _ in range(H)]
    writer, con = ChangedCells(), console()
    first = writer.render(full(screen), con, W, H)
    assert "145,000" in first
    assert writer.render(full(screen), con, W, H) == ""
    screen[3] = [Segment("price ", plain), Segment("145,001".ljust(W - 6), red)]
    again = writer.render(full(screen), con, W, H)
    assert again.startswith("\x1b[4;13H")  # straight to the one character that changed
    assert re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", again) == "1"


def test_a_colour_change_sends_the_colour_alone_and_the_update_ends_reset() -> None:
    a = Style(color="#010203", bgcolor="#0f1217")
    b = Style(color="#040506", bgcolor="#0f1217")
    screen = [[Segment("x" * 12, a), Segment("y" * 12, b)] for _ in range(H)]
    out = ChangedCells().render(full(screen), console(), W, H)
    assert "x" * 12 + "\x1b[38;2;4;5;6m" + "y" * 12 in out
    assert out.endswith("\x1b[0m")


def test_forgetting_or_a_new_size_sends_everything_again() -> None:
    screen = [[Segment("z" * W, STYLES[1])] for _ in range(H)]
    writer, con = ChangedCells(), console()
    writer.render(full(screen), con, W, H)
    writer.forget()
    assert writer.render(full(screen), con, W, H).count("z" * W) == H
    writer.render(full(screen), con, W, H + 1)  # a taller terminal: content unknown
    assert writer.render(full(screen), con, W, H).count("z" * W) == H
