"""Made-up candles for the chart tests: a seeded random walk on a market's tick."""

from __future__ import annotations

import random
from decimal import Decimal as D

from mdtui.model.candles import INTERVALS, Candle


def walk(
    venue: str,
    market: str,
    interval: str,
    end: int,
    count: int,
    price: str,
    tick: str,
    seed: int = 1,
) -> list[Candle]:
    """``count`` candles of ``interval``, oldest first, the newest starting at ``end``
    (ms) and closing at ``price``: each opens at the previous close and moves up to 12
    ticks, wicks up to 6 ticks beyond; volumes 0.01 to 2 with cent steps."""
    rng = random.Random(seed)
    step = D(tick)
    length = INTERVALS[interval]
    closes = [D(price)]
    for _ in range(count):
        closes.append(closes[-1] - step * rng.randint(-12, 12))
    closes.reverse()  # closes[0] is the first candle's open
    out = []
    for i in range(count):
        start = end - (count - 1 - i) * length
        opened, close = closes[i], closes[i + 1]
        high = max(opened, close) + step * rng.randint(0, 6)
        low = min(opened, close) - step * rng.randint(0, 6)
        volume = D(rng.randint(1, 200)) / 100
        out.append(
            Candle(
                venue,
                market,
                interval,
                start,
                opened,
                high,
                low,
                close,
                volume,
                close * volume,
                start + length - 1,
            )
        )
    return out
