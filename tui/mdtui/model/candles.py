"""Candles: one market's prices bucketed in time (open, high, low, close, volume).

A :class:`Candle` is one bucket as an exchange reported it (Upbit's candle stream and
REST, Korbit's REST) or as built here from trades (Korbit streams no candles). Buckets
start on multiples of the interval in UTC (Unix time), as both exchanges cut them: a day
starts at 00:00 UTC (09:00 in Korea).

:class:`CandleSeries` keeps one market's candles of one interval, oldest first: a later
report of the same bucket replaces the earlier one (the exchange's last word wins), and
trades extend the newest bucket or open a new one.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from mdtui.model.events import Candle, CandleHistory

__all__ = ["INTERVALS", "Candle", "CandleHistory", "CandleSeries", "bucket_start"]

INTERVALS: dict[str, int] = {
    "1s": 1_000,
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
"""The chart's intervals, by name, in milliseconds."""

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Trade values and their sums without rounding."""


def bucket_start(ts: int, interval: str) -> int:
    """The start (ms) of the ``interval`` bucket holding time ``ts`` (ms)."""
    length = INTERVALS[interval]
    return ts - ts % length


class CandleSeries:
    """One market's candles of one interval, oldest first, at most ``limit`` of them.

    ``version`` grows with every change, so a view redraws only when it moved.
    """

    built_from_trades: bool = False
    """Trades extend it (:meth:`add_trade`): Korbit's series (it streams no candles) and
    Upbit's 1d (its stream has no day candles). Set by the feed that fills it."""

    def __init__(self, venue: str, market: str, interval: str, limit: int = 2000) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"unknown candle interval {interval!r}")
        self.venue = venue
        self.market = market
        self.interval = interval
        self.limit = limit
        self.version = 0
        self._starts: list[int] = []
        self._candles: list[Candle] = []

    def __len__(self) -> int:
        return len(self._candles)

    @property
    def candles(self) -> list[Candle]:
        """Oldest first (do not modify)."""
        return self._candles

    @property
    def last(self) -> Candle | None:
        return self._candles[-1] if self._candles else None

    def put(self, candle: Candle) -> bool:
        """Insert ``candle``, or replace the one of the same bucket; False if nothing
        changed (the same report again) or it is older than everything kept when full."""
        starts = self._starts
        i = bisect_left(starts, candle.start)
        if i < len(starts) and starts[i] == candle.start:
            if self._candles[i] == candle:
                return False
            self._candles[i] = candle
        else:
            if len(starts) >= self.limit and i == 0:
                return False
            starts.insert(i, candle.start)
            self._candles.insert(i, candle)
            if len(starts) > self.limit:
                del starts[0]
                del self._candles[0]
        self.version += 1
        return True

    def put_many(self, candles: list[Candle]) -> bool:
        """:meth:`put` each; True if any changed."""
        changed = False
        for candle in candles:
            changed = self.put(candle) or changed
        return changed

    def put_history(self, candles: list[Candle], *, reports: bool) -> bool:
        """Put candles read over REST; True if any changed. With ``reports`` (candles the
        exchange also streams) a bucket held with more volume is kept: a bucket's volume
        only grows, so that one is the newer report. Otherwise (a series built from
        trades) the REST candle wins: it holds every trade of its bucket the exchange had
        when it answered."""
        if not reports:
            return self.put_many(candles)
        changed = False
        starts = self._starts
        for candle in candles:
            i = bisect_left(starts, candle.start)
            held = self._candles[i] if i < len(starts) and starts[i] == candle.start else None
            if held is not None and held.volume > candle.volume:
                continue
            changed = self.put(candle) or changed
        return changed

    def clear(self) -> None:
        """Forget every candle (history that can no longer be joined without a hole)."""
        if self._candles:
            self._starts.clear()
            self._candles.clear()
            self.version += 1

    def add_trade(self, price: Decimal, size: Decimal, ts: int) -> bool:
        """Fold one trade into its bucket (a new candle opens at ``price``). A trade older
        than the newest bucket is left out (that bucket's report already holds it); one
        older than the newest trade of its bucket does not change the close. Values are
        exact (no digit rounded away)."""
        start = bucket_start(ts, self.interval)
        last = self.last
        if last is not None and start < last.start:
            return False
        if last is None or start > last.start:
            candle = Candle(
                self.venue,
                self.market,
                self.interval,
                start,
                price,
                price,
                price,
                price,
                size,
                _EXACT.multiply(price, size),
                ts,
            )
        else:
            value = last.value
            candle = Candle(
                self.venue,
                self.market,
                self.interval,
                start,
                last.open,
                max(last.high, price),
                min(last.low, price),
                price if ts >= last.ts else last.close,
                _EXACT.add(last.volume, size),
                None if value is None else _EXACT.add(value, _EXACT.multiply(price, size)),
                max(last.ts, ts),
            )
        return self.put(candle)

    def before(self, start: int) -> list[Candle]:
        """The candles that start before ``start`` (for scrolling back)."""
        return self._candles[: bisect_left(self._starts, start)]
