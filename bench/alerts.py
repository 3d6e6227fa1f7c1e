"""Alerts benchmark: what evaluating alerts adds to the hot path, with 0 and 100 alerts
armed.

Run by hand: ``.venv/bin/python bench/alerts.py [--seconds S] [--rounds N]``.

Frames are captured first: the real public feeds (both exchanges, 10 markets each:
tickers, books and trades) against an in-process simulator running 5x its normal rate.
Then, offline and in alternating rounds over the same frames, each session decodes every
frame with the feed's codec and applies it to a ``MarketStore`` (the hot path without
alerts: the baseline), then evaluates it with ``AlertEngine.market``: with no alert, and
with 100 alerts armed on those 20 markets (per market: a price crossing up and one down, a
3 % move in 5 minutes, a spread and an Upbit-Korbit gap, all set far enough away to stay
armed, so every event is evaluated in full). The table shows medians of CPU ns per event,
the ratio to the baseline, and what the alerts added per event; a last row does the same
for the store alone (no decoding), the harshest comparison, and ``store+100p`` with 100
price crossings (5 per market) instead.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from mdtui.demo import point_at
from mdtui.feed.buffered_session import Frame
from mdtui.feed.public_feeds import decoder_for
from mdtui.feed.replay import Decoder
from mdtui.feed.supervisor import FeedSupervisor
from mdtui.model.alerts import AlertEngine, AlertRule
from mdtui.model.events import AnyEvent
from mdtui.model.market_store import MarketStore
from mdtui.settings import load_settings
from mdtui.sim.engine.listings import KORBIT_CORE, UPBIT_CORE
from mdtui.sim.server import Simulator

UPBIT = [f"upbit:KRW-{x.base}" for x in UPBIT_CORE][:10]
KORBIT = [f"korbit:{x.base.lower()}_krw" for x in KORBIT_CORE][:10]
MARKETS = UPBIT + KORBIT


Captured = list[tuple[Decoder, Frame]]


async def capture(seconds: float) -> Captured:
    """Public frames of :data:`MARKETS` for ``seconds``, each with its codec."""
    frames: Captured = []

    def tap(venue: str, channel: str, frame: Frame, t_ms: int) -> None:
        decode = decoder_for(venue, channel)
        assert decode is not None
        frames.append((decode, frame))

    async with Simulator(seed=3) as sim:
        sim.flood(5)
        settings = point_at(load_settings(log_file=Path("/dev/null")), sim.http_url)
        feeds = FeedSupervisor(
            settings, lambda batch: None, lambda batch: None, tap=tap, private=False
        )
        feeds.want_everything(MARKETS)
        feeds.start()
        await asyncio.sleep(seconds)
        await feeds.aclose()
    return frames


def price_rules() -> list[AlertRule]:
    """100 price crossings, 5 per market, that stay armed (the commonest alert)."""
    return [
        AlertRule(kind="price", market=key, level=Decimal(10**9 + n), direction="up")
        for key in MARKETS
        for n in range(5)
    ]


def rules() -> list[AlertRule]:
    """100 alerts, 5 per market, that stay armed."""
    out: list[AlertRule] = []
    for key in MARKETS:
        out += [
            AlertRule(kind="price", market=key, level=Decimal(10**12), direction="up"),
            AlertRule(kind="price", market=key, level=Decimal("0.00000001"), direction="down"),
            AlertRule(kind="move", market=key, pct=Decimal(3), window=300),
            AlertRule(kind="spread", market=key, bps=Decimal(100000)),
            AlertRule(kind="gap", market=key, pct=Decimal(900)),
        ]
    return out


NOW = 1_800_000_000_000


def run(frames: Captured, engine: AlertEngine | None) -> int:
    """CPU ns to decode and apply every frame (and evaluate it with ``engine``)."""
    store = MarketStore()
    start = time.process_time_ns()
    if engine is None:
        for decode, frame in frames:
            store.apply(decode(frame), NOW)
    else:
        for decode, frame in frames:
            batch = decode(frame)
            store.apply(batch, NOW)
            engine.market(batch)
    return time.process_time_ns() - start


def run_store(batches: list[list[AnyEvent]], engine: AlertEngine | None) -> int:
    """CPU ns to apply decoded batches (and evaluate them with ``engine``)."""
    store = MarketStore()
    start = time.process_time_ns()
    for batch in batches:
        store.apply(batch, NOW)
        if engine is not None:
            engine.market(batch)
    return time.process_time_ns() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="capture length")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    frames = asyncio.run(capture(args.seconds))
    batches = [decode(frame) for decode, frame in frames]
    events = sum(len(b) for b in batches)
    armed = rules()
    prices = price_rules()
    print(f"{len(frames)} frames, {events} events, {len(MARKETS)} markets; "
          f"{args.rounds} rounds")  # fmt: skip
    names = ("no alerts", "0 alerts", "100 alerts", "store only", "store+100", "store+100p")
    times: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    gc.disable()
    try:
        sessions: list[tuple[str, Callable[[], int]]] = [
            ("no alerts", lambda: run(frames, None)),
            ("0 alerts", lambda: run(frames, AlertEngine([], MARKETS))),
            ("100 alerts", lambda: run(frames, AlertEngine(armed, MARKETS))),
            ("store only", lambda: run_store(batches, None)),
            ("store+100", lambda: run_store(batches, AlertEngine(armed, MARKETS))),
            ("store+100p", lambda: run_store(batches, AlertEngine(prices, MARKETS))),
        ]
        for round_ in range(args.rounds):  # a different order each round: no bias
            turn = round_ % len(sessions)
            for name, session in sessions[turn:] + sessions[:turn]:
                times[name].append(session() / events)
    finally:
        gc.enable()
    print("decode + store + alerts, CPU ns per event (medians):")
    print(f"{'session':<12} {'ns/event':>10} {'ratio':>7} {'alerts ns/event':>16}")
    for name in names:
        base = statistics.median(times["no alerts" if "store" not in name else "store only"])
        median = statistics.median(times[name])
        print(f"{name:<12} {median:>10.0f} {median / base:>6.2f}x {median - base:>16.0f}")


if __name__ == "__main__":
    main()
