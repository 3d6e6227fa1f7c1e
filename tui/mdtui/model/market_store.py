"""Market state: the latest ticker and book and a bounded tape per market, and feed health.

Pure Python, updated once per event; the UI reads it at its own pace. Each market carries
change counters (``ticker_seq``, ``book_seq``, ``tape_seq``) so a pane knows whether it
has anything new to draw without comparing data, and when its last ticker arrived, how
often realtime ones usually do and how late the exchange stamped it, so a quiet market can
be told from a live one (``mdtui.display.market_notes``). Tickers are the one stream every
subscribed market has on both exchanges, whether it is selected or not; snapshots (sent
again for every market at each Upbit request) say nothing about a market's pace. All times
are the receiving clock's, except the exchange's own ``ts`` in events.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mdtui.model.candles import CandleSeries
from mdtui.model.events import (
    AnyEvent,
    Book,
    Candle,
    CandleHistory,
    FeedState,
    FeedStateName,
    Malformed,
    Subscribed,
    Ticker,
    Trade,
    VenueError,
    market_key,
)
from mdtui.model.sparklines import Sparkline

TAPE_LENGTH = 500
"""Trades kept per market (the tape shows the newest that fit)."""
GAP_WEIGHT = 8
"""The usual gap between a market's realtime tickers is a moving average: each new gap
counts 1/GAP_WEIGHT."""


@dataclass(slots=True)
class MarketState:
    venue: str
    market: str
    ticker: Ticker | None = None
    book: Book | None = None
    tape: deque[Trade] = field(default_factory=lambda: deque(maxlen=TAPE_LENGTH))
    ticker_seq: int = 0
    book_seq: int = 0
    tape_seq: int = 0
    subscribed_ms: int = 0
    """When its socket last subscribed it (0: never)."""
    updated_ms: int = 0
    """When its last ticker arrived, snapshot or not (0: never)."""
    realtime_ms: int = 0
    """When its last realtime ticker arrived (0: never)."""
    gap_ms: int = 0
    """The usual time between its realtime tickers (0: not known yet)."""
    lag_ms: int | None = None
    """Arrival minus the exchange's timestamp of its last ticker (the clocks' offset not
    taken out)."""
    _seen_ids: set[str] = field(default_factory=set)
    _seen_order: deque[str] = field(default_factory=lambda: deque(maxlen=TAPE_LENGTH * 2))
    candles: dict[str, CandleSeries] = field(default_factory=dict)
    """interval -> this market's candles of that interval (only the intervals asked for)."""
    spark: Sparkline | None = None
    """Its recent closes for the board's trend column, once read (tickers extend them)."""

    @property
    def key(self) -> str:
        return market_key(self.venue, self.market)

    def candle_series(self, interval: str) -> CandleSeries:
        """This market's candles of ``interval``, an empty series the first time."""
        series = self.candles.get(interval)
        if series is None:
            series = self.candles[interval] = CandleSeries(self.venue, self.market, interval)
        return series

    def add_trade(self, trade: Trade) -> bool:
        """Append a trade unless already seen (snapshots repeat recent trades after a
        resubscribe); return whether it was new."""
        tid = trade.trade_id
        if tid in self._seen_ids:
            return False
        if len(self._seen_order) == self._seen_order.maxlen:
            self._seen_ids.discard(self._seen_order[0])
        self._seen_order.append(tid)
        self._seen_ids.add(tid)
        self.tape.append(trade)
        self.tape_seq += 1
        return True

    def fold_trade(self, trade: Trade) -> None:
        """Extend the series built from trades with a new realtime ``trade``. Snapshot
        trades (recent ones sent again at each subscribe) are history the REST candles
        hold already, so the caller leaves them out."""
        for series in self.candles.values():
            if series.built_from_trades:
                series.add_trade(trade.price, trade.size, trade.ts)

    def heard(self, ticker: Ticker, now_ms: int) -> None:
        """``ticker`` arrived at ``now_ms``: note when, how late, and (realtime) the gap
        since the previous realtime one; a gap across a new subscription says nothing
        about the market's pace."""
        self.updated_ms = now_ms
        self.lag_ms = now_ms - ticker.ts
        if ticker.snapshot:
            return
        last = self.realtime_ms
        if last and last >= self.subscribed_ms and now_ms > last:
            gap = now_ms - last
            self.gap_ms = self.gap_ms + (gap - self.gap_ms) // GAP_WEIGHT if self.gap_ms else gap
        self.realtime_ms = now_ms

    @property
    def last_price(self) -> Decimal | None:
        """The last trade price, from the ticker or else the tape."""
        if self.ticker is not None:
            return self.ticker.last
        return self.tape[-1].price if self.tape else None


@dataclass(slots=True)
class FeedHealth:
    """What the status line shows for one socket."""

    venue: str
    channel: str
    state: FeedStateName = "connecting"
    attempt: int = 0
    reason: str = ""
    last_message_ms: int = 0
    last_data_ms: int = 0
    """When the last ticker, book or trade arrived (control frames do not count)."""
    subscribed_ms: int = 0
    """When a market was last added to its subscription."""
    lives: int = 0
    """How many times the socket became live: past one, it reconnected."""
    streaming: int = 0
    """How many markets it is subscribed to."""
    malformed: int = 0
    errors: int = 0
    last_error: str = ""


@dataclass
class MarketStore:
    """Every market the app has seen, and the health of every feed."""

    markets: dict[str, MarketState] = field(default_factory=dict)
    feeds: dict[tuple[str, str], FeedHealth] = field(default_factory=dict)
    seq: int = 0
    """Bumped by every applied batch: cheap "anything changed?" test for the UI flush."""

    def market(self, venue: str, market: str) -> MarketState:
        key = market_key(venue, market)
        state = self.markets.get(key)
        if state is None:
            state = self.markets[key] = MarketState(venue, market)
        return state

    def put_spark(self, key: str, spark: Sparkline, candles: Sequence[Candle]) -> None:
        """Give market ``key`` its trend-column closes: ``spark`` loaded with the
        exchange's ``candles`` and brought up to its last ticker."""
        venue, _, market = key.partition(":")
        state = self.market(venue, market)
        spark.load(candles)
        if state.ticker is not None:
            spark.observe(state.ticker.last, state.ticker.ts)
        state.spark = spark
        self.seq += 1

    def feed(self, venue: str, channel: str) -> FeedHealth:
        health = self.feeds.get((venue, channel))
        if health is None:
            health = self.feeds[(venue, channel)] = FeedHealth(venue, channel)
        return health

    def apply(self, events: Iterable[AnyEvent], now_ms: int, channel: str = "public") -> None:
        """Apply one batch of events, all from one feed, received at ``now_ms``."""
        markets = self.markets
        venue = None
        data = False
        for ev in events:
            # `type(ev) is …` (not isinstance, which is slow to miss on a msgspec Struct):
            # mypy narrows on it, and the commonest kinds are tested first.
            if type(ev) is Book:
                venue = ev.venue
                state = markets.get(f"{venue}:{ev.market}") or self.market(venue, ev.market)
                state.book = ev
                state.book_seq += 1
                data = True
            elif type(ev) is Trade:
                venue = ev.venue
                state = markets.get(f"{venue}:{ev.market}") or self.market(venue, ev.market)
                if state.add_trade(ev) and state.candles and not ev.snapshot:
                    state.fold_trade(ev)
                data = True
            elif type(ev) is Ticker:
                venue = ev.venue
                state = markets.get(f"{venue}:{ev.market}") or self.market(venue, ev.market)
                state.ticker = ev
                state.ticker_seq += 1
                state.heard(ev, now_ms)
                if state.spark is not None:
                    state.spark.observe(ev.last, ev.ts)
                data = True
            elif type(ev) is Candle:
                venue = ev.venue
                state = markets.get(f"{venue}:{ev.market}") or self.market(venue, ev.market)
                state.candle_series(ev.interval).put(ev)
                data = True
            elif type(ev) is CandleHistory:
                series = self.market(ev.venue, ev.market).candle_series(ev.interval)
                if ev.reset:
                    series.clear()
                series.built_from_trades = ev.from_trades
                series.put_history(list(ev.candles), reports=not ev.from_trades)
            elif type(ev) is FeedState:
                health = self.feed(ev.venue, ev.channel)
                if ev.state == "live" and health.state != "live":
                    health.lives += 1
                health.state = ev.state
                health.attempt = ev.attempt
                health.reason = ev.reason
            elif type(ev) is Subscribed:
                health = self.feed(ev.venue, ev.channel)
                health.streaming = len(ev.markets)
                if ev.added:
                    health.subscribed_ms = now_ms
                    for code in ev.added:
                        self.market(ev.venue, code).subscribed_ms = now_ms
            else:
                venue = ev.venue
                if type(ev) is Malformed:
                    self.feed(venue, channel).malformed += 1
                elif type(ev) is VenueError:
                    health = self.feed(venue, channel)
                    health.errors += 1
                    health.last_error = f"{ev.code}: {ev.message}"
        if venue is not None:
            health = self.feed(venue, channel)
            health.last_message_ms = now_ms
            if data:
                health.last_data_ms = now_ms
        self.seq += 1
