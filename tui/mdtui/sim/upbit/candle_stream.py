"""The pace of Upbit's candle stream (docs/protocols.md, 'Upbit: public websocket').

Upbit sends a ``candle.*`` message at most once a second per code and type, and only when a
trade changed the candle; the same bucket may be sent several times (the last one wins).
One stream per (code, type) is shared by every socket subscribed to it:

- it is due when the market traded since its last message and a second has passed;
- when the bucket it last sent has traded since and a newer bucket has begun, that
  bucket's final state goes first (a second later, the new bucket), so a closed bucket's
  last message is its whole candle, as REST reports it. A bucket that opens and closes
  within one pause (one-second candles) may go unsent, as Upbit does not promise every one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from mdtui.sim.engine.candles import MINUTES, SECOND, Bar, CandleLog, Period
from mdtui.sim.engine.market_generator import Market, VenueMarkets

C = TypeVar("C", bound=Hashable)

PERIODS: dict[str, Period] = {
    "candle.1s": SECOND,
    **{f"candle.{unit}m": period for unit, period in MINUTES.items()},
}
CANDLE_TYPES = tuple(PERIODS)
PACE_S = 1.0
"""Least time between two messages of one code and type."""


@dataclass(slots=True)
class _Stream(Generic[C]):
    sent_seq: int
    """The market's trade count the last message included."""
    sent_start: int | None
    """The bucket the last message (or the snapshot) was."""
    sent_at: float = -math.inf
    clients: set[C] = field(default_factory=set)


class CandleStreams(Generic[C]):
    """The candle streams some socket ``C`` is subscribed to, and when each is due."""

    def __init__(self, markets: VenueMarkets, clock: Callable[[], float] = time.monotonic) -> None:
        self.markets = markets
        self.clock = clock
        self._streams: dict[tuple[str, str], _Stream[C]] = {}

    @staticmethod
    def period(kind: str) -> Period:
        return PERIODS[kind]

    def watch(self, client: C, code: str, kind: str) -> None:
        stream = self._streams.get((code, kind))
        if stream is None:
            log = self.markets[code].candles
            newest = log.newest(PERIODS[kind])
            start = newest.start if newest is not None else None
            stream = self._streams[code, kind] = _Stream(log.seq, start)
        stream.clients.add(client)

    def forget(self, client: C) -> None:
        """Drop every stream of ``client`` (it resubscribed or closed)."""
        for key, stream in list(self._streams.items()):
            stream.clients.discard(client)
            if not stream.clients:
                del self._streams[key]

    def due(self, stalled: Callable[[str, str], bool]) -> list[tuple[C, str, Market, Bar]]:
        """(client, type, market, candle) of every message to send now."""
        now = self.clock()
        out: list[tuple[C, str, Market, Bar]] = []
        for (code, kind), stream in self._streams.items():
            market = self.markets[code]
            if market.candles.seq == stream.sent_seq or now - stream.sent_at < PACE_S:
                continue
            if stalled("upbit", code):
                continue
            bar = self._next(market.candles, PERIODS[kind], stream)
            if bar is None:
                continue
            stream.sent_at = now
            out.extend((client, kind, market, bar) for client in stream.clients)
        return out

    @staticmethod
    def _next(log: CandleLog, period: Period, stream: _Stream[C]) -> Bar | None:
        newest = log.newest(period)
        if newest is None:
            return None
        if stream.sent_start is not None and newest.start != stream.sent_start:
            older = log.bucket(period, stream.sent_start)
            if older is not None and older.last_seq > stream.sent_seq:
                stream.sent_seq = older.last_seq
                return older
        stream.sent_start = newest.start
        stream.sent_seq = log.seq
        return newest
