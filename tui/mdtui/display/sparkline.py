"""The board's trend column: a market's recent closes drawn with the eight block glyphs.

The ``sparkline`` setting chooses the window: ``24h`` (the default) is the last 24 hourly
closes, ``1h`` the last 60 minute closes, ``off`` no column. The column is :data:`CELLS`
cells wide, each the close at the end of an equal span of the window (two hours, or five
minutes), the last one the last price. Its colour is the window's net change: the last
price against the close a whole window before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

BLOCKS = "▁▂▃▄▅▆▇█"
_ZERO, _HALF = Decimal(0), Decimal("0.5")
CELLS = 12
"""Cells of the column: 24 hours in two-hour spans, 60 minutes in five-minute spans."""


class Window(NamedTuple):
    interval: str
    """The candle interval whose closes are drawn."""
    points: int
    """How many of them."""
    title: str


WINDOWS: dict[str, Window] = {
    "24h": Window("1h", 24, "TREND 24H"),
    "1h": Window("1m", 60, "TREND 1H"),
}
"""The ``sparkline`` setting's windows (``off`` is not one)."""


def draw(window: Sequence[Decimal | None]) -> tuple[str, int]:
    """The column's glyphs for ``window`` (the reference close, then the window's closes,
    oldest first; None where the market has no history yet) and the sign of its net
    change. A window without a close draws nothing; a span before the market's first
    close is blank; a flat window is a line at the bottom."""
    points = len(window) - 1
    step = points // CELLS
    shown = [window[(i + 1) * step] for i in range(CELLS)] if step else list(window[1:])
    values = [v for v in shown if v is not None]
    if not values:
        return "", 0
    low, high = min(values), max(values)
    top = len(BLOCKS) - 1
    scale = top / (high - low) if high != low else _ZERO
    glyphs = []
    for value in shown:
        if value is None:
            glyphs.append(" ")
        else:
            glyphs.append(BLOCKS[min(int((value - low) * scale + _HALF), top)])
    reference = window[0] if window[0] is not None else values[0]
    change = values[-1] - reference
    return "".join(glyphs), (change > 0) - (change < 0)
