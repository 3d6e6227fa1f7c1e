"""The user's own orders, fills and balances: three Line-API panes over the account store,
shown one at a time in a switcher under the ladder and tape.

Each pane builds a list of row *specs* (tuples of the cell texts and their style names)
only when something it shows changed: its account counter, the scope (all markets or the
selected one), the private feeds' states, and for ages and valuations a coarse clock. Only
the rows whose spec changed are repainted, and a spec's Strip is cached, so rows that only
moved (a new order on top) are not rendered again. A hidden pane does no work at all.

Above the data, one note per exchange says why its data may be missing or old: no API
keys (and how to configure them), or a private feed that is not live (with its reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.content import Content
from textual.strip import Strip
from textual.widgets import ContentSwitcher

from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.format import (
    QUOTE_DECIMALS,
    fmt_age,
    fmt_clock,
    fmt_exact,
    fmt_notional,
    fmt_pct,
    fmt_price,
    shown_age,
    size_decimals,
)
from mdtui.display.shared_state import SharedState
from mdtui.feed.subscription_policy import VENUES
from mdtui.model.account import valuation
from mdtui.model.events import Balance, Fill, Order, market_key, split_key
from mdtui.ui.palette import Palette
from mdtui.ui.widgets.lines import LinePane, Part, fit, strip_of

Spec = tuple
"""``("row", cells, styles)``, ``("note", text, style)`` or ``("empty", text)``."""

CLOSED_SHOWN = 50
"""Finished orders listed under the open ones."""
FILLS_SHOWN = 200
"""Newest fills listed."""

SIDE_LABEL = {
    "korean": {"buy": "매수", "sell": "매도"},
    "english": {"buy": "BUY", "sell": "SELL"},
}
STATUS_STYLE = {
    "pending": "muted",
    "open": "own",
    "partial": "own",
    "filled": "ok",
    "cancelled": "muted",
    "rejected": "error",
    "closed": "muted",
}
PANES = ("orders", "fills", "balances")
VENUE_RANK = {venue: i for i, venue in enumerate(VENUES)}
TITLES = {"orders": "Orders", "fills": "Fills", "balances": "Balances"}

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Col:
    title: str
    width: int
    right: bool = True
    grow: int = 4
    """Cells of spare width this column may take."""


def fmt_amount(value: Decimal | None, currency: str, price: Decimal | None = None) -> str:
    """A balance or quantity: KRW whole (and every decimal it has), a coin with at least
    the decimals its price level suggests; never a digit rounded away."""
    if value is None:
        return "—"
    if currency == "KRW":
        return fmt_exact(value)
    return fmt_exact(value, size_decimals(price) if price else 4)


def fmt_money(value: Decimal | None, quote: str) -> str:
    """A value in the quote currency: every digit it has, at least the currency's usual
    decimals (whole won, 8 for BTC, 2 for USDT). A column too narrow for it cuts it with
    a visible ``…``."""
    if value is None:
        return "—"
    return fmt_exact(value, QUOTE_DECIMALS.get(quote.upper(), 0))


class TablePane(LinePane):
    """A table of rows with a fixed header line; subclasses say what the rows are."""

    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    DROP: ClassVar[tuple[int, ...]] = ()
    """Column indexes dropped, in this order, when the pane is too narrow."""
    EMPTY = "nothing yet"

    def __init__(self, shared: SharedState, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shared = shared
        self.clock = clock
        self.specs: list[Spec] = []
        """The pane's rows (notes first), as built by the last flush."""
        self._token: tuple | None = None
        self._strips: dict[Spec, Strip] = {}
        self._header: Strip | None = None
        self._layout: list[tuple[int, int]] = []
        self._layout_for = -1

    # -- flush --------------------------------------------------------------------------

    def flush(self, now: float, force: bool = False) -> None:
        """Rebuild the rows if anything they show changed (``now``: Unix seconds);
        repaint only the rows that differ. Nothing happens while the pane is hidden."""
        if not self.display or not self.is_attached:
            return
        self.measure()
        token = (self._common_token(), self.token(now))
        if token == self._token and not force:
            return
        self._token = token
        specs = self.notes() + self.build(now)
        if not specs:
            specs = [("empty", self.empty_text())]
        old, self.specs = self.specs, specs
        self.set_rows(len(specs) + 1)
        if len(specs) != len(old):
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        height = self.size.height
        for index, (was, now_spec) in enumerate(zip(old, specs, strict=True)):
            if was != now_spec:
                y = index - top + 1
                if 1 <= y < height:
                    self.refresh_screen_line(y)

    def _common_token(self) -> tuple:
        feeds = self.shared.model.feeds
        states = tuple(
            (v, h.state, h.reason) if (h := feeds.get((v, "private"))) else (v,) for v in VENUES
        )
        return (
            self.shared.scope,
            self.line_width,
            self.shared.names,
            self.shared.locale,
            tuple(sorted(self.shared.private_missing.items())),
            states,
        )

    def token(self, now: float) -> tuple:
        """What the data rows depend on besides the common parts."""
        raise NotImplementedError

    def build(self, now: float) -> list[Spec]:
        raise NotImplementedError

    def empty_text(self) -> str:
        if self.shared.replay:
            return f"{self.EMPTY} (no private frames in this capture so far)"
        return self.EMPTY

    # -- scope and notes ----------------------------------------------------------------

    def scope(self) -> tuple[str | None, str | None]:
        """(venue, market) the rows are narrowed to; (None, None) for all markets."""
        if self.shared.scope is None:
            return None, None
        return split_key(self.shared.scope)

    def notes(self) -> list[Spec]:
        """One line per exchange in scope whose private data is missing or not live."""
        venue_scope, _ = self.scope()
        out: list[Spec] = []
        missing = self.shared.private_missing
        for venue in (*VENUES, *sorted(set(missing) - set(VENUES))):
            if venue_scope is not None and venue != venue_scope:
                continue
            label = VENUE_LABEL.get(venue, venue)
            if venue in missing:
                hint = missing[venue]
                hint = hint.removeprefix(f"{venue}: ")
                out.append(("note", f"{label}: {hint}", "muted"))
                continue
            health = self.shared.model.feeds.get((venue, "private"))
            if health is None or health.state == "live":
                continue
            if health.state == "connecting":
                out.append(("note", f"{label} private feed connecting…", "muted"))
            elif health.state == "reconnecting":
                why = f": {health.reason}" if health.reason else ""
                text = f"{label} private feed reconnecting (attempt {health.attempt}){why}"
                out.append(("note", text, "warn"))
            elif health.state == "stopped" and not self.shared.replay:
                out.append(("note", f"{label} private feed stopped", "muted"))
        if missing and len(out) == len(missing) and set(missing) >= set(VENUES):
            out.append(
                (
                    "note",
                    "Keys are read from config.toml, .env or MDTUI_ environment variables "
                    "(see the README); mdtui --demo shows these panes with a demo account.",
                    "muted",
                )
            )
        return out

    # -- layout and rendering -----------------------------------------------------------

    def columns(self) -> list[tuple[int, int]]:
        """(column index, width) of the columns that fit the pane."""
        width = self.line_width
        if self._layout_for == width:
            return self._layout
        shown = list(range(len(self.COLUMNS)))
        drop = list(self.DROP)

        def total(idx: list[int]) -> int:
            return sum(self.COLUMNS[i].width + 1 for i in idx) + 1

        while total(shown) > width and drop:
            shown.remove(drop.pop(0))
        spare = max(width - total(shown), 0)
        widths = {i: self.COLUMNS[i].width for i in shown}
        growable = [i for i in shown if self.COLUMNS[i].grow]
        while spare > 0 and growable:
            for i in list(growable):
                if spare <= 0:
                    break
                if widths[i] - self.COLUMNS[i].width >= self.COLUMNS[i].grow:
                    growable.remove(i)
                    continue
                widths[i] += 1
                spare -= 1
        self._layout = [(i, widths[i]) for i in shown]
        self._layout_for = width
        return self._layout

    def clear_cache(self) -> None:
        self._strips.clear()
        self._header = None
        self._layout_for = -1

    def on_resize(self, event: events.Resize) -> None:
        self.measure()
        self.clear_cache()
        self._token = None

    def render_line(self, y: int) -> Strip:
        width = self.line_width
        p = self.palette
        if y == 0:
            if self._header is None or self._header.cell_length != width:
                parts: list[Part] = [(" ", p.header)]
                for i, w in self.columns():
                    col = self.COLUMNS[i]
                    parts += [(fit(self.title(i), w, col.right), p.header), (" ", p.header)]
                self._header = strip_of(parts, width, p.header)
            return self._header
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.specs):
            return Strip.blank(width, p.base)
        spec = self.specs[index]
        strip = self._strips.get(spec)
        if strip is None or strip.cell_length != width:
            strip = self._render_spec(spec, width, p)
            if len(self._strips) > 4 * len(self.specs) + 100:
                self._strips.clear()
            self._strips[spec] = strip
        return strip

    def _render_spec(self, spec: Spec, width: int, p: Palette) -> Strip:
        kind = spec[0]
        if kind == "note":
            style: Style = getattr(p, spec[2])
            return strip_of([(" ", p.base), (fit(spec[1], width - 1), style)], width, p.base)
        if kind == "empty":
            return strip_of([(" ", p.base), (fit(spec[1], width - 1), p.muted)], width, p.base)
        _, cells, styles = spec
        parts: list[Part] = [(" ", p.base)]
        for i, w in self.columns():
            style = getattr(p, styles[i])
            parts += [(fit(cells[i], w, self.COLUMNS[i].right), style), (" ", p.base)]
        return strip_of(parts, width, p.base)

    def title(self, index: int) -> str:
        """The header of column ``index``."""
        return self.COLUMNS[index].title

    # -- helpers for rows ---------------------------------------------------------------

    def side_label(self, side: str) -> str:
        return SIDE_LABEL.get(self.shared.names, SIDE_LABEL["english"]).get(side, side)


class OrdersPane(TablePane):
    """Open orders first (newest first), then recently finished ones."""

    COLUMNS = (
        Col("EXCH", 6, False, 0),
        Col("MARKET", 10, False, 2),
        Col("SIDE", 4, False, 0),
        Col("TYPE", 6, False, 0),
        Col("PRICE", 15),
        Col("QTY", 14),
        Col("FILLED", 7),
        Col("AVG PRICE", 15),
        Col("STATUS", 9, False, 2),
        Col("AGE", 6),
    )
    DROP = (3, 7, 0, 9)
    EMPTY = "no open or recent orders"

    def token(self, now: float) -> tuple:
        return (self.shared.account.orders_seq, int(now))

    def build(self, now: float) -> list[Spec]:
        venue, market = self.scope()
        orders = self.shared.account.orders_view(venue, market, CLOSED_SHOWN)
        # the store lists open orders newest first and closed ones by last update; equal
        # times (a REST seed, a replay) tie-break by exchange and id, so a screen is stable
        orders.sort(
            key=lambda o: (
                not o.active,
                -(o.created_ms if o.active else o.updated_ms),
                VENUE_RANK.get(o.venue, 9),
                o.market,
                o.order_id,
            )
        )
        return [self._row(o, now) for o in orders]

    def _row(self, o: Order, now: float) -> Spec:
        entry = self.shared.catalog.entry(market_key(o.venue, o.market))
        ref = o.price or o.avg_price
        decimals = entry.price_decimals(ref)
        sdec = size_decimals(ref)
        pct = o.filled_pct
        if pct is None and o.amount and o.filled_value is not None:  # ordered by value
            pct = o.filled_value * 100 / o.amount
        if o.qty is not None:
            qty = fmt_exact(o.qty, sdec)
        elif o.amount is not None:
            qty = f"{fmt_money(o.amount, entry.quote)} {entry.quote}"
        else:
            qty = "—"
        cells = (
            VENUE_LABEL.get(o.venue, o.venue),
            entry.symbol,
            self.side_label(o.side),
            o.order_type,
            fmt_price(o.price, decimals) if o.price is not None else "market",
            qty,
            f"{pct:.1f}%" if pct is not None else "—",
            fmt_price(o.avg_price, decimals) if o.avg_price is not None else "—",
            o.state,
            fmt_age(shown_age(now - o.created_ms / 1000, now)) if o.created_ms else "—",
        )
        side = "bid" if o.side == "buy" else "ask"
        status = STATUS_STYLE.get(o.state, "muted")
        if o.active:
            styles = ("muted", "base", side, "muted", "base", "base", "base", "muted", status,
                      "muted")  # fmt: skip
        else:
            styles = ("muted",) * 8 + (status, "muted")
        return ("row", cells, styles)


class FillsPane(TablePane):
    """Executions of the user's orders, newest first."""

    COLUMNS = (
        Col("TIME", 8, False, 0),
        Col("EXCH", 6, False, 0),
        Col("MARKET", 10, False, 2),
        Col("SIDE", 4, False, 0),
        Col("PRICE", 15),
        Col("SIZE", 14),
        Col("VALUE", 15),
        Col("FEE", 12),
        Col("ROLE", 5, False, 0),
    )
    DROP = (1, 8, 7)
    EMPTY = "no fills yet"

    def token(self, now: float) -> tuple:
        return (self.shared.account.fills_seq,)

    def build(self, now: float) -> list[Spec]:
        venue, market = self.scope()
        fills = self.shared.account.fills_view(venue, market, FILLS_SHOWN)
        if len({f.ts for f in fills}) < len(fills):  # equal times: a fixed order
            fills.sort(key=lambda f: (-f.ts, VENUE_RANK.get(f.venue, 9), f.order_id, f.trade_id))
        return [self._row(f) for f in fills]

    def _row(self, f: Fill) -> Spec:
        entry = self.shared.catalog.entry(market_key(f.venue, f.market))
        decimals = entry.price_decimals(f.price)
        quote = entry.quote or "KRW"
        if f.fee is None:
            fee = "—"
        elif (f.fee_currency or quote) == quote:
            fee = fmt_exact(f.fee)
        else:
            fee = f"{fmt_exact(f.fee)} {f.fee_currency}"
        role = "—" if f.is_maker is None else ("maker" if f.is_maker else "taker")
        cells = (
            fmt_clock(f.ts),
            VENUE_LABEL.get(f.venue, f.venue),
            entry.symbol,
            self.side_label(f.side),
            fmt_price(f.price, decimals),
            fmt_exact(f.size, size_decimals(f.price)),
            fmt_money(f.value, quote),
            fee,
            role,
        )
        side = "bid" if f.side == "buy" else "ask"
        styles = ("muted", "muted", "base", side, side, "base", "base", "muted", "muted")
        return ("row", cells, styles)


class BalancesPane(TablePane):
    """Holdings per exchange, valued at the last price, with unrealised P&L."""

    COLUMNS = (
        Col("EXCH", 6, False, 0),
        Col("ASSET", 6, False, 2),
        Col("TOTAL", 16),
        Col("AVAILABLE", 16),
        Col("IN ORDERS", 14),
        Col("AVG BUY", 14),
        Col("LAST", 14),
        Col("VALUE", 16),
        Col("P&L", 8),
    )
    DROP = (6, 0, 4)
    EMPTY = "no balances yet"
    REVALUE_HZ = 2
    """Valuations follow the last prices at most this often."""

    def __init__(self, shared: SharedState, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(shared, clock, id=id)
        self.totals: dict[str, tuple[Decimal, bool]] = {}
        """venue -> (value of the valued rows in the home currency, whether every row had
        a price)."""

    def token(self, now: float) -> tuple:
        return (self.shared.account.balances_seq, int(now * self.REVALUE_HZ))

    def title(self, index: int) -> str:
        title = super().title(index)
        return f"{title} {self.shared.home}" if title == "VALUE" else title

    def _last_price(self, venue: str, market: str) -> Decimal | None:
        state = self.shared.model.markets.get(f"{venue}:{market}")
        return state.last_price if state is not None else None

    def build(self, now: float) -> list[Spec]:
        venue, market = self.scope()
        rows = sorted(
            self.shared.account.balances_view(venue),
            key=lambda b: (VENUE_RANK.get(b.venue, 9), b.venue),  # stable: KRW first
        )
        if market is not None and venue is not None:
            entry = self.shared.catalog.entry(market_key(venue, market))
            wanted = {entry.base.upper(), (entry.quote or "KRW").upper()}
            rows = [b for b in rows if b.currency.upper() in wanted]
        totals: dict[str, tuple[Decimal, bool]] = {}
        out = []
        for b in rows:
            spec, value = self._row(b)
            out.append(spec)
            total, complete = totals.get(b.venue, (Decimal(0), True))
            totals[b.venue] = (total + value, complete) if value is not None else (total, False)
        self.totals = totals
        return out

    def _row(self, b: Balance) -> tuple[Spec, Decimal | None]:
        home = self.shared.home
        avg_in = self.shared.account_currency.get(b.venue, "KRW")
        val = valuation(b, self._last_price, home, avg_in)
        cur = b.currency.upper()
        is_quote = cur == home
        price = None if is_quote else val.price
        decimals = QUOTE_DECIMALS.get(home, 0)
        if price is not None and len(val.via) == 1:  # a market's own price: its tick
            entry = self.shared.catalog.entry(market_key(b.venue, val.via[0]))
            decimals = entry.price_decimals(price)
        avg = b.avg_buy_price if b.avg_buy_price else None
        pnl = val.pnl_pct
        cells = (
            VENUE_LABEL.get(b.venue, b.venue),
            cur,
            fmt_amount(b.total, cur, price),
            fmt_amount(b.available, cur, price),
            fmt_amount(b.in_orders, cur, price),
            "—" if is_quote or avg is None else fmt_price(avg, decimals),
            "" if is_quote else fmt_price(price, decimals),
            fmt_money(val.value, home),
            "" if is_quote else fmt_pct(pnl),
        )
        direction = "base" if not pnl else ("up" if pnl > 0 else "down")
        styles = ("muted", "base", "base", "base", "muted", "muted", "muted", "base", direction)
        return ("row", cells, styles), val.value


class PrivatePanes(ContentSwitcher):
    """Orders, Fills and Balances, one visible at a time; the border title works as the
    tab bar (the shown pane highlighted, new fills counted on the Fills tab)."""

    def __init__(self, shared: SharedState, clock: Clock, *, id: str | None = None) -> None:
        self.shared = shared
        self.orders = OrdersPane(shared, clock, id="orders")
        self.fills = FillsPane(shared, clock, id="fills")
        self.balances = BalancesPane(shared, clock, id="balances")
        super().__init__(self.orders, self.fills, self.balances, id=id, initial="orders")
        self.unseen_fills = 0
        """Fills that arrived while the Fills pane was not shown."""
        self._title_key: tuple | None = None

    @property
    def panes(self) -> dict[str, TablePane]:
        return {"orders": self.orders, "fills": self.fills, "balances": self.balances}

    @property
    def shown(self) -> TablePane:
        return self.panes[self.current or "orders"]

    def show(self, name: str) -> None:
        """Show the ``name`` pane (``orders``, ``fills`` or ``balances``)."""
        if name not in self.panes:
            raise ValueError(f"unknown private pane {name!r}")
        focused = self.app.focused in self.panes.values()
        self.current = name
        if name == "fills":
            self.unseen_fills = 0
        pane = self.panes[name]
        if focused:
            pane.focus()
        pane.flush(pane.clock(), force=True)
        self._titles()

    def fills_arrived(self, count: int) -> None:
        if self.current != "fills":
            self.unseen_fills += count
            self._titles()

    def flush(self, now: float) -> None:
        pane = self.shown
        pane.flush(now)
        self._titles()

    def _titles(self) -> None:
        account = self.shared.account
        scope = self.shared.scope
        key = (self.current, account.orders_seq, self.unseen_fills, scope, self.shared.names,
               tuple(sorted(self.balances.totals.items())))  # fmt: skip
        if key == self._title_key:
            return
        self._title_key = key
        venue, market = split_key(scope) if scope else (None, None)
        open_count = len(account.open_orders(venue, market))
        labels = {
            "orders": f"Orders {open_count} open" if open_count else "Orders",
            "fills": f"Fills +{self.unseen_fills}" if self.unseen_fills else "Fills",
            "balances": "Balances",
        }
        if scope is None:
            where = "all markets"
        else:
            entry = self.shared.catalog.entry(scope)
            where = f"{entry.symbol} {VENUE_LABEL.get(entry.venue, entry.venue)} only"
        parts: list[str | tuple[str, str]] = []
        for name in PANES:
            if parts:
                parts.append(" │ ")
            style = "bold reverse" if name == self.current else "not bold"
            parts.append((f" {labels[name]} ", style))
        parts.append(f" · {where}")
        title = Content.assemble(*parts)
        subtitle = ""
        if self.current == "balances" and self.balances.totals:
            subtitle = "  ".join(
                f"{VENUE_LABEL.get(v, v)} {'' if complete else '≥ '}"
                f"{fmt_notional(total, self.shared.home, self.shared.locale)} {self.shared.home}"
                for v, (total, complete) in self.balances.totals.items()
            )
        for pane in self.panes.values():
            pane.border_title = title
            pane.border_subtitle = subtitle or None
