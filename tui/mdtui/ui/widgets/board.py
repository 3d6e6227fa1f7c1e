"""The ticker board: the watchlist, one row per market, both exchanges mixed; or, in its
all-markets mode, every listed market of a quote currency (rows chosen and sorted by
:mod:`mdtui.display.all_markets`).

A Line-API pane with a fixed header row. Each row's Strip is cached with a signature
(ticker sequence, selection, flash, staleness, note, width); a flush compares signatures
and repaints only the rows that changed. A changed last price flashes for a few frames, at
most once per :data:`FLASH_EVERY` seconds per row. Only the rows on screen are looked at,
formatted and painted, so a board of hundreds of markets costs what its visible rows cost.

The GAP% column shows, on both rows of a coin listed on Upbit and Korbit, Korbit's last
price against Upbit's (:mod:`mdtui.display.gap`), warmer with its size and highlighted from
the ``gap_alert_pct`` setting; the watchlist shows it when any of its coins has a twin.

The trend column (:mod:`mdtui.display.sparkline`, the ``sparkline`` setting) draws each
row's recent closes, coloured by their net change; it is the first column to go on a
narrow pane. A row's glyphs are worked out again only when its closes changed or a new
bucket began.

A market left out of its exchange's subscription says why across its price columns ("not
listed on Upbit"); a delayed one is drawn in the stale colour with "delayed 12s" in place
of its name (of its change when the name column does not fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from mdtui.display import all_markets, gap, sparkline
from mdtui.display.all_markets import View
from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.format import fmt_notional, fmt_pct, fmt_price
from mdtui.display.shared_state import SharedState
from mdtui.model.candles import INTERVALS
from mdtui.model.events import Ticker, split_key
from mdtui.model.market_store import MarketState
from mdtui.ui.widgets.lines import LinePane, Part, centered, fit, strip_of

FLASH_FOR = 0.25
"""Seconds a changed price stays highlighted (a few frames at 30 Hz)."""
FLASH_EVERY = 1.0
"""A row flashes at most once per this many seconds."""
RESORT_EVERY = 1.0
"""A sorted board reorders at most once per second, so rows do not jump on every tick."""

SORTS = ("watchlist", "change", "value", "name", "gap")
"""The watchlist's sorts; the all-markets board's are :data:`all_markets.SORTS`."""
SORT_TITLE = {"change": "change", "value": "value", "name": "name", "gap": "gap"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = True


COLUMNS = (
    Column("venue", "EXCH", 6, False),
    Column("market", "MARKET", 10, False),
    Column("flag", "", 4, False),
    Column("name", "NAME", 14, False),
    Column("last", "LAST", 15),
    Column("change", "CHG%", 8),
    Column("spark", "TREND", sparkline.CELLS, False),
    Column("value", "VALUE 24H", 10),
    Column("gap", "GAP%", 7),
    Column("bid", "BID", 15),
    Column("ask", "ASK", 15),
    Column("high", "HIGH", 15),
    Column("low", "LOW", 15),
)
DROP_ORDER = ("spark", "low", "high", "ask", "bid", "name", "venue", "gap", "flag")
"""Columns dropped, in this order, when the pane is too narrow."""
ALERT_MARKS = {"armed": "◇", "fired": "◆"}
"""Before a row's market: an alert watches it; one fired there lately."""
FLAGS = {"korean": ("유의", "주의"), "english": ("WARN", "CAUT")}
"""Upbit's market_event badges: warning (유의, designated for review), caution (주의)."""


def layout(width: int, skip: frozenset[str] = frozenset()) -> list[Column]:
    """The columns that fit ``width`` cells, without those in ``skip``; spare width goes
    to the name."""
    cols = [c for c in COLUMNS if c.key not in skip]
    drop = list(DROP_ORDER)

    def total(cs: list[Column]) -> int:
        return sum(c.width for c in cs) + len(cs)

    while total(cols) > width and drop:
        name = drop.pop(0)
        cols = [c for c in cols if c.key != name]
    spare = width - total(cols)
    grow = {"name": min(max(spare, 0), 8)}
    numeric = [c.key for c in cols if c.right]
    rest = spare - grow["name"]
    if rest > 0 and numeric:
        share, extra = divmod(min(rest, 4 * len(numeric)), len(numeric))
        for i, key in enumerate(numeric):
            grow[key] = share + (1 if i < extra else 0)
    return [Column(c.key, c.title, c.width + grow.get(c.key, 0), c.right) for c in cols]


class Board(LinePane):
    """The watchlist board. Posts :class:`Board.Selected` when the user moves the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "down,j",
            "cursor(1)",
            "Down",
            show=False,
            id="board.down",
            tooltip="Next market on the board",
        ),
        Binding(
            "up,k",
            "cursor(-1)",
            "Up",
            show=False,
            id="board.up",
            tooltip="Previous market on the board",
        ),
        Binding("home,g", "first", "First", show=False, id="board.first", tooltip="First market"),
        Binding("end,G", "last", "Last", show=False, id="board.last", tooltip="Last market"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="board.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="board.page_up"),
        Binding(
            "s",
            "sort",
            "Sort",
            id="board.sort",
            tooltip="Sort by watchlist order, change %, 24 h value, name or Upbit-Korbit gap",
        ),
    ]

    class Selected(Message):
        """The user picked ``key`` on the board."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, shared: SharedState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.keys: list[str] = []
        """Rows in watchlist order."""
        self.order: list[str] = []
        """Rows in display order (the sort applied)."""
        self.selected: str | None = None
        self.mode = "watchlist"
        """``watchlist``, or ``all``: every listed market of :attr:`view`."""
        self.view = View()
        self.sort = "watchlist"
        self._watch_sort = "watchlist"
        self._all_sort = "value"
        self._skip: frozenset[str] = frozenset()
        self._sorted_at = 0.0
        self._rows: dict[str, tuple[tuple, Strip]] = {}
        self._header: tuple[int, Strip] | None = None
        self._cols: list[Column] = []
        self._now = 0.0
        self._flash_until: dict[str, float] = {}
        self._flashed_at: dict[str, float] = {}
        self._last_seen: dict[str, tuple[int, Decimal | None]] = {}
        self._flushed: tuple[int, int, int] = (-1, -1, -1)
        self._width = 0
        self._spark_end = 0
        """The current bucket of the trend column's interval (ms), renewed each flush."""
        self._sparks: dict[str, tuple[tuple[int, int], str, int]] = {}
        """key -> ((closes version, bucket), glyphs, sign of the change)."""
        self.empty_hint = ""
        """Shown under the header while the board has no rows (how to add markets)."""

    # -- data -------------------------------------------------------------------------

    def set_keys(self, keys: list[str], selected: str | None) -> None:
        """Show ``keys`` (watchlist order, or the all-markets rows) with ``selected`` under
        the cursor."""
        self.keys = list(keys)
        self.selected = selected
        self._skip = self._skipped_columns()
        self._cols = []
        self._header = None
        self._rows.clear()
        self._resort(force=True)
        self.set_rows(len(self.order) + 1)
        self.scroll_to_selected()
        self.refresh()

    def set_mode(self, mode: str) -> None:
        """Switch between the watchlist and the all-markets board; each keeps its sort."""
        if mode == self.mode:
            return
        if self.mode == "all":
            self._all_sort = self.sort
        else:
            self._watch_sort = self.sort
        self.mode = mode
        self.sort = self._all_sort if mode == "all" else self._watch_sort

    @property
    def sorts(self) -> tuple[str, ...]:
        return all_markets.SORTS if self.mode == "all" else SORTS

    def _skipped_columns(self) -> frozenset[str]:
        infos = [self.shared.catalog.entry(key).info for key in self.keys]
        skip = set()
        if self.mode == "all":
            skip |= {"bid", "ask"}  # tickers only: Upbit's carry no bid and ask
            if self.view.exchange != "both":
                skip.add("venue")
        elif not any(key in self.shared.twins() for key in self.keys):
            skip.add("gap")  # no coin of the watchlist is on both exchanges
        if not any(info is not None and (info.warning or info.caution) for info in infos):
            skip.add("flag")
        if self.shared.spark is None:
            skip.add("spark")
        return frozenset(skip)

    def select(self, key: str | None) -> None:
        if key != self.selected:
            self.selected = key
            self.scroll_to_selected()
            self.refresh()

    def _resort(self, force: bool = False) -> None:
        if self.sort == "watchlist":
            self.order = list(self.keys)
            return
        if not force and self._now - self._sorted_at < RESORT_EVERY:
            return
        self._sorted_at = self._now
        catalog = self.shared.catalog
        twins = self.shared.twins() if self.sort == "gap" else {}
        order = all_markets.sort_rows(
            self.keys, self.sort, catalog, self._ticker, self.shared.names, twins
        )
        if order != self.order:
            self.order = order
            self.refresh()

    def _ticker(self, key: str) -> Ticker | None:
        state = self.shared.model.markets.get(key)
        return state.ticker if state else None

    # -- the flush ----------------------------------------------------------------------

    def flush(self, now: float) -> None:
        """Repaint the rows whose data changed since the last flush (called at <= 30 Hz)."""
        self._now = now
        self.measure()
        bucket = self._current_bucket()
        token = (self.shared.model.seq, self.shared.stale_seq, bucket)
        if token == self._flushed and not self._flash_until:
            return
        self._flushed = token
        self._width = self.line_width
        self._spark_end = bucket
        if self.sort != "watchlist":
            self._resort()
        markets = self.shared.model.markets
        scroll_y = int(self.scroll_offset.y)
        height = self.size.height
        visible = self.order[scroll_y : scroll_y + max(height - 1, 0)]
        for key in visible:
            state = markets.get(key)
            if state is None:
                continue
            seen = self._last_seen.get(key)
            if seen is not None and seen[0] == state.ticker_seq:
                continue
            last = state.ticker.last if state.ticker else None
            changed = seen is not None and seen[1] is not None and last != seen[1]
            if changed and now - self._flashed_at.get(key, 0.0) >= FLASH_EVERY:
                self._flashed_at[key] = now
                self._flash_until[key] = now + FLASH_FOR
            self._last_seen[key] = (state.ticker_seq, last)
        for key, until in list(self._flash_until.items()):
            if until <= now:
                del self._flash_until[key]
        for y in range(1, height):
            index = scroll_y + y - 1
            if index >= len(self.order):
                break
            key = self.order[index]
            cached = self._rows.get(key)
            if cached is None or cached[0] != self._signature(key):
                self.refresh_screen_line(y)

    def _signature(self, key: str) -> tuple:
        state = self.shared.model.markets.get(key)
        venue = key.partition(":")[0]
        selected = key == self.selected
        twin = self._twin(key) if "gap" not in self._skip else None
        return (  # the gap column's twin last: its ticker's seq and whether it is live
            state.ticker_seq if state else -1,
            selected,
            key in self._flash_until,
            bool(self.shared.stale.get(venue)),
            self._width,
            self.shared.names,
            state.book_seq if state else -1,  # best bid and ask from a streamed book
            self.shared.notes.get(key),
            (twin.ticker_seq, self.shared.banner(twin.key) is not None) if twin else None,
            (state.spark.version, self._spark_end) if state and state.spark else None,
            self.shared.alert_marks.get(key),  # last: read as signature[-1]
        )

    def _current_bucket(self) -> int:
        """The start (ms) of the trend column's current bucket (0 without the column)."""
        spark = self.shared.spark
        if spark is None:
            return 0
        now_ms = self.shared.wall_ms()
        return now_ms - now_ms % INTERVALS[spark.interval]

    def visible_keys(self) -> list[str]:
        """The markets of the rows on screen, top first."""
        top = int(self.scroll_offset.y)
        return self.order[top : top + max(self.size.height - 1, 0)]

    @property
    def shows_spark(self) -> bool:
        """Whether the trend column is on screen (it leaves first on a narrow pane)."""
        return any(c.key == "spark" for c in self._columns())

    def _spark_cell(self, state: MarketState) -> tuple[str, int]:
        """The row's trend glyphs and the sign of their change, from the cache while its
        closes and the bucket are the same."""
        spark = state.spark
        if spark is None:
            return "", 0
        token = (spark.version, self._spark_end)
        cached = self._sparks.get(state.key)
        if cached is not None and cached[0] == token:
            return cached[1], cached[2]
        text, sign = sparkline.draw(spark.window(self._spark_end))
        self._sparks[state.key] = (token, text, sign)
        return text, sign

    def _twin(self, key: str) -> MarketState | None:
        """The market state of ``key``'s coin on the other exchange (for the gap)."""
        other = self.shared.twins().get(key)
        return self.shared.model.markets.get(other) if other else None

    # -- rendering ----------------------------------------------------------------------

    def clear_cache(self) -> None:
        self._rows.clear()
        self._header = None

    def on_resize(self, event: events.Resize) -> None:
        self.measure()
        self._width = self.line_width
        self.clear_cache()
        self.scroll_to_selected()

    def _columns(self) -> list[Column]:
        width = self.line_width
        if not self._cols or sum(c.width for c in self._cols) + len(self._cols) != width:
            self._cols = layout(width, self._skip)
        return self._cols

    def render_line(self, y: int) -> Strip:
        width = self._width = self.line_width
        if y == 0:
            if self._header is None or self._header[0] != width:
                self._header = (width, self._render_header(width))
            return self._header[1]
        index = int(self.scroll_offset.y) + y - 1
        if not self.order and y == 1 and self.empty_hint:
            return centered(self.empty_hint, width, self.palette.muted, self.palette.base)
        if index >= len(self.order):
            return Strip.blank(width, self.palette.base)
        key = self.order[index]
        signature = self._signature(key)
        cached = self._rows.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        strip = self._render_row(key, signature, width)
        self._rows[key] = (signature, strip)
        return strip

    def _render_header(self, width: int) -> Strip:
        p = self.palette
        parts: list[Part] = []
        for col in self._columns():
            title = col.title
            if col.key == "spark" and self.shared.spark is not None:
                title = self.shared.spark.title
            if col.key == SORT_TITLE.get(self.sort):
                title += "▼" if self.sort != "name" else "▲"
            parts += [(" ", p.header), (fit(title, col.width, col.right), p.header)]
        return strip_of(parts, width, p.header)

    def _render_row(self, key: str, signature: tuple, width: int) -> Strip:
        p = self.palette
        selected, flashing, stale, note = signature[1], signature[2], signature[3], signature[7]
        if note is not None and note.left_out:
            return self._render_left_out(key, note.text, selected, width)
        stale = stale or note is not None
        venue, _ = split_key(key)
        entry = self.shared.catalog.entry(key)
        state = self.shared.model.markets.get(key)
        ticker = state.ticker if state else None
        base = p.base
        if ticker is None:
            direction = p.muted
        elif ticker.change > 0:
            direction = p.up
        elif ticker.change < 0:
            direction = p.down
        else:
            direction = p.base
        if stale:
            base = direction = p.stale
        decimals = entry.price_decimals(ticker.last if ticker else None)
        cells: dict[str, tuple[str, Style]] = {
            "venue": (VENUE_LABEL.get(venue, venue), p.muted if not stale else p.stale),
            "market": (entry.symbol, base),
            "name": (entry.name(self.shared.names), base if not stale else p.stale),
        }
        info = entry.info
        if info is not None and (info.warning or info.caution):
            warn, caution = FLAGS.get(self.shared.names, FLAGS["korean"])
            cells["flag"] = (warn, p.error) if info.warning else (caution, p.warn)
        if "gap" not in self._skip:
            pct = gap.gap_pct(key, self.shared.twins(), self._ticker)
            if pct is not None:
                behind = stale or bool(signature[8] and signature[8][1])
                style = p.stale if behind else p.gap[gap.level(pct, self.shared.gap_alert)]
                cells["gap"] = (fmt_pct(pct, gap.PLACES), style)
        if state is not None and state.spark is not None and "spark" not in self._skip:
            glyphs, sign = self._spark_cell(state)
            trend = p.up if sign > 0 else p.down if sign < 0 else p.base
            cells["spark"] = (glyphs, p.stale if stale else trend)
        if ticker is None:
            cells["last"] = ("no data", p.stale) if stale else ("loading…", p.muted)
        else:
            cells["last"] = (fmt_price(ticker.last, decimals), direction)
            cells["change"] = (fmt_pct(ticker.change_pct), direction)
            cells["value"] = (fmt_notional(ticker.value_24h, entry.quote, self.shared.locale), base)
            bid, ask = self.shared.best_bid_ask(key)
            cells["bid"] = (fmt_price(bid, decimals), p.bid if not stale else base)
            cells["ask"] = (fmt_price(ask, decimals), p.ask if not stale else base)
            cells["high"] = (fmt_price(ticker.high, decimals), base)
            cells["low"] = (fmt_price(ticker.low, decimals), base)
        if note is not None:
            if any(c.key == "name" for c in self._columns()):
                cells["name"] = (note.text, p.stale)
            else:
                cells["change"] = ("delayed", p.stale)
        cursor = p.cursor_bg if selected else None
        fill = base + cursor if cursor else base
        mark = ALERT_MARKS.get(signature[-1], "")  # in the space before the market
        mark_style = p.warn if signature[-1] == "fired" else p.muted
        parts: list[Part] = []
        for col in self._columns():
            text, style = cells.get(col.key, ("", base))
            if cursor:
                style = style + cursor
            if col.key == "last" and flashing:
                style = style + p.flash_bg
            space = (" ", fill)
            if mark and col.key == "market":
                space = (mark, mark_style + cursor if cursor else mark_style)
            parts += [space, (fit(text, col.width, col.right), style)]
        return strip_of(parts, width, fill)

    def _render_left_out(self, key: str, text: str, selected: bool, width: int) -> Strip:
        """Exchange, market and name, then why it is not subscribed across the rest."""
        p = self.palette
        venue, _ = split_key(key)
        entry = self.shared.catalog.entry(key)
        cells = {
            "venue": VENUE_LABEL.get(venue, venue),
            "market": entry.symbol,
            "name": entry.name(self.shared.names),
        }
        cursor = p.cursor_bg if selected else None
        fill = p.base + cursor if cursor else p.base
        muted = p.muted + cursor if cursor else p.muted
        warn = p.stale + cursor if cursor else p.stale
        parts: list[Part] = []
        rest = 0
        for col in self._columns():
            if col.key in cells:
                parts += [(" ", fill), (fit(cells[col.key], col.width), muted)]
            else:
                rest += col.width + 1
        parts += [(" ", fill), (fit(text, rest - 1), warn)]
        return strip_of(parts, width, fill)

    # -- keys and mouse -----------------------------------------------------------------

    def scroll_to_selected(self) -> None:
        if self.selected not in self.order:
            return
        index = self.order.index(self.selected)
        visible = max(self.size.height - 1, 1)
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + visible:
            self.scroll_to(y=index - visible + 1, animate=False)

    def _move_to(self, index: int) -> None:
        if not self.order:
            return
        index = max(0, min(index, len(self.order) - 1))
        key = self.order[index]
        self.select(key)
        self.post_message(self.Selected(key))

    def _index(self) -> int:
        return self.order.index(self.selected) if self.selected in self.order else -1

    def action_cursor(self, delta: int) -> None:
        self._move_to(self._index() + delta if self._index() >= 0 else 0)

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self.order) - 1)

    def action_page(self, direction: int) -> None:
        self._move_to(self._index() + direction * max(self.size.height - 2, 1))

    def action_sort(self) -> None:
        sorts = self.sorts
        self.sort = (
            sorts[(sorts.index(self.sort) + 1) % len(sorts)] if self.sort in sorts else sorts[0]
        )
        self._header = None
        self._resort(force=True)
        self.scroll_to_selected()
        self.refresh()
        self.notify(f"board sorted by {self.sort}", timeout=1.5)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y <= 0:
            return
        index = int(self.scroll_offset.y) + offset.y - 1
        if 0 <= index < len(self.order):
            self._move_to(index)
