"""Chart CPU benchmark: what the chart pane costs the dashboard at the demo's pace.

Run by hand: ``.venv/bin/python bench/chart_cpu.py [--seconds S] [--interval I]``.

Each case runs the real dashboard (Textual, headless, 160x48: every pane laid out,
rendered and composited; only the bytes to a terminal are left out) in a fresh child
process against the demo simulator (``mdtui --demo``'s, seed 1, in a process of its
own), with the demo account's private feeds, for the same selected market (Upbit
BTC/KRW). Every case folds the selected market's trades into its candles of
``--interval`` on top of 200 candles of history, standing in for the candle feed, so the
data work is the same in each and only the chart differs. Cases, side by side:

- ``tape``: the chart hidden (the baseline: the trade tape shows);
- ``chart``: the chart in place of the tape (``c``);
- ``full``: the chart on the whole screen (``C``).

For each: chart layouts a second and the CPU time of one (the chart's own share of a
core: layouts x time), CPU of the dashboard's process over the measured window (% of one
core, every pane and the feeds included) and its ratio to the baseline. The chart takes
the tape's place (and in ``full`` every other pane's), so the whole process may well cost
less with it than without. The machine is shared: compare ratios within
one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

CASES = ("tape", "chart", "full")
MARKET = "upbit:KRW-BTC"


async def run_case(case: str, seconds: float, interval: str) -> dict[str, float]:
    from mdtui.demo import point_at, simulator_process
    from mdtui.model.candles import INTERVALS, Candle
    from mdtui.model.events import Trade
    from mdtui.settings import Settings
    from mdtui.ui.app import make_app
    from mdtui.ui.widgets.chart import ChartPane

    with contextlib.ExitStack() as stack:
        log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "mdtui.log"
        url = stack.enter_context(simulator_process(1, log, "kr"))
        settings = point_at(Settings(log_file=log), url, demo_keys=True)
        app = make_app(settings, mode="bench")
        venue, _, market = MARKET.partition(":")
        public_batch = app._public_batch

        def batch(events: list) -> None:
            public_batch(events)
            series = app.shared.model.market(venue, market).candle_series(interval)
            for ev in events:
                if type(ev) is Trade and ev.venue == venue and ev.market == market:
                    series.add_trade(ev.price, ev.size, ev.ts)

        app.feeds.public_sink = batch  # before the workers start, they take it then
        async with app.run_test(size=(160, 48)) as pilot:
            state = app.shared.model.market(venue, market)
            while state.last_price is None:
                await asyncio.sleep(0.1)
            price, length = state.last_price, INTERVALS[interval]
            now = int(time.time() * 1000)
            history = []
            for i in range(200):
                start = now - now % length - (200 - i) * length
                high, low = price + 1000 * (i % 7), price - 1000 * (i % 5)
                close = price + 1000 * (i % 3 - 1)
                history.append(
                    Candle(venue, market, interval, start, price, high, low, close,
                           Decimal("0.5"), price / 2, now)
                )  # fmt: skip
            state.candle_series(interval).put_many(history)
            if case == "chart":
                await pilot.press("c")
            elif case == "full":
                await pilot.press("C")
            if interval != "1m":
                app.chart.choose_interval(interval)
            pane = app.screen.query_one(ChartPane)
            layouts, spent = [0], [0.0]
            draw = pane._draw

            def counted(series: object) -> None:
                start = time.process_time()
                draw(series)  # type: ignore[arg-type]
                layouts[0] += 1
                spent[0] += time.process_time() - start

            pane._draw = counted  # type: ignore[method-assign]
            await asyncio.sleep(3.0)  # warm up: caches, first paints, private feeds
            cpu0, wall0, drawn0, spent0 = (
                time.process_time(),
                time.monotonic(),
                layouts[0],
                spent[0],
            )
            trades0 = state.tape_seq
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            made = layouts[0] - drawn0
            return {
                "cpu_pct": 100 * cpu / wall,
                "layout_ms": 1000 * (spent[0] - spent0) / max(made, 1),
                "layout_pct": 100 * (spent[0] - spent0) / wall,
                "layouts_per_s": made / wall,
                "trades_per_s": (state.tape_seq - trades0) / wall,
            }
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured window per case")
    parser.add_argument("--interval", default="1m", help="the chart's interval (1s ... 1d)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        result = asyncio.run(run_case(args.case, args.seconds, args.interval))
        print(json.dumps(result))
        return
    results = {}
    for case in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--case", case, "--seconds", str(args.seconds),
             "--interval", args.interval],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        results[case] = json.loads(out.stdout.strip().splitlines()[-1])
    base = results["tape"]
    print(f"demo pace, {args.interval} candles, {args.seconds:.0f} s per case, 160x48, headless")
    print(
        f"{'case':<7} {'trades/s':>9} {'layouts/s':>10} {'ms/layout':>10} {'layout %':>9} "
        f"{'CPU %':>7} {'x tape':>7}"
    )
    for case, r in results.items():
        print(
            f"{case:<7} {r['trades_per_s']:>9.1f} {r['layouts_per_s']:>10.1f} "
            f"{r['layout_ms']:>10.2f} {r['layout_pct']:>9.2f} "
            f"{r['cpu_pct']:>7.1f} {r['cpu_pct'] / base['cpu_pct']:>7.2f}"
        )


if __name__ == "__main__":
    main()
