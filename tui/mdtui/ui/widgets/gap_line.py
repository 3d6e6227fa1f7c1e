"""The gap line: the Upbit-Korbit gap of the selected coin in the quote currency.

Two rows, one per exchange (Upbit first): its best bid and ask, then the executable gap of
buying there at the ask and selling on the other exchange at its bid, in the quote
currency (exact) and in percent of the buying price. The first column holds the coin and
its last-price gap (the board's GAP%). A coin on one exchange only, or in a quote the other
does not list, says so; a side whose feed is stale or delayed is drawn in the stale colour
and says which.

It sits between the board and the ladder, the screen's full width and no border, so it is
on screen in every layout (the ladder, tape and private panes take turns below it on small
screens); on narrower screens it drops words, never numbers.
"""

from __future__ import annotations

from decimal import Decimal

from rich.cells import cell_len
from rich.style import Style
from textual.strip import Strip

from mdtui.display import gap
from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.format import fmt_pct, fmt_price
from mdtui.display.shared_state import SharedState
from mdtui.model.events import Ticker
from mdtui.ui.widgets.lines import LinePane, fit, strip_of

ROWS = 2
"""The gap line's height."""

Cell = tuple[str, Style, bool]
"""Text, style, right-aligned."""

VARIANTS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("coin", 1), ("venue", 2), ("bid_label", 2), ("bid", 1), ("ask_label", 2), ("ask", 1),
     ("route", 3), ("diff", 2), ("unit", 1), ("pct", 2), ("note", 2)),
    (("venue", 1), ("bid_label", 2), ("bid", 1), ("ask_label", 2), ("ask", 1),
     ("route", 3), ("diff", 2), ("unit", 1), ("pct", 2), ("note", 2)),
    (("venue", 1), ("bid_label", 2), ("bid", 1), ("ask_label", 2), ("ask", 1),
     ("short", 3), ("diff", 2), ("unit", 1), ("pct", 2), ("note", 2)),
    (("venue", 1), ("bid", 2), ("ask", 1), ("to", 2), ("diff", 2), ("pct", 1), ("note", 1)),
)  # fmt: skip
"""The columns of each row and the spaces before each, widest first: the first that fits
the width is shown (a column empty on both rows takes no room). The last keeps the numbers
and where to sell (60 columns)."""


class GapLine(LinePane, can_focus=False):
    """The selected coin's best bids and asks on both exchanges and its executable gap."""

    def __init__(self, shared: SharedState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.key: str | None = None
        self._seen: tuple = ()
        self._lines: list[Strip] | None = None

    def flush(self, key: str | None) -> None:
        """Show ``key``'s coin; repaint when its data on either exchange changed."""
        self.measure()
        token = self._token(key)
        if token != self._seen:
            self._seen, self.key, self._lines = token, key, None
            self.refresh()

    def _token(self, key: str | None) -> tuple:
        shared = self.shared
        parts: list[object] = [key, self.line_width, shared.stale_seq, shared.catalog.version]
        pair = gap.upbit_korbit(key, shared.twins()) if key else None
        for market in pair or ():
            state = shared.model.markets.get(market)
            parts += [state.ticker_seq, state.book_seq] if state else [-1, -1]
        return tuple(parts)

    def clear_cache(self) -> None:
        self._lines = None

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        if self._lines is None:
            self._lines = self._build_lines(width)
        return self._lines[y] if y < len(self._lines) else Strip.blank(width, self.palette.base)

    # -- the two rows -------------------------------------------------------------------

    def _build_lines(self, width: int) -> list[Strip]:
        p = self.palette
        key = self.key
        if key is None:
            return []
        shared = self.shared
        pair = gap.upbit_korbit(key, shared.twins())
        if pair is None:
            entry = shared.catalog.entry(key)
            other = gap.KORBIT if entry.venue == gap.UPBIT else gap.UPBIT
            if other in shared.catalog.loaded:
                text = f"{entry.symbol} is not listed on {VENUE_LABEL[other]}: no Upbit-Korbit gap"
            else:
                text = f"{entry.symbol}: no {VENUE_LABEL[other]} market to compare with"
            return [strip_of([(" ", p.base), (text, p.muted)], width, p.base)]
        rows = self._rows(pair)
        for variant in VARIANTS:
            widths = {name: max(cell_len(row[name][0]) for row in rows) for name, _ in variant}
            shown = [(name, space) for name, space in variant if widths[name]]
            if sum(widths[n] + space for n, space in shown) <= width:
                break
        return [
            strip_of(
                [
                    part
                    for name, space in shown
                    for part in (
                        (" " * space, p.base),
                        (fit(row[name][0], widths[name], row[name][2]), row[name][1]),
                    )
                ],
                width,
                p.base,
            )
            for row in rows
        ]

    def _rows(self, pair: tuple[str, str]) -> list[dict[str, Cell]]:
        """Upbit's row and Korbit's, as named cells (the words of every variant)."""
        p, shared = self.palette, self.shared
        tops = [shared.best_bid_ask(k) for k in pair]
        routes = gap.routes(tops[0], tops[1])
        entries = [shared.catalog.entry(k) for k in pair]
        decimals = max(e.price_decimals(self._last(e.key)) for e in entries)
        late = [shared.banner(k) is not None for k in pair]
        rows = []
        for i, route in enumerate(routes):
            bid, ask = tops[i]
            buy, sell = VENUE_LABEL[route.buy_venue], VENUE_LABEL[route.sell_venue]
            gain = p.stale if any(late) else self._gain(route.pct)
            rows.append(
                {
                    "coin": ("", p.base, False),
                    "venue": (buy, p.stale if late[i] else p.base, False),
                    "bid_label": ("bid", p.muted, False),
                    "bid": (fmt_price(bid, decimals), p.stale if late[i] else p.bid, True),
                    "ask_label": ("ask", p.muted, False),
                    "ask": (fmt_price(ask, decimals), p.stale if late[i] else p.ask, True),
                    "route": (f"buy {buy} → sell {sell}", p.muted, False),
                    "short": (f"{buy}→{sell}", p.muted, False),
                    "to": (f"→{sell}", p.muted, False),
                    "diff": (signed(route.diff, decimals), gain, True),
                    "unit": (entries[i].quote if route.diff is not None else "", p.muted, False),
                    "pct": (fmt_pct(route.pct, gap.PLACES), gain, True),
                    "note": (self._why(pair[i]) if late[i] else "", p.stale, False),
                }
            )
        rows[0]["coin"] = (entries[0].symbol, p.base, False)
        pct = gap.gap_pct(pair[0], shared.twins(), self._ticker)
        if pct is not None:
            style = p.stale if any(late) else p.gap[gap.level(pct, shared.gap_alert)]
            rows[1]["coin"] = (f"GAP {fmt_pct(pct, gap.PLACES)}", style, False)
        return rows

    def _ticker(self, key: str) -> Ticker | None:
        state = self.shared.model.markets.get(key)
        return state.ticker if state is not None else None

    def _last(self, key: str) -> Decimal | None:
        state = self.shared.model.markets.get(key)
        return state.last_price if state is not None else None

    def _why(self, key: str) -> str:
        return "stale" if self.shared.stale.get(key.partition(":")[0]) else "delayed"

    def _gain(self, pct: Decimal | None) -> Style:
        """A route's numbers: muted unless it pays, warmer the more it pays."""
        p = self.palette
        if pct is None or pct <= 0:
            return p.muted
        return p.gap[max(gap.level(pct, self.shared.gap_alert), 1)]


def signed(diff: Decimal | None, decimals: int) -> str:
    """``+90,000``, ``-210,000``, ``0``: every digit (:func:`fmt_price`), with its sign."""
    if diff is None:
        return "—"
    text = fmt_price(abs(diff), decimals)
    return text if diff == 0 else ("+" if diff > 0 else "-") + text
