"""The chart pane: candles of the selected market (:mod:`mdtui.display.chart` lays them
out), with the user's resting orders as lines and fills as marks.

It follows the selected market as the ladder and tape do, and says "loading" until that
market's series of the chosen interval has candles: it never shows another market's
chart. While shown it tells the feed what it wants (``SharedState.chart``); hidden, it
wants nothing and draws nothing. It lays the chart out again only when the series, the
orders, the fills, the view or the size changed, and at most :data:`REDRAW_HZ` times a
second; every row is then one cached strip.
"""

from __future__ import annotations

from decimal import Decimal

from rich.style import Style
from textual.strip import Strip

from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.chart import DEFAULT_ZOOM, ZOOMS, Chart, FillMark, OwnOrder, layout
from mdtui.display.format import infer_decimals
from mdtui.display.shared_state import ChartWant, SharedState
from mdtui.model.candles import INTERVALS, CandleSeries
from mdtui.model.events import split_key
from mdtui.ui.widgets.lines import LinePane, centered, strip_of

REDRAW_HZ = 4
"""At most this many layouts a second for new candles (a key redraws at once)."""
FILLS_SHOWN = 500
"""The newest fills of the market looked at for marks."""
DEFAULT_INTERVAL = "1m"


class ChartPane(LinePane):
    """Candles of one market (``show(key)``) at one interval, zoom and scroll position."""

    def __init__(self, shared: SharedState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.key: str | None = None
        self.interval = DEFAULT_INTERVAL
        self.zoom = DEFAULT_ZOOM
        self.back = 0
        """Columns the view is scrolled back from the newest candle's (0: live)."""
        self.active = False
        """Shown on screen (the app says so); hidden, the pane wants and draws nothing."""
        self.chart: Chart | None = None
        """The layout on screen (None: a message instead)."""
        self._older_than: int | None = None
        self._seen: tuple = ()
        self._drawn_at = -1.0
        self._strips: list[Strip] = []
        self._styles: dict[str, Style] = {}
        self._styles_stale: bool | None = None
        self._fills: tuple[tuple[str | None, int], list[FillMark]] = ((None, -1), [])

    # -- what is shown ------------------------------------------------------------------

    def show(self, key: str | None) -> None:
        """Follow the selected market: back to the live end, at the same interval."""
        if key != self.key:
            self.key = key
            self.back = 0
            self._older_than = None
        self._changed()

    def set_active(self, active: bool) -> None:
        self.active = active
        self._changed()

    def choose_interval(self, interval: str) -> None:
        if interval in INTERVALS and interval != self.interval:
            self.interval = interval
            self.back = 0
            self._older_than = None
            self._changed()

    def zoom_by(self, delta: int) -> None:
        """``delta`` > 0 zooms in (fewer candles, wider), < 0 out."""
        zoom = min(max(self.zoom - delta, 0), len(ZOOMS) - 1)
        if zoom != self.zoom:
            old, new = ZOOMS[self.zoom][1], ZOOMS[zoom][1]
            self.back = self.back * old // new
            self.zoom = zoom
            self._changed()

    def scroll_by(self, pages: int) -> None:
        """``pages`` > 0 scrolls back (older) by half a pane each, < 0 forward. Scrolled
        back to the oldest candle held, the pane asks the feed for older ones."""
        shown = self.chart.columns if self.chart is not None else 0
        if pages > 0 and self.chart is not None and self.chart.at_oldest:
            series = self.series()
            if series is not None and len(series):
                self._older_than = series.candles[0].start
            self._changed()
            return
        self.back = max(self.back + pages * max(shown // 2, 1), 0)
        if pages < 0:
            self._older_than = None
        self._changed()

    def series(self) -> CandleSeries | None:
        """The series shown: the selected market's, of the chosen interval."""
        if self.key is None:
            return None
        state = self.shared.model.markets.get(self.key)
        return state.candle_series(self.interval) if state is not None else None

    def _changed(self) -> None:
        """The view changed: tell the feed, lay out again at once."""
        self.shared.chart = (
            ChartWant(self.key, self.interval, self._older_than)
            if self.active and self.key is not None
            else None
        )
        self._update_title()
        self._seen = ()
        self._drawn_at = -1.0
        if self.active:
            self.flush(0.0)

    def _update_title(self) -> None:
        if self.key is None:
            self.border_title = "Chart"
            return
        entry = self.shared.catalog.entry(self.key)
        parts = ["Chart", entry.symbol, VENUE_LABEL.get(entry.venue, entry.venue), self.interval]
        columns, per_column = ZOOMS[self.zoom]
        if (columns, per_column) != ZOOMS[DEFAULT_ZOOM]:
            parts.append(f"{per_column} per column" if per_column > 1 else f"x{columns}")
        if self.back:
            parts.append(f"{self.back} back")
        self.border_title = " · ".join(parts)

    # -- flush --------------------------------------------------------------------------

    def flush(self, now: float) -> None:
        """Lay out again if anything shown changed (new candles at most
        :data:`REDRAW_HZ` times a second)."""
        if not self.active:
            return
        if self.measure():
            self._seen = ()
        series = self.series()
        account = self.shared.account
        token = (
            self.key,
            self.interval,
            id(series),
            series.version if series is not None else -1,
            account.orders_seq,
            account.fills_seq,
            self.shared.banner(self.key),
            self.size,
            self.zoom,
            self.back,
        )
        if token == self._seen:
            return
        if self._seen and token[:3] == self._seen[:3] and now - self._drawn_at < 1 / REDRAW_HZ:
            return  # the same series moved: wait for the next slot
        older = self._older_than
        if (
            older is not None
            and series is not None
            and len(series)
            and series.candles[0].start < older
        ):
            self._older_than = None  # the older history arrived
            self.shared.chart = ChartWant(self.key or "", self.interval)
        self._seen = token
        self._drawn_at = now
        self._draw(series)
        self.set_rows(self.size.height)
        self.refresh()

    def clear_cache(self) -> None:
        self._styles_stale = None
        self._seen = ()

    def _draw(self, series: CandleSeries | None) -> None:
        width, height = self.line_width, self.size.height
        p = self.palette
        banner = self.shared.banner(self.key)
        if series is None or not len(series):
            self.chart = None
            if self.key is None:
                message = "no market selected"
            else:
                symbol = self.shared.catalog.entry(self.key).symbol
                message = f"loading {symbol} {self.interval} candles…"
            rows = [Strip.blank(width, p.base) for _ in range(height)]
            if height:
                rows[height // 2] = centered(message, width, p.muted, p.base)
            if banner and height:
                rows[0] = centered(f" {banner} ", width, p.stale + Style(reverse=True), p.base)
            self._strips = rows
            return
        venue, market = split_key(self.key or "")
        entry = self.shared.catalog.entry(self.key or "")
        fallback = Decimal(1).scaleb(-infer_decimals(c.close for c in series.candles[-50:]))

        def tick_at(price: Decimal) -> Decimal:
            return entry.tick_at(price) or fallback

        orders = [
            OwnOrder(side, price)
            for side, price in self.shared.account.resting_levels(venue, market)
        ]
        self.chart = chart = layout(
            series.candles,
            width,
            height,
            interval=self.interval,
            tick_at=tick_at,
            zoom=self.zoom,
            back=self.back,
            orders=orders,
            fills=self._fill_marks(venue, market),
        )
        self.back = chart.back
        styles = self._role_styles(bool(banner))
        rows = [
            strip_of([(text, styles.get(role, p.base)) for text, role in row], width, p.base)
            for row in chart.rows
        ]
        if banner and rows:
            rows[0] = centered(f" {banner} ", width, p.stale + Style(reverse=True), p.base)
        self._strips = rows
        self._update_title()

    def _fill_marks(self, venue: str, market: str) -> list[FillMark]:
        key = (self.key, self.shared.account.fills_seq)
        if self._fills[0] != key:
            fills = self.shared.account.fills_view(venue, market, limit=FILLS_SHOWN)
            self._fills = (key, [FillMark(f.side, f.price, f.ts) for f in fills])
        return self._fills[1]

    def _role_styles(self, stale: bool) -> dict[str, Style]:
        if self._styles_stale is not stale:
            p = self.palette
            dim = Style(dim=True)
            styles = {
                "up": p.up,
                "down": p.down,
                "flat": p.base,
                "vol_up": p.up + dim,
                "vol_down": p.down + dim,
                "vol_flat": p.muted,
                "axis": p.muted,
                "label": p.muted,
                "last_up": p.up + Style(reverse=True, bold=True),
                "last_down": p.down + Style(reverse=True, bold=True),
                "last_flat": p.base + Style(reverse=True, bold=True),
                "last_line": p.muted,
                "own": p.own,
                "header": p.header,
                "blank": p.base,
            }
            if stale:
                styles = {role: p.stale if role != "blank" else p.base for role in styles}
            self._styles, self._styles_stale = styles, stale
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        if y < len(self._strips) and self._strips[y].cell_length == width:
            return self._strips[y]
        return Strip.blank(width, self.palette.base)

    def lines(self) -> list[str]:
        """The pane's text, top to bottom (for tests and the headless check)."""
        return [strip.text for strip in self._strips]
