"""A market's recent closes for the board's trend column: one close per bucket of one
interval (an hour, a minute), contiguous, the newest bucket last.

Read once over REST (the exchange's candles), then kept current by the market's tickers:
a ticker's last price is the close of the bucket of its time so far, and a ticker in a
later bucket opens it. A bucket without trades has no candle and sends no ticker, so it
carries the close before it (nothing traded, the price stayed).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mdtui.model.candles import INTERVALS, Candle


class Sparkline:
    """The closes of the last ``points`` buckets of ``interval`` and of the bucket before
    them (the close the window's change is measured from). ``version`` grows with every
    change, so a view recomputes only when it moved."""

    __slots__ = ("closes", "interval", "length", "points", "start", "version")

    def __init__(self, interval: str, points: int) -> None:
        self.interval = interval
        self.points = points
        self.length = INTERVALS[interval]
        self.start = 0
        """The first millisecond of the bucket of ``closes[0]``."""
        self.closes: list[Decimal] = []
        self.version = 0

    @property
    def newest(self) -> int:
        """The start of the newest bucket held (ms)."""
        return self.start + (len(self.closes) - 1) * self.length

    def load(self, candles: Sequence[Candle]) -> None:
        """Take the exchange's candles (oldest first), in place of what was held."""
        length = self.length
        closes: list[Decimal] = []
        start = 0
        for candle in sorted(candles, key=lambda c: c.start):
            bucket = candle.start - candle.start % length
            if not closes:
                start = bucket
                closes.append(candle.close)
                continue
            newest = start + (len(closes) - 1) * length
            if bucket == newest:
                closes[-1] = candle.close
                continue
            closes += [closes[-1]] * min((bucket - newest) // length - 1, self.points + 1)
            closes.append(candle.close)
            start = bucket - (len(closes) - 1) * length
        self.start, self.closes = start, closes
        self._trim()
        self.version += 1

    def observe(self, price: Decimal, ts: int) -> None:
        """A last traded ``price`` at ``ts`` (ms): the close of its bucket so far. A
        report older than the newest bucket held changes nothing."""
        bucket = ts - ts % self.length
        closes = self.closes
        if not closes:
            self.start = bucket
            closes.append(price)
        else:
            newest = self.newest
            if bucket < newest or (bucket == newest and closes[-1] == price):
                return
            if bucket == newest:
                closes[-1] = price
            else:
                closes += [closes[-1]] * min((bucket - newest) // self.length - 1, self.points + 1)
                closes.append(price)
                self.start = bucket - (len(closes) - 1) * self.length
                self._trim()
        self.version += 1

    def window(self, now_ms: int) -> list[Decimal | None]:
        """``points + 1`` closes ending with the bucket of ``now_ms`` (or the newest held,
        if later: the exchange's clock may run ahead), oldest first; None before the first
        bucket held (a market younger than the window)."""
        closes = self.closes
        if not closes:
            return [None] * (self.points + 1)
        length, start, newest = self.length, self.start, self.newest
        end = max(now_ms - now_ms % length, newest)
        out: list[Decimal | None] = []
        for i in range(self.points, -1, -1):
            bucket = end - i * length
            if bucket < start:
                out.append(None)
            elif bucket >= newest:
                out.append(closes[-1])
            else:
                out.append(closes[(bucket - start) // length])
        return out

    def _trim(self) -> None:
        extra = len(self.closes) - (self.points + 1)
        if extra > 0:
            del self.closes[:extra]
            self.start += extra * self.length
