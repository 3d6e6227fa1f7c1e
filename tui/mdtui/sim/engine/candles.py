"""One market's candles: its own trades bucketed in time, and a seeded past before them.

Venue-neutral; the frame modules write each exchange's rows. Buckets are cut in UTC:
fixed widths on multiples of their length since the Unix epoch (a day from 00:00 UTC),
weeks from Monday 00:00 UTC, months and years on the calendar (docs/protocols.md).

**Trades.** Every trade the market records (the same ones its trade stream and REST
trades report) goes into two bounded logs, of one-second and of one-minute buckets
(``CandleLog.add``: a comparison and a few Decimal operations per log). Any other width
is aggregated from them when asked (``CandleLog.candles``), so a bucket that holds
trades has exactly their open, high, low, close, volume and value. The logs keep
``SECOND_BARS`` seconds and ``MINUTE_BARS`` minutes that had trades; older buckets of the
simulator's own time are forgotten.

**The past.** Buckets before the one holding the market's first trade (the seeded
history, which starts the simulator's time) are generated: a deterministic price path
``PastPath.price(t)`` for the market's seed key, a sum of piecewise-linear noise at ten
time scales (one second to half a year) scaled to the market's volatility, pinned to the
first trade's price at its time. Every width reads the same path, so a day's open is its
first hour's open. Volumes follow the market's expected trade flow with lognormal noise.
Nothing of the past depends on what the market does after it starts.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from functools import lru_cache

from mdtui.sim.engine.ticks import TickLadder, floor_to_tick

SECOND_MS = 1_000
MINUTE_MS = 60_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
_MONDAY_MS = 4 * DAY_MS
"""1970-01-05, the first Monday of the Unix epoch."""
SECOND_BARS = 7_200
"""One-second buckets kept per market (two hours of a market trading every second)."""
MINUTE_BARS = 48_000
"""One-minute buckets kept per market (200 four-hour candles, about 33 days)."""
PAST_BARS_KEPT = 1_000
"""Generated candles kept per market (they never change)."""
_QUANTUM = Decimal("0.00000001")
_SCALES_S = (1, 10, 60, 600, 3_600, 14_400, 86_400, 604_800, 2_592_000, 15_552_000)
"""Time scales of the past's price noise, in seconds."""


@dataclass(frozen=True, slots=True)
class Period:
    """A candle width: ``ms`` for fixed widths, or a calendar unit (``"month"``,
    ``"year"``) with ``ms`` 0."""

    name: str
    ms: int = 0
    calendar: str = ""

    def start(self, ts: int) -> int:
        """The start (ms) of the bucket holding ``ts``."""
        if self.ms:
            if self.ms == WEEK_MS:
                return ts - (ts - _MONDAY_MS) % WEEK_MS
            return ts - ts % self.ms
        day = datetime.fromtimestamp(ts / 1000, UTC)
        first = day.replace(
            month=1 if self.calendar == "year" else day.month,
            day=1,
            hour=0,
            minute=0,
            second=0,
            microsecond=0,
        )
        return int(first.timestamp() * 1000)

    def end(self, start: int) -> int:
        """The start of the bucket after the one starting at ``start``."""
        if self.ms:
            return start + self.ms
        first = datetime.fromtimestamp(start / 1000, UTC)
        if self.calendar == "year":
            return int(first.replace(year=first.year + 1).timestamp() * 1000)
        year, month = divmod(first.month, 12)
        return int(first.replace(year=first.year + year, month=month + 1).timestamp() * 1000)

    def before(self, start: int) -> int:
        """The start of the bucket before the one starting at ``start``."""
        return self.start(start - 1)


SECOND = Period("1s", SECOND_MS)
MINUTE = Period("1m", MINUTE_MS)
MINUTES = {unit: Period(f"{unit}m", unit * MINUTE_MS) for unit in (1, 3, 5, 10, 15, 30, 60, 240)}
DAY = Period("1d", DAY_MS)
WEEK = Period("1w", WEEK_MS)
MONTH = Period("1M", calendar="month")
YEAR = Period("1y", calendar="year")


@dataclass(slots=True)
class Bar:
    """One bucket: open and close are its earliest and latest trades in time (by arrival
    between trades of the same ms). ``first_ts`` and ``last_ts`` are their times;
    ``last_seq`` is the market's trade count when the bucket last changed (0 for the
    generated past)."""

    start: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    value: Decimal
    first_ts: int
    last_ts: int
    last_seq: int = 0

    @classmethod
    def of_trade(cls, start: int, ts: int, price: Decimal, size: Decimal, seq: int) -> Bar:
        return cls(start, price, price, price, price, size, price * size, ts, ts, seq)

    def copy(self, start: int) -> Bar:
        return Bar(
            start,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.value,
            self.first_ts,
            self.last_ts,
            self.last_seq,
        )

    def add(self, ts: int, price: Decimal, size: Decimal, value: Decimal, seq: int) -> None:
        """Count one trade in."""
        if price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        if ts >= self.last_ts:
            self.close = price
            self.last_ts = ts
        elif ts < self.first_ts:
            self.open = price
            self.first_ts = ts
        self.volume += size
        self.value += value
        self.last_seq = seq

    def add_older(self, older: Bar) -> None:
        """Merge the bucket just before this one into it."""
        self.open = older.open
        self.first_ts = older.first_ts
        if older.high > self.high:
            self.high = older.high
        if older.low < self.low:
            self.low = older.low
        self.volume += older.volume
        self.value += older.value
        if older.last_seq > self.last_seq:
            self.last_seq = older.last_seq


def _uniforms(text: str, count: int) -> list[float]:
    """``count`` uniform draws in (0, 1), fixed by ``text`` (a hash: no generator to seed)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8 * count).digest()
    return [(int.from_bytes(digest[i : i + 8]) + 0.5) / 2**64 for i in range(0, 8 * count, 8)]


def _normal(u: float, v: float) -> float:
    """A standard normal draw from two uniform ones (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v)


@lru_cache(maxsize=4096)
def _noise(key: str, scale: int, knot: int) -> float:
    """A standard normal draw fixed by (key, scale, knot)."""
    return _normal(*_uniforms(f"{key}/{scale}/{knot}", 2))


class PastPath:
    """The generated price path before a market's first trade (see the module docstring)."""

    def __init__(self, key: str, sigma: float, ladder: TickLadder, volume_per_ms: float) -> None:
        self.key = key
        self.ladder = ladder
        self.volume_per_ms = volume_per_ms
        self.sigma = sigma
        self._amplitudes = tuple(0.7 * sigma * math.sqrt(s) for s in _SCALES_S)
        self._floor_price = ladder[-1][1]
        self._pin: tuple[int, Decimal] | None = None
        self._anchor_log: float | None = None
        self._recent: dict[int, Decimal] = {}
        self._bars: dict[tuple[str, int], Bar] = {}

    def pin(self, ts: int, price: Decimal) -> None:
        """Make the path pass through ``price`` at ``ts`` (the first trade)."""
        self._pin = (ts, price)
        self._anchor_log = None  # worked out when the past is first read
        self._recent.clear()
        self._bars.clear()

    def _anchor(self) -> float:
        if self._anchor_log is None:
            ts, price = self._pin or (0, Decimal(1))
            self._anchor_log = math.log(float(price)) - self._x(ts)
        return self._anchor_log

    def _x(self, ts: int) -> float:
        t = ts / 1000
        x = 0.0
        for scale, amplitude in zip(_SCALES_S, self._amplitudes, strict=True):
            knot = math.floor(t / scale)
            frac = t / scale - knot
            a = _noise(self.key, scale, knot)
            b = _noise(self.key, scale, knot + 1)
            x += amplitude * (a + (b - a) * frac)
        return x

    def price(self, ts: int) -> Decimal:
        """The path at ``ts``, on the market's ticks (the last few are remembered: a
        bucket's open is the next one's close)."""
        price = self._recent.get(ts)
        if price is None:
            if len(self._recent) > 8:
                self._recent.clear()
            price = self._recent[ts] = self._tick(math.exp(self._anchor() + self._x(ts)))
        return price

    def _tick(self, value: float) -> Decimal:
        price = floor_to_tick(self.ladder, Decimal(repr(value)))
        return max(price, self._floor_price)

    def bar(self, period: Period, start: int) -> Bar:
        """The generated candle of the bucket starting at ``start`` (the last
        ``PAST_BARS_KEPT`` made are kept: charts read the same ones again)."""
        key = (period.name, start)
        bar = self._bars.get(key)
        if bar is None:
            if len(self._bars) >= PAST_BARS_KEPT:
                self._bars.clear()
            bar = self._bars[key] = self._make(period, start)
        return bar

    def _make(self, period: Period, start: int) -> Bar:
        end = period.end(start)
        u = _uniforms(f"{self.key}/{period.name}/{start}", 7)
        opening, closing = self.price(start), self.price(end)
        width = end - start
        swing = 0.35 * self.sigma * math.sqrt(width / 1000)
        top = max(opening, closing)
        bottom = min(opening, closing)
        high = max(top, self._tick(float(top) * math.exp(abs(_normal(u[0], u[1]) * swing))))
        low = min(bottom, self._tick(float(bottom) * math.exp(-abs(_normal(u[2], u[3]) * swing))))
        spread = math.exp(0.6 * _normal(u[4], u[5]) - 0.18)
        with localcontext() as context:
            context.prec = 60  # a year's volume of a cheap coin has many digits
            volume = Decimal(repr(self.volume_per_ms * width * spread)).quantize(_QUANTUM)
            volume = max(volume, _QUANTUM)
            value = (volume * (opening + high + low + closing) / 4).quantize(_QUANTUM)
        last_ts = end - 1 - int(u[6] * min(width, 60_000))
        return Bar(start, opening, high, low, closing, volume, value, start, max(last_ts, start))


class CandleLog:
    """One market's trades in one-second and one-minute buckets, and its past."""

    def __init__(self, past: PastPath) -> None:
        self.past = past
        self.seconds: deque[Bar] = deque(maxlen=SECOND_BARS)
        self.minutes: deque[Bar] = deque(maxlen=MINUTE_BARS)
        self.seq = 0
        """Trades added so far."""
        self.first_ts: int | None = None
        """The time of the market's first trade: the generated past ends before it."""

    def add(self, ts: int, price: Decimal, size: Decimal) -> None:
        """Count one trade in both logs."""
        if self.first_ts is None:
            self.first_ts = ts
            self.past.pin(ts, price)
        self.seq += 1
        value = price * size
        for log, width in ((self.seconds, SECOND_MS), (self.minutes, MINUTE_MS)):
            start = ts - ts % width
            bar = log[-1] if log else None
            if bar is not None and bar.start > start:  # a clock set back: an older bucket
                bar = self._older(log, start)
            if bar is not None and bar.start == start:
                bar.add(ts, price, size, value, self.seq)
            elif not log or log[-1].start < start:
                log.append(Bar.of_trade(start, ts, price, size, self.seq))
            elif len(log) != log.maxlen:  # a full log has no room for the past
                older = (i for i in range(len(log) - 1, -1, -1) if log[i].start < start)
                index = next(older, -1)
                log.insert(index + 1, Bar.of_trade(start, ts, price, size, self.seq))

    @staticmethod
    def _older(log: deque[Bar], start: int) -> Bar | None:
        """The bar of ``log`` starting at ``start``, if any (newest first: it is recent)."""
        for index in range(len(log) - 1, -1, -1):
            if log[index].start <= start:
                return log[index] if log[index].start == start else None
        return None

    # -- reading ---------------------------------------------------------------------------

    def _base(self, period: Period) -> deque[Bar]:
        return self.seconds if period.ms == SECOND_MS else self.minutes

    def _traded(self, period: Period, before: int) -> Iterator[Bar]:
        """Buckets of ``period`` with trades, starting before ``before``, newest first."""
        current: Bar | None = None
        for bar in reversed(self._base(period)):
            start = period.start(bar.start)
            if start >= before:
                continue
            if current is not None and current.start == start:
                current.add_older(bar)
                continue
            if current is not None:
                yield current
            current = bar.copy(start)
        if current is not None:
            yield current

    def candles(self, period: Period, before: int, count: int, since: int = 0) -> list[Bar]:
        """Up to ``count`` candles of ``period`` starting before ``before`` (ms) and not
        before ``since``, newest first: buckets with trades, then the generated past."""
        out: list[Bar] = []
        for bar in self._traded(period, before):
            if len(out) == count or bar.start < since:
                return out
            out.append(bar)
        if self.first_ts is None:
            return out
        start = period.before(min(before, period.start(self.first_ts)))
        while len(out) < count and start >= since and start > 0:
            out.append(self.past.bar(period, start))
            start = period.before(start)
        return out

    def newest(self, period: Period) -> Bar | None:
        """The newest candle of ``period``: the bucket of the last trade."""
        found = self.candles(period, 2**62, 1)
        return found[0] if found else None

    def bucket(self, period: Period, start: int) -> Bar | None:
        """The candle of ``period`` starting at ``start``, if it has trades."""
        for bar in self._traded(period, period.end(start)):
            return bar if bar.start == start else None
        return None
