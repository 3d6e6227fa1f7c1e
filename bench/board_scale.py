"""Board scale benchmark: what the all-markets board costs against the eleven-row watchlist
at the same message rate, and how it grows with the number of markets.

Run by hand: ``.venv/bin/python bench/board_scale.py [--rate R] [--seconds S]``.

Each case runs the real dashboard (Textual, headless, 160x48: every pane laid out, rendered
and composited; only the bytes to a terminal are left out) in a fresh child process, fed
``R`` ticker events a second through the app's own public sink, spread over the case's
markets with Zipf weights (a few busy markets, most quiet, as on the exchanges). Cases:

- ``watchlist 11``: the baseline, the eleven-row watchlist board, tickers for its 11 markets;
- ``all N`` for N in 11, 50, 250, 500: the all-markets board listing N markets, tickers
  spread over all N.

Each case runs with the board's trend column off and on (``sparkline = "24h"``; every
market's closes loaded up front, as if read, and moved by the tickers), except the larger
all-markets cases, which run with it on only.

For each: CPU of the process over the measured window (% of one core and µs per event),
the board's own share (its flushes and the rows it renders, ms of CPU per second), and RSS
growth from before the markets were listed to the end, beside the baseline (the watchlist
without the trend column) as a ratio, and the trend column's cost as the ratio of the
board's time with it and without it.
The machine is shared: compare ratios within one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

CASES = [
    ("watchlist", 11, "off"),
    ("watchlist", 11, "24h"),
    ("all", 11, "off"),
    ("all", 11, "24h"),
    ("all", 50, "24h"),
    ("all", 250, "off"),
    ("all", 250, "24h"),
    ("all", 500, "24h"),
]
FEED_HZ = 50
"""Batches a second (the feed workers deliver batches too)."""


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


def markets(n: int) -> list[str]:
    return [f"KRW-C{i:03d}" for i in range(n)]


def load_trends(app: object, keys: list[str], prices: dict[str, Decimal]) -> None:
    """Every market's trend-column closes, as if read over REST: a random walk ending
    near its price."""
    from mdtui.model.candles import INTERVALS, Candle
    from mdtui.model.sparklines import Sparkline

    spark = app.shared.spark  # type: ignore[attr-defined]
    length = INTERVALS[spark.interval]
    now = int(time.time() * 1000)
    newest = now - now % length
    rng = random.Random(11)
    for key in keys:
        venue, code = key.split(":")
        price = prices[code]
        candles = []
        for i in range(spark.points, -1, -1):
            p = price + rng.randrange(-20, 21)
            start = newest - i * length
            candles.append(
                Candle(venue, code, spark.interval, start, p, p, p, p, Decimal(1), p, start)
            )
        app.shared.model.put_spark(key, Sparkline(spark.interval, spark.points), candles)  # type: ignore[attr-defined]


async def run_case(mode: str, n: int, trend: str, rate: int, seconds: float) -> dict[str, float]:
    from mdtui.model.events import Ticker
    from mdtui.settings import Settings
    from mdtui.ui.app import make_app
    from mdtui.venues.markets import MarketInfo

    codes = markets(n)
    keys = [f"upbit:{c}" for c in codes]
    settings = Settings(watchlist=keys[:11] if mode == "watchlist" else keys[:1], sparkline=trend)
    app = make_app(settings, start_feeds=False, clock=time.time)
    rng = random.Random(7)
    weights = [1 / (i + 1) for i in range(n)]
    prices = {c: Decimal(1000 + 37 * i) for i, c in enumerate(codes)}
    per_batch = max(rate // FEED_HZ, 1)
    sent = 0

    def batch() -> None:
        nonlocal sent
        now_ms = int(time.time() * 1000)
        events = []
        for code in rng.choices(codes, weights, k=per_batch):
            p = prices[code] = prices[code] + rng.choice((-1, 0, 1))
            events.append(
                Ticker("upbit", code, p, Decimal(1000), p - 1000, (p - 1000) / 10, p, p, p,
                       Decimal(5), p * 5 + rng.randrange(10**9), None, None, now_ms, False)
            )  # fmt: skip
        app._public_batch(events)
        sent += len(events)

    async with app.run_test(size=(160, 48)) as pilot:
        rss0 = rss_kb()
        infos = [
            MarketInfo("upbit", c, c[4:], "KRW", f"코인{c[5:]}", f"Coin {c[5:]}") for c in codes
        ]
        app._markets_listed({"upbit": infos})
        if trend != "off":
            load_trends(app, keys, prices)
        if mode == "all":
            await pilot.press("m")
        board = app.board
        spent = [0.0]

        def timed(method):  # the board's own CPU: its flushes and the rows it renders
            def run(*args):
                start = time.process_time()
                try:
                    return method(*args)
                finally:
                    spent[0] += time.process_time() - start

            return run

        board.flush = timed(board.flush)  # type: ignore[method-assign]
        board.render_line = timed(board.render_line)  # type: ignore[method-assign]
        app.set_interval(1 / FEED_HZ, batch)
        await asyncio.sleep(2.0)  # warm up: caches, first paints
        sent0, cpu0, wall0, board0 = sent, time.process_time(), time.monotonic(), spent[0]
        await asyncio.sleep(seconds)
        cpu, wall, count = time.process_time() - cpu0, time.monotonic() - wall0, sent - sent0
        board_cpu = spent[0] - board0
        shows = board.shows_spark
        rows = len(app.board.order)
    return {
        "cpu_pct": 100 * cpu / wall,
        "us_per_event": 1e6 * cpu / max(count, 1),
        "events_per_s": count / wall,
        "rss_growth_mb": (rss_kb() - rss0) / 1024,
        "rows": rows,
        "board_ms_per_s": 1000 * board_cpu / wall,
        "trend_shown": float(shows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=1000, help="ticker events per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        mode, n, trend = args.case.split(":")
        print(json.dumps(asyncio.run(run_case(mode, int(n), trend, args.rate, args.seconds))))
        return
    results = {}
    for mode, n, trend in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--case", f"{mode}:{n}:{trend}", "--rate", str(args.rate),
             "--seconds", str(args.seconds)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        results[(mode, n, trend)] = json.loads(out.stdout.strip().splitlines()[-1])
    base = results[("watchlist", 11, "off")]
    print(f"{args.rate} ticker events/s, {args.seconds:.0f} s per case, 160x48, headless")
    print(f"{'case':<14} {'trend':>5} {'rows':>5} {'ev/s':>7} {'CPU %':>7} {'µs/ev':>7} "
          f"{'x base':>7} {'board ms/s':>10} {'x off':>6} {'RSS +MB':>8}")  # fmt: skip
    for (mode, n, trend), r in results.items():
        off = results.get((mode, n, "off"))
        ratio = f"{r['board_ms_per_s'] / off['board_ms_per_s']:>6.2f}" if off else f"{'':>6}"
        shown = trend if trend == "off" or r["trend_shown"] else "(cut)"
        print(
            f"{mode + ' ' + str(n):<14} {shown:>5} {r['rows']:>5.0f} {r['events_per_s']:>7.0f} "
            f"{r['cpu_pct']:>7.1f} {r['us_per_event']:>7.1f} "
            f"{r['cpu_pct'] / base['cpu_pct']:>7.2f} {r['board_ms_per_s']:>10.2f} {ratio} "
            f"{r['rss_growth_mb']:>8.1f}"
        )


if __name__ == "__main__":
    main()
