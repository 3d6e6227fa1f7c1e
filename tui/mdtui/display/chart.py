"""A candlestick chart laid out in terminal cells: pure, no Textual.

:func:`layout` turns a market's candles (oldest first) into rows of ``(text, role)`` runs
for a width and height; the chart pane maps each role to a style of the theme (``up`` and
``down`` follow the colour convention, so Korean red-up works).

From the top: a header (the newest shown candle's time, open, high, low, close and
volume), the price rows, a volume strip and the time axis; the price axis is on the right.

- Candles are one column wide and drawn at half-row resolution with box-drawing lines: a
  heavy line is the body, a light line the wick (``╿`` is body above wick in one cell); a
  doji (open = close) is a cross at its price. Zoomed in, a candle gets a column of space
  on each side; zoomed out, one column merges several candles (its open, high, low,
  close and volume).
- Each price row stands for one price, its centre: a whole multiple of a round number of
  ticks (1, 2, 2.5 or 5 times a power of ten), so every label on the axis is a price on
  the tick, shown with the tick's decimals and every digit.
- The last price is a dotted line with its exact price on the axis; each resting order
  of the user is a dashed line starting with its side and exact price (``B 145,100,000
  ╌╌╌``; an order above or below the chart is named on the top or bottom row with ``↑``
  or ``↓``); a fill is ``▲`` (buy) or ``▼`` (sell) on its candle at its price.
- Times are local: ``HH:MM`` (``HH:MM:SS`` for 1 s candles), dates (``MM-DD``) for days.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from mdtui.display.format import compact, decimals_of, fmt_exact, fmt_price
from mdtui.model.candles import INTERVALS, Candle

Role = str
"""What a cell is, for its colour: ``up``, ``down``, ``flat`` (candles), ``vol_up``,
``vol_down``, ``vol_flat`` (volume), ``axis``, ``label`` (axis text), ``last_up``,
``last_down``, ``last_flat`` (the last price's label, as its candle), ``last_line``,
``own`` (orders and fills), ``header``, ``blank``."""
Run = tuple[str, Role]
Row = list[Run]

ZOOMS: tuple[tuple[int, int], ...] = ((3, 1), (2, 1), (1, 1), (1, 2), (1, 4), (1, 8))
"""Zoom levels, in: (columns per candle, candles per column)."""
DEFAULT_ZOOM = 2

VOLUME_FROM = 12
"""Chart heights (rows) from which a volume strip is drawn."""
LABEL_WIDTH = 22
"""The widest price label (the ladder's number columns stop at this too)."""

_CALC = Context(prec=80)
_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
_BLOCKS = " ▁▂▃▄▅▆▇█"

# (upper half, lower half) of a cell -> glyph; "b" body, "w" wick, "" nothing.
_GLYPH = {
    ("", ""): " ",
    ("b", "b"): "┃",
    ("b", ""): "╹",
    ("", "b"): "╻",
    ("w", "w"): "│",
    ("w", ""): "╵",
    ("", "w"): "╷",
    ("b", "w"): "╿",
    ("w", "b"): "╽",
}
_DOJI = {(True, True): "┼", (True, False): "┴", (False, True): "┬", (False, False): "─"}
LAST_LINE = "┈"
ORDER_LINE = "╌"
FILL_MARK = {"buy": "▲", "sell": "▼"}
SIDE_LETTER = {"buy": "B", "sell": "S"}


@dataclass(frozen=True, slots=True)
class OwnOrder:
    """A resting order of the user: a line at its price."""

    side: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class FillMark:
    """A fill of the user: a mark on the candle holding ``ts`` at ``price``."""

    side: str
    price: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class Bar:
    """One column's candle: one candle, or several merged when zoomed out."""

    start: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @property
    def role(self) -> Role:
        return "up" if self.close > self.open else "down" if self.close < self.open else "flat"


@dataclass(frozen=True, slots=True)
class PriceScale:
    """Row ``r`` (0 at the top) stands for the price ``top - r * step``."""

    top: Decimal
    step: Decimal
    rows: int

    def centre(self, row: int) -> Decimal:
        return self.top - row * self.step

    def half_row(self, price: Decimal) -> int:
        """The half row holding ``price`` (0: the upper half of the top row); may be
        outside ``0 .. 2 * rows - 1``. A half row includes its lower edge."""
        half = self.step / 2
        q = _CALC.divide(self.top + half - price, half)
        return int(q.to_integral_value(ROUND_CEILING)) - 1

    def row(self, price: Decimal) -> int:
        return self.half_row(price) // 2


@dataclass(frozen=True, slots=True)
class Chart:
    """What :func:`layout` made: ``rows`` of exactly the asked width, and what the view
    holds."""

    rows: list[Row]
    bars: int
    """Columns with a candle."""
    oldest: int | None
    """The start (ms) of the oldest candle shown."""
    at_oldest: bool
    """The view reaches the oldest candle held: scrolling further needs older history."""
    scale: PriceScale | None
    decimals: int
    plot: int = 0
    """Cells of the plot's width (the price axis is right of them)."""
    columns: int = 0
    """Time columns (each a candle's span, or several candles' zoomed out)."""
    back: int = 0
    """Columns scrolled back from the newest: as asked, or less where the oldest is."""


def bars_of(candles: Sequence[Candle], per_column: int, interval_ms: int) -> list[Bar]:
    """One bar per candle, or per ``per_column`` candles of one aligned time span."""
    if per_column == 1:
        return [Bar(c.start, c.open, c.high, c.low, c.close, c.volume) for c in candles]
    span = interval_ms * per_column
    bars: list[Bar] = []
    for c in candles:
        start = c.start - c.start % span
        if bars and bars[-1].start == start:
            b = bars[-1]
            bars[-1] = Bar(
                start, b.open, max(b.high, c.high), min(b.low, c.low), c.close, b.volume + c.volume
            )
        else:
            bars.append(Bar(start, c.open, c.high, c.low, c.close, c.volume))
    return bars


def _round_steps(tick: Decimal, at_least: Decimal) -> Iterator[Decimal]:
    """Round steps of whole ticks from about ``at_least`` up: 1, 2, 2.5, 5 times a power
    of ten ticks (2.5 from 25 ticks on, so every step is a whole number of ticks)."""
    ticks = _CALC.divide(at_least, tick)
    exponent = max(ticks.adjusted() - 1, 0) if ticks > 0 else 0
    while True:
        for m in _NICE:
            n = m.scaleb(exponent)
            if n == n.to_integral_value():
                yield tick * int(n)
        exponent += 1


def price_scale(low: Decimal, high: Decimal, rows: int, tick: Decimal) -> PriceScale:
    """The finest round step (a whole number of ticks) whose ``rows`` rows hold ``low``
    to ``high``, the data centred."""
    rows = max(rows, 1)
    for step in _round_steps(tick, _CALC.divide(high - low, rows)):
        # The lowest top row whose upper edge is above ``high``: a multiple of the step.
        top = (_CALC.divide(high - step / 2, step).to_integral_value(ROUND_FLOOR) + 1) * step
        spare = 2 * rows - 1 - PriceScale(top, step, rows).half_row(low)
        if spare >= 0:
            return PriceScale(top + (spare // 4) * step, step, rows)
    raise AssertionError("unreachable: the steps grow without end")


def volume_top(volume: Decimal) -> Decimal:
    """The volume strip's full height: the least 1, 2 or 5 times a power of ten from
    ``volume`` up (an exact, round label)."""
    if volume <= 0:
        return Decimal(1)
    exponent = volume.adjusted()
    for e in (exponent, exponent + 1):
        for m in (1, 2, 5):
            top = Decimal(m).scaleb(e)
            if top >= volume:
                return top
    return Decimal(10).scaleb(exponent + 1)


def _local_offset_ms(ts: int) -> int:
    try:
        return time.localtime(ts / 1000).tm_gmtoff * 1000
    except (OverflowError, OSError, ValueError):
        return 0


def time_label(ts: int, interval: str, span_ms: int) -> str:
    """A bar's time on the axis, local: ``MM-DD`` for a day or more, ``HH:MM:SS`` for 1 s
    candles, else ``HH:MM``."""
    if interval == "1d" or span_ms % INTERVALS["1d"] == 0:
        pattern = "%m-%d"
    elif interval == "1s":
        pattern = "%H:%M:%S"
    else:
        pattern = "%H:%M"
    try:
        return time.strftime(pattern, time.localtime(ts / 1000))
    except (OverflowError, OSError, ValueError):
        return "--"


_SPANS_S = (
    1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200,
    86400, 172800, 432000, 864000, 2592000,
)  # fmt: skip


def label_span(column_ms: int, columns_per: int, width: int) -> int:
    """The time between labels (ms): a whole number of columns, round in time, at least
    ``width`` cells apart."""
    for seconds in _SPANS_S:
        span = seconds * 1000
        if span % column_ms == 0 and span // column_ms * columns_per >= width:
            return span
    n = -(-width // columns_per)
    return column_ms * n


def header_row(bar: Bar, interval: str, decimals: int, width: int) -> Row:
    """``14:05 O 145,100,000 H ... L ... C ... V 1.25``: the bar's time (with its date
    from 4 h candles up) and every digit of its prices and volume. Where that does not
    fit, the volume goes first, then the open, then the high and low."""
    pattern = {"1s": "%H:%M:%S", "4h": "%m-%d %H:%M", "1d": "%Y-%m-%d"}.get(interval, "%H:%M")
    try:
        when = time.strftime(pattern, time.localtime(bar.start / 1000))
    except (OverflowError, OSError, ValueError):
        when = "--"
    fields = {"O": bar.open, "H": bar.high, "L": bar.low, "C": bar.close}
    for dropped in ("", "V", "VO", "VOHL"):
        runs: Row = [(f" {when}", "header")]
        for name, value in fields.items():
            if name not in dropped:
                runs += [(f"  {name} ", "label"), (fmt_price(value, decimals), bar.role)]
        if "V" not in dropped:
            runs += [("  V ", "label"), (fmt_exact(bar.volume), "header")]
        if sum(len(text) for text, _ in runs) <= width:
            break
    return fit_row(runs, width)


def fit_row(runs: Row, width: int) -> Row:
    """``runs`` cut (the last cell ``…``) or padded with blanks to ``width`` cells."""
    out: Row = []
    used = 0
    for text, role in runs:
        if used + len(text) > width:
            room = width - used
            if room > 0:
                out.append((text[: room - 1] + "…", role))
            return out
        out.append((text, role))
        used += len(text)
    if used < width:
        out.append((" " * (width - used), "blank"))
    return out


def _runs(cells: list[tuple[str, Role]]) -> Row:
    """Cells merged into runs of one role."""
    out: Row = []
    for ch, role in cells:
        if out and out[-1][1] == role:
            out[-1] = (out[-1][0] + ch, role)
        else:
            out.append((ch, role))
    return out


def layout(
    candles: Sequence[Candle],
    width: int,
    height: int,
    *,
    interval: str,
    tick_at: Callable[[Decimal], Decimal],
    zoom: int = DEFAULT_ZOOM,
    back: int = 0,
    orders: Sequence[OwnOrder] = (),
    fills: Sequence[FillMark] = (),
) -> Chart:
    """Lay out ``candles`` (one market and interval, oldest first) in ``width`` x
    ``height`` cells. Columns are spans of time (a span without trades is an empty
    column), the newest candle's at the right edge when ``back`` is 0, else ``back``
    columns further back; ``tick_at(price)`` is the market's tick there (the lowest price
    shown decides it)."""
    columns_per, per_column = ZOOMS[min(max(zoom, 0), len(ZOOMS) - 1)]
    interval_ms = INTERVALS[interval]
    bars = bars_of(candles, per_column, interval_ms)
    if not bars or width < 8 or height < 4:
        return Chart([fit_row([], width) for _ in range(height)], 0, None, False, None, 0, 0)
    volume_rows = 0 if height < VOLUME_FROM else min(4, max(2, height // 8))
    price_rows = height - 2 - volume_rows
    span = interval_ms * per_column
    # A first guess of the axis, to know how many columns fit; then the real one.
    guess = bars[-1].close
    axis_w = min(1 + len(fmt_price(guess, decimals_of(tick_at(guess)))), LABEL_WIDTH + 1)
    for attempt in range(3):
        plot_w = max(width - axis_w, 1)
        count = max(plot_w // columns_per, 1)
        shown, first, back = _window(bars, count, back, span)
        ranged = shown or [_nearest(bars, first)]
        low = min(b.low for b in ranged)
        high = max(b.high for b in ranged)
        tick = tick_at(low) if low > 0 else tick_at(high)
        decimals = decimals_of(tick)
        scale = price_scale(low, high, price_rows, tick)
        labels = _axis_labels(scale, decimals, bars[-1] if back == 0 else None)
        wanted = min(1 + max(len(text) for text, _ in labels.values()), LABEL_WIDTH + 1)
        if wanted == axis_w or attempt == 2:
            break  # (a label wider than the axis is cut with …)
        axis_w = wanted
    at_oldest = first <= bars[0].start

    grid: list[list[tuple[str, Role]]] = [
        [(" ", "blank")] * plot_w for _ in range(price_rows + volume_rows + 1)
    ]
    pad = (columns_per - 1) // 2
    first_col = plot_w - count * columns_per
    slots = [first_col + i * columns_per + pad for i in range(count)]
    col_of: dict[int, int] = {}
    for bar in shown:
        x = col_of[bar.start] = slots[(bar.start - first) // span]
        _draw_bar(grid, x, bar, scale)

    last = bars[-1].close if back == 0 else None
    if last is not None:
        r = scale.row(last)
        if 0 <= r < price_rows:
            grid[r] = [
                (LAST_LINE, "last_line") if ch == " " else (ch, role) for ch, role in grid[r]
            ]
    for r, (label, line) in _order_rows(scale, decimals, orders).items():
        row = grid[r]
        if line:
            row = [
                (ORDER_LINE, "own") if ch in (" ", LAST_LINE) else (ch, role) for ch, role in row
            ]
        label = label[: plot_w - 1] + " "
        row[: len(label)] = [(ch, "own") for ch in label]
        grid[r] = row
    for fill in fills:
        start = fill.ts - fill.ts % span
        at = col_of.get(start)
        r = scale.row(fill.price)
        if at is not None and 0 <= r < price_rows:
            grid[r][at] = (FILL_MARK.get(fill.side, "◆"), "own")

    vol_label = ""
    if volume_rows:
        top = volume_top(max(b.volume for b in ranged))
        vol_label = fmt_exact(top) if top < 1000 else compact(top, "en")
        for bar in shown:
            x = col_of[bar.start]
            eighths = int(_CALC.divide(bar.volume * volume_rows * 8, top).to_integral_value())
            if bar.volume > 0:
                eighths = max(eighths, 1)
            role = "vol_" + bar.role
            for k in range(volume_rows):
                filled = min(max(eighths - 8 * (volume_rows - 1 - k), 0), 8)
                if filled:
                    grid[price_rows + k][x] = (_BLOCKS[filled], role)

    # Time axis.
    time_row = grid[-1]
    sample = time_label(first, interval, span)
    every = label_span(span, columns_per, len(sample) + 2)
    offset = _local_offset_ms(first)
    if offset % span:
        offset = 0
    free_from = 0
    for i, x in enumerate(slots):
        start = first + i * span
        if (start + offset) % every:
            continue
        text = time_label(start, interval, every)
        if x < free_from or x + len(text) > plot_w:
            continue
        for k, ch in enumerate(text):
            time_row[x + k] = (ch, "axis")
        free_from = x + len(text) + 1

    rows: list[Row] = [header_row(ranged[-1], interval, decimals, width)]
    for r, cells in enumerate(grid):
        label, role = labels.get(r, ("", "label"))
        if volume_rows and r == price_rows:
            label, role = vol_label, "axis"
        if len(label) > axis_w - 1:
            label = label[: axis_w - 2] + "…"
        axis = [(" " + label.rjust(axis_w - 1), role)]
        rows.append(_runs(cells) + axis)
    oldest = shown[0].start if shown else None
    return Chart(rows, len(shown), oldest, at_oldest, scale, decimals, plot_w, count, back)


def _window(bars: list[Bar], count: int, back: int, span: int) -> tuple[list[Bar], int, int]:
    """The bars of ``count`` columns of ``span`` ms, the last ``back`` columns before the
    newest bar's (at most until the oldest bar is in the first column); the first
    column's start; the ``back`` used."""
    newest, oldest = bars[-1].start, bars[0].start
    back = min(max(back, 0), max((newest - oldest) // span - count + 1, 0))
    end = newest - back * span
    first = end - (count - 1) * span
    starts = [b.start for b in bars]
    return bars[bisect_left(starts, first) : bisect_right(starts, end)], first, back


def _nearest(bars: list[Bar], start: int) -> Bar:
    """The bar before ``start`` (else the first): the price range of an empty window."""
    i = bisect_left([b.start for b in bars], start)
    return bars[max(i - 1, 0)]


def _axis_labels(
    scale: PriceScale, decimals: int, newest: Bar | None
) -> dict[int, tuple[str, Role]]:
    """Row -> its label: the last price (the ``newest`` bar's close, coloured as that
    bar) on its row, every other row's centre price (every row on a short chart) on the
    others."""
    rows = scale.rows
    labels: dict[int, tuple[str, Role]] = {}
    if newest is not None and 0 <= scale.row(newest.close) < rows:
        last = (fmt_price(newest.close, decimals), "last_" + newest.role)
        labels[scale.row(newest.close)] = last
    every = 1 if rows <= 10 else 2
    for r in range(rows):
        centre = scale.centre(r)
        if r not in labels and int(_CALC.divide(centre, scale.step)) % every == 0:
            labels[r] = (fmt_price(centre, decimals), "label")
    return labels


def _order_rows(
    scale: PriceScale, decimals: int, orders: Sequence[OwnOrder]
) -> dict[int, tuple[str, bool]]:
    """Row -> the text of the orders on it (``S 145,151,000``) and whether a line is
    drawn: an order off the chart is on the edge row with an arrow and no line."""
    out: dict[int, tuple[str, bool]] = {}
    for order in sorted(orders, key=lambda o: o.price, reverse=True):
        r = scale.row(order.price)
        text = f"{SIDE_LETTER.get(order.side, '?')} {fmt_price(order.price, decimals)}"
        line = 0 <= r < scale.rows
        if r < 0:
            r, text = 0, "↑" + text
        elif r >= scale.rows:
            r, text = scale.rows - 1, "↓" + text
        before, drawn = out.get(r, ("", False))
        out[r] = (f"{before} {text}" if before else text, drawn or line)
    return out


def _draw_bar(grid: list[list[tuple[str, Role]]], x: int, bar: Bar, scale: PriceScale) -> None:
    rows = scale.rows
    high, low = scale.half_row(bar.high), scale.half_row(bar.low)
    if high > 2 * rows - 1 or low < 0:
        return
    o, c = scale.half_row(bar.open), scale.half_row(bar.close)
    role = bar.role
    if bar.open == bar.close:
        row = o // 2
        for r in range(max(high // 2, 0), min(low // 2, rows - 1) + 1):
            if r == row:
                continue
            grid[r][x] = (_cell(2 * r, high, low, -1, -2), role)
        grid[row][x] = (_DOJI[(bar.high > bar.close, bar.low < bar.close)], role)
        return
    top, bottom = min(o, c), max(o, c)
    for r in range(max(high // 2, 0), min(low // 2, rows - 1) + 1):
        grid[r][x] = (_cell(2 * r, high, low, top, bottom), role)


def _cell(h: int, high: int, low: int, top: int, bottom: int) -> str:
    """The glyph of the cell whose upper half is half row ``h``."""

    def part(k: int) -> str:
        if top <= k <= bottom:
            return "b"
        if high <= k <= low:
            return "w"
        return ""

    return _GLYPH[(part(h), part(h + 1))]
