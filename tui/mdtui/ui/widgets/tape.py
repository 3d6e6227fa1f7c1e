"""The trade tape of the selected market: newest on top, coloured by taker side.

Each trade is formatted once into a Strip (cached by trade id); new trades shift the
visible rows down, so a flush with new trades repaints the pane from cached strips.
Trades at or above the big-trade threshold are highlighted. Memory is bounded by the
model's per-market tape length.
"""

from __future__ import annotations

from decimal import Decimal

from rich.style import Style
from textual import events
from textual.strip import Strip

from mdtui.display.format import (
    decimals_of,
    fmt_clock,
    fmt_exact,
    fmt_notional,
    fmt_price,
    size_decimals,
)
from mdtui.display.shared_state import SharedState
from mdtui.model.events import Trade
from mdtui.model.market_store import TAPE_LENGTH, MarketState
from mdtui.ui.widgets.lines import NUMBER_WIDTH, LinePane, Part, centered, fit, strip_of

SIDE_LABEL = {
    "ko": {"buy": "매수", "sell": "매도"},
    "en": {"buy": "BUY", "sell": "SELL"},
}


SIZE_WIDTH = 12
ROWS_STEP = 50
"""The scrollable height grows by this many rows at a time (each growth is a layout)."""
"""The size column's least width; it grows to the widest size shown."""


def value_width(quote: str) -> int:
    """The value column: compact won fits 8 cells; four significant digits of a small BTC
    value (``0.00000617``) need 10."""
    return 8 if quote in ("KRW", "") else 10


class Tape(LinePane):
    """Public trades of one market (``show(key)``)."""

    def __init__(self, shared: SharedState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.key: str | None = None
        self._seen: tuple = ()
        self._seq = 0
        self._strips: dict[tuple[str, bool], Strip] = {}
        self._switch_seq = 0
        """The market's tape sequence when it was selected: older trades were received
        during an earlier selection (there may be a gap) and are drawn muted."""
        self._header: Strip | None = None
        self._price_w = 0
        self._decimals: int | None = None
        self._size_dec = 4
        self._size_w = SIZE_WIDTH

    def show(self, key: str | None) -> None:
        self.key = key
        state = self.shared.model.markets.get(key) if key else None
        self._switch_seq = state.tape_seq if state and not self.shared.replay else 0
        self._seen = ()
        self._seq = 0
        self._price_w = 0
        self._decimals = None
        self._size_w = SIZE_WIDTH
        self.clear_cache()
        self.scroll_to(y=0, animate=False)
        self.flush(0.0)
        self.refresh()

    def _state(self) -> MarketState | None:
        return self.shared.model.markets.get(self.key) if self.key else None

    def trades(self, count: int | None = None) -> list[Trade]:
        """The newest ``count`` trades, newest first (what the pane shows from the top)."""
        state = self._state()
        if state is None:
            return []
        tape = state.tape
        n = len(tape) if count is None else min(count, len(tape))
        return [tape[-1 - i] for i in range(n)]

    # -- flush --------------------------------------------------------------------------

    def flush(self, now: float) -> None:
        self.measure()
        state = self._state()
        seq = state.tape_seq if state else 0
        token = (self.key, seq, self.shared.banner(self.key), self.size, self.shared.names)
        if token == self._seen:
            return
        stale_changed = not self._seen or bool(self._seen[2]) != bool(token[2])
        self._seen = token
        if stale_changed:
            self.clear_cache()
        new = seq - self._seq
        self._seq = seq
        if state is not None and state.tape:
            self._layout(state.tape[-1])
        # the virtual height grows in steps: a height change is a layout of the screen
        trades = len(state.tape) if state else 0
        self.set_rows(min(-(-trades // ROWS_STEP) * ROWS_STEP, TAPE_LENGTH) + 1)
        if new > 0 and self.scroll_offset.y > 0:
            # the reader scrolled back: keep the same trades in view
            self.scroll_to(y=self.scroll_offset.y + new, animate=False)
        self.refresh()

    def clear_cache(self) -> None:
        self._strips.clear()
        self._header = None

    def on_resize(self, event: events.Resize) -> None:
        self.measure()
        self.clear_cache()
        self._seen = ()

    # -- render -------------------------------------------------------------------------

    def _layout(self, trade: Trade) -> None:
        entry = self.shared.catalog.entry(self.key or "")
        if self._decimals is None:
            self._decimals = entry.price_decimals(trade.price, (trade.price,))
            self._size_dec = size_decimals(trade.price)
        width = min(len(fmt_price(trade.price * Decimal("1.5"), self._decimals)), NUMBER_WIDTH)
        if width > self._price_w:
            self._price_w = max(width, 7)
            self.clear_cache()
        # Sizes show every digit, aligned on the most any trade so far had (rows drawn
        # with fewer are drawn again).
        if decimals_of(trade.size) > self._size_dec:
            self._size_dec = decimals_of(trade.size)
            self.clear_cache()
            self.refresh()
        width = min(len(fmt_exact(trade.size, self._size_dec)), NUMBER_WIDTH)
        if width > self._size_w:
            self._size_w = width
            self.clear_cache()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        p = self.palette
        state = self._state()
        stale = self.shared.banner(self.key)
        if y == 0:
            if stale:
                return centered(f" {stale} ", width, p.stale + Style(reverse=True), p.base)
            if self._header is None or self._header.cell_length != width:
                self._header = self._render_header(width)
            return self._header
        index = int(self.scroll_offset.y) + y - 1
        if state is None or index >= len(state.tape):
            if index == 0 and self.key and not stale:
                symbol = self.shared.catalog.entry(self.key).symbol
                return centered(f"waiting for {symbol} trades…", width, p.muted, p.base)
            return Strip.blank(width, p.base)
        trade = state.tape[-1 - index]
        earlier = index >= state.tape_seq - self._switch_seq
        cache_key = (trade.trade_id, earlier)
        strip = self._strips.get(cache_key)
        if strip is None or strip.cell_length != width:
            self._layout(trade)
            strip = self._render_trade(trade, width, bool(stale) or earlier)
            if len(self._strips) > 2 * len(state.tape) + 100:
                self._strips.clear()
            self._strips[cache_key] = strip
        return strip

    def _render_header(self, width: int) -> Strip:
        p = self.palette
        quote = self.shared.catalog.entry(self.key).quote if self.key else ""
        parts: list[Part] = [
            (" ", p.header),
            (fit("TIME", 8), p.header),
            (" ", p.header),
            (fit("PRICE", max(self._price_w, 7), True), p.header),
            (" ", p.header),
            (fit("SIZE", self._size_w, True), p.header),
            (" ", p.header),
            (fit(quote or "VALUE", value_width(quote), True), p.header),
            (" ", p.header),
            (fit("SIDE", 6), p.header),
        ]
        return strip_of(parts, width, p.header)

    def _render_trade(self, trade: Trade, width: int, stale: bool) -> Strip:
        p = self.palette
        entry = self.shared.catalog.entry(self.key or "")
        buy = trade.side == "buy"
        notional = trade.price * trade.size
        threshold = self.shared.big_trade.get(entry.quote)
        big = threshold is not None and notional >= threshold
        if stale:
            side = text = muted = p.stale
        elif big:
            side = text = muted = p.big_buy if buy else p.big_sell
        else:
            side, text, muted = (p.bid if buy else p.ask), p.base, p.muted
        label = SIDE_LABEL["ko" if self.shared.names == "korean" else "en"][trade.side]
        if big:
            label += " ◆"
        parts: list[Part] = [
            (" ", text),
            (fmt_clock(trade.ts), muted),
            (" ", text),
            (fit(fmt_price(trade.price, self._decimals or 0), self._price_w, True), side),
            (" ", text),
            (fit(fmt_exact(trade.size, self._size_dec), self._size_w, True), text),
            (" ", text),
            (
                fit(
                    fmt_notional(notional, entry.quote, self.shared.locale),
                    value_width(entry.quote),
                    True,
                ),
                muted,
            ),
            (" ", text),
            (fit(label, 6), side),
        ]
        fill = text if big else p.base
        return strip_of(parts, width, fill)
