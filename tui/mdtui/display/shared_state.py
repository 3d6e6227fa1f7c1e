"""The state the panes read: the market store, the account (own orders, fills, balances),
the catalogue, display settings, which venues are stale right now and which markets are
left out or delayed. One instance is shared by the app and its panes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mdtui.display import gap
from mdtui.display.catalog import Catalog
from mdtui.display.market_notes import MarketNote
from mdtui.display.sparkline import Window
from mdtui.model.account import Account
from mdtui.model.events import Book
from mdtui.model.market_store import MarketStore


@dataclass(frozen=True, slots=True)
class ChartWant:
    """What the chart pane shows: ``key``'s candles of ``interval``; ``older_than`` (ms,
    a bucket start) when it has scrolled back to the oldest candle it holds and wants the
    history before it. The feed keeps the series filled (REST history, then live)."""

    key: str
    interval: str
    older_than: int | None = None


@dataclass
class SharedState:
    model: MarketStore = field(default_factory=MarketStore)
    account: Account = field(default_factory=Account)
    """The user's orders, fills and balances (private feeds)."""
    private_missing: dict[str, str] = field(default_factory=dict)
    """venue -> how to configure it, for venues without (usable) API keys."""
    scope: str | None = None
    """The market the private panes are narrowed to (``upbit:KRW-BTC``); None: all."""
    catalog: Catalog = field(default_factory=Catalog)
    names: str = "korean"
    """Market names in ``korean`` or ``english``."""
    locale: str = "ko"
    """Number locale for compact values: ``ko`` (조/억) or ``en`` (T/B)."""
    big_trade: dict[str, Decimal] = field(default_factory=lambda: {"KRW": Decimal(10_000_000)})
    """Big-trade threshold per quote currency (a quote not listed has none)."""
    home: str = "KRW"
    """The currency balances are valued in."""
    account_currency: dict[str, str] = field(default_factory=dict)
    """venue -> the currency its average buy prices are in (KRW unless Upbit Global)."""
    stale: dict[str, str | None] = field(default_factory=dict)
    """venue -> banner text while its data is stale, None when current."""
    notes: dict[str, MarketNote] = field(default_factory=dict)
    """market key -> why its data is not live: left out of the subscription, or delayed."""
    stale_seq: int = 0
    """Bumped whenever ``stale`` or ``notes`` change, so panes know to repaint."""
    replay: bool = False
    """Data comes from a capture (every market's books are in it): a market switch can show
    the stored book at once instead of waiting for a fresh snapshot."""
    chart: ChartWant | None = None
    """The candles the chart pane wants now (None: no chart shown)."""
    live_book: Callable[[str], Book | None] = lambda key: None
    """The current book of ``key`` when it is streamed (the selected market), else None.
    Upbit tickers carry no best bid/ask; the board takes them from this book."""
    gap_alert: Decimal = Decimal(1)
    """An Upbit-Korbit gap this large (percent, either way) is highlighted
    (``gap_alert_pct``)."""
    spark: Window | None = None
    """The board's trend column (the ``sparkline`` setting; None: off)."""
    wall_ms: Callable[[], int] = lambda: int(time.time() * 1000)
    """The app's clock, Unix ms (which bucket of the trend column is the current one)."""
    alert_marks: dict[str, str] = field(default_factory=dict)
    """market key -> ``armed`` (an alert watches it) or ``fired`` (one fired there lately):
    the mark on its board row."""
    _twins: tuple[tuple[int, int], dict[str, str]] = ((-1, -1), {})

    def twins(self) -> dict[str, str]:
        """Each market listed on both exchanges -> its twin (:func:`gap.twins`), renewed
        when the market lists or the markets known change."""
        known = (self.catalog.version, len(self.catalog.entries))
        if self._twins[0] != known:
            self._twins = (known, gap.twins(self.catalog))
        return self._twins[1]

    def best_bid_ask(self, key: str) -> gap.BidAsk:
        """``key``'s best bid and ask: its ticker's (Korbit's carry them), else the top of
        its book while that is streamed (Upbit: the selected market's book, a one-level
        book for the others)."""
        state = self.model.markets.get(key)
        ticker = state.ticker if state is not None else None
        if ticker is not None and (ticker.best_bid is not None or ticker.best_ask is not None):
            return ticker.best_bid, ticker.best_ask
        book = self.live_book(key)
        if book is None:
            return None, None
        return (book.bids[0][0] if book.bids else None, book.asks[0][0] if book.asks else None)

    def set_stale(self, stale: dict[str, str | None]) -> None:
        if stale != self.stale:
            self.stale = stale
            self.stale_seq += 1

    def set_notes(self, notes: dict[str, MarketNote]) -> None:
        if notes != self.notes:
            self.notes = notes
            self.stale_seq += 1

    def banner(self, key: str | None) -> str | None:
        """What the ladder and tape of ``key`` say instead of (or over) its data: the
        venue's stale reason, else the market's note; None when its data is live."""
        if key is None:
            return None
        stale = self.stale.get(key.partition(":")[0])
        if stale:
            return stale
        note = self.notes.get(key)
        if note is None:
            return None
        return note.detail if note.left_out else f"DELAYED · {note.detail}"
