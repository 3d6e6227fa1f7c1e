"""The depth ladder of the selected market: asks above, bids below, the spread between.

Per level: price, size, quote notional, cumulative size and a size bar scaled to the
largest visible level. Each visible line has a *spec* (a tuple of what it shows); a new
book rebuilds the specs, and only the lines whose spec changed are re-rendered and
repainted. As many levels as fit the pane are shown, up to the full book.

Levels where the user has resting orders are marked: a marker in the own-order colour and
a MINE column with the side and remaining size (from the account store). The column only
exists while the market has own orders resting, so an account without any sees the same
ladder as before; an own order changing repaints just its row.
"""

from __future__ import annotations

from decimal import Decimal

from rich.style import Style
from textual import events
from textual.strip import Strip

from mdtui.display.format import (
    decimals_of,
    fmt_exact,
    fmt_notional,
    fmt_price,
    size_decimals,
    spread_text,
)
from mdtui.display.shared_state import SharedState
from mdtui.model.events import Book, Side, split_key
from mdtui.model.market_store import MarketState
from mdtui.ui.widgets.lines import NUMBER_WIDTH, LinePane, Part, centered, fit, strip_of
from mdtui.venues.private_common import EXACT

OWN_MARK = "▶"
"""Drawn left of a level where the user has a resting order."""
OWN_SIDE = {"buy": "B", "sell": "S"}

BLOCKS = " ▏▎▍▌▋▊▉█"
"""Partial blocks for a bar drawn in eighths of a cell."""

Spec = tuple


def bar_parts(eighths: int, fill: Style, edge: Style) -> list[Part]:
    """A bar ``eighths``/8 cells long: coloured blank cells (exact in any font) and a
    partial block for the last fraction."""
    full, part = divmod(max(eighths, 0), 8)
    parts: list[Part] = [(" " * full, fill)]
    if part:
        parts.append((BLOCKS[part], edge))
    return parts


class Ladder(LinePane):
    """Order book ladder for one market (``show(key)``)."""

    def __init__(self, shared: SharedState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.key: str | None = None
        self._armed = 0
        self._seen: tuple = ()
        self._specs: list[Spec] = []
        self._strips: list[Strip | None] = []
        self._colw: tuple[int, ...] = ()
        self._colw_for = 0
        self.levels_shown = 0
        self.shown: Book | None = None
        """The book the lines on screen were built from."""
        self._own: tuple[tuple[str | None, int], dict[tuple[Side, Decimal], Decimal]] = (
            (None, -1),
            {},
        )

    def show(self, key: str | None) -> None:
        """Switch to ``key``. Live, its stored book may be old (it was not subscribed), so
        the ladder waits for a book newer than the switch before showing numbers."""
        self.key = key
        state = self.shared.model.markets.get(key) if key else None
        self._armed = state.book_seq if state and not self.shared.replay else 0
        self._seen = ()
        self.flush(0.0)

    @property
    def book(self) -> Book | None:
        """The book on screen (None while waiting for the first one after a switch)."""
        state = self._state()
        if state is None or state.book is None or state.book_seq <= self._armed:
            return None
        return state.book

    def _state(self) -> MarketState | None:
        return self.shared.model.markets.get(self.key) if self.key else None

    # -- flush --------------------------------------------------------------------------

    def flush(self, now: float) -> None:
        if self.measure():
            self._seen = ()
        state = self._state()
        token = (
            self.key,
            state.book_seq if state else -1,
            self.shared.banner(self.key),
            self.size,
            self.shared.locale,
            self.shared.account.orders_seq,
        )
        if token == self._seen:
            return
        self._seen = token
        specs = self._build_specs()
        widths = self._widths(specs, self.line_width)
        if len(specs) != len(self._strips) or widths != self._colw:
            self._strips = [None] * len(specs)
            self._specs = specs
            self._colw, self._colw_for = widths, self.line_width
            self.refresh()
            return
        for y, spec in enumerate(specs):
            if spec != self._specs[y]:
                self._strips[y] = None
                self.refresh_screen_line(y)
        self._specs = specs

    def clear_cache(self) -> None:
        self._strips = [None] * len(self._specs)

    def own_levels(self) -> dict[tuple[Side, Decimal], Decimal]:
        """The user's resting orders on this market: (side, price) -> remaining size."""
        key = (self.key, self.shared.account.orders_seq)
        if self._own[0] != key:
            levels = {}
            if self.key is not None:
                venue, market = split_key(self.key)
                levels = self.shared.account.resting_levels(venue, market)
            self._own = (key, levels)
        return self._own[1]

    def on_resize(self, event: events.Resize) -> None:
        self.measure()
        self._seen = ()
        self.flush(0.0)

    def _build_specs(self) -> list[Spec]:
        height = self.size.height
        if height <= 0 or self.key is None:
            return []
        entry = self.shared.catalog.entry(self.key)
        stale = self.shared.banner(self.key)
        book = self.shown = self.book
        header: Spec = ("header", stale)
        if book is None:
            message = stale or f"waiting for the {entry.symbol} order book…"
            return [header, *[("blank",)] * ((height - 2) // 2), ("msg", message, bool(stale))]
        n = min(max(len(book.asks), len(book.bids)), max((height - 2) // 2, 1))
        self.levels_shown = n
        asks = book.asks[:n]
        bids = book.bids[:n]
        best = (bids[0][0] if bids else None) or (asks[0][0] if asks else None)
        decimals = entry.price_decimals(best, (p for p, _ in (*asks[:5], *bids[:5])))
        # Every size with all its digits, the column aligned on the most any level has.
        sdec = max((decimals_of(s) for _, s in (*asks, *bids)), default=0)
        sdec = max(sdec, size_decimals(best))
        largest = max((s for _, s in (*asks, *bids)), default=Decimal(0))
        quote = entry.quote
        locale = self.shared.locale
        stale_flag = bool(stale)
        own = self.own_levels()

        def level(side: str, rows: tuple, reverse: bool) -> list[Spec]:
            out: list[Spec] = []
            cum = Decimal(0)
            own_side: Side = "sell" if side == "ask" else "buy"
            for price, size in rows:
                cum = EXACT.add(cum, size)
                share = float(size / largest) if largest else 0.0
                mine = own.get((own_side, price)) if own else None
                out.append(
                    (
                        side,
                        fmt_price(price, decimals),
                        fmt_exact(size, sdec),
                        fmt_notional(price * size, quote, locale),
                        fmt_exact(cum, sdec),
                        share,
                        stale_flag,
                        "" if mine is None else f"{OWN_SIDE[own_side]} {fmt_exact(mine, sdec)}",
                    )
                )
            return out[::-1] if reverse else out

        ask_specs = level("ask", asks, True)
        bid_specs = level("bid", bids, False)
        ask_specs = [("blank",)] * (n - len(ask_specs)) + ask_specs
        if asks and bids:
            spread = ("spread", spread_text(bids[0][0], asks[0][0], decimals), stale_flag)
        else:
            spread = ("spread", "one-sided book", stale_flag)
        if own:
            header = ("header", stale, True)
        return [header, *ask_specs, spread, *bid_specs]

    # -- render -------------------------------------------------------------------------

    @staticmethod
    def _widths(specs: list[Spec], width: int) -> tuple[int, int, int, int, int, int]:
        """Column widths (price, size, notional, cum, mine, bar) that fit every level; the
        MINE column only while the header says own orders rest on this market."""
        price_w = size_w = note_w = cum_w = own_w = 0
        mine = bool(specs) and len(specs[0]) > 2 and specs[0][2]
        for spec in specs:
            if spec[0] in ("ask", "bid"):
                price_w = max(price_w, len(spec[1]))
                size_w = max(size_w, len(spec[2]))
                note_w = max(note_w, len(spec[3]) + 1)
                cum_w = max(cum_w, len(spec[4]))
                own_w = max(own_w, len(spec[7]))
        price_w, size_w = min(max(price_w, 5), NUMBER_WIDTH), min(max(size_w, 4), NUMBER_WIDTH)
        cum_w, note_w = min(max(cum_w, 3), NUMBER_WIDTH), min(max(note_w, 5), NUMBER_WIDTH)
        own_w = min(max(own_w, 4), NUMBER_WIDTH) if mine else 0
        used = price_w + size_w + note_w + cum_w + 5 + (own_w + 1 if own_w else 0)
        if used + 4 > width:
            cum_w = 0
            used = price_w + size_w + note_w + 4 + (own_w + 1 if own_w else 0)
        return price_w, size_w, note_w, cum_w, own_w, max(width - used - 1, 0)

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        if y >= len(self._specs):
            return Strip.blank(width, self.palette.base)
        strip = self._strips[y]
        if strip is None or strip.cell_length != width:
            strip = self._strips[y] = self._render_spec(self._specs[y], width)
        return strip

    def _render_spec(self, spec: Spec, width: int) -> Strip:
        p = self.palette
        kind = spec[0]
        if kind == "blank":
            return Strip.blank(width, p.base)
        if kind == "msg":
            return centered(spec[1], width, p.stale if spec[2] else p.muted, p.base)
        if len(self._colw) != 6 or self._colw_for != width:
            self._colw = self._widths(self._specs, width)
            self._colw_for = width
        price_w, size_w, note_w, cum_w, own_w, bar_w = self._colw
        if kind == "header":
            if spec[1]:
                return centered(f" {spec[1]} ", width, p.stale + Style(reverse=True), p.base)
            titles: list[Part] = [
                (" ", p.header),
                (fit("PRICE", price_w, True), p.header),
                (" ", p.header),
                (fit("SIZE", size_w, True), p.header),
                (" ", p.header),
                (fit(self._quote(), note_w, True), p.header),
            ]
            if cum_w:
                titles += [(" ", p.header), (fit("CUM", cum_w, True), p.header)]
            if own_w:
                titles += [(" ", p.header), (fit("MINE", own_w, True), p.header)]
            return strip_of(titles, width, p.header)
        if kind == "spread":
            return centered(spec[1], width, p.stale if spec[2] else p.muted, p.base)
        _, price, size, notional, cum, share, stale, mine = spec
        side_style = p.stale if stale else (p.ask if kind == "ask" else p.bid)
        text_style = p.stale if stale else p.base
        muted = p.stale if stale else p.muted
        if stale:
            bar_fill, bar_edge = p.stale + Style(reverse=True), p.stale
        elif kind == "ask":
            bar_fill, bar_edge = p.ask_bar_fill, p.ask_bar
        else:
            bar_fill, bar_edge = p.bid_bar_fill, p.bid_bar
        parts: list[Part] = [
            (OWN_MARK if mine else " ", p.own),
            (fit(price, price_w, True), side_style),
            (" ", p.base),
            (fit(size, size_w, True), text_style),
            (" ", p.base),
            (fit(notional, note_w, True), muted),
        ]
        if cum_w:
            parts += [(" ", p.base), (fit(cum, cum_w, True), muted)]
        if own_w:
            parts += [(" ", p.base), (fit(mine, own_w, True), p.own + Style(bold=True))]
        if bar_w > 0:
            parts += [(" ", p.base), *bar_parts(round(share * bar_w * 8), bar_fill, bar_edge)]
        return strip_of(parts, width, p.base)

    def _quote(self) -> str:
        return self.shared.catalog.entry(self.key).quote if self.key else "VALUE"
