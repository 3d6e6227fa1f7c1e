"""Fuzz stall benchmark: how long the dashboard's event loop stalls while fuzzed frames arrive.

Run by hand: ``.venv/bin/python bench/fuzz_stall.py [--frames N] [--rate R] [--seed S]``.

A simulator in a child process sends ``--frames`` fuzzed frames, half to each exchange's
public socket, at ``--rate`` frames/s per exchange. The frames are drawn the way the decoder
fuzz tests draw them (``tests/support/fuzzing.py``: random bytes, random text, random JSON
trees, mutated documented samples, documented samples about random market codes);
``--distinct`` of them per exchange are drawn and sent round robin, since drawing costs
about 3 ms a frame. The dashboard runs headless (Textual's Pilot, 160x48, logging to a file
as in real use, start-up objects frozen as ``run_dashboard`` does unless ``--no-freeze``)
against that simulator in this process, while a monitor task sleeps 5 ms at a time and
notes how late the loop wakes.

Printed: the worst stall and how many went over 100 ms, both in wall time (which other
processes on a shared machine inflate) and in this thread's CPU time between two wake-ups
(what the loop itself did); frames counted malformed, data for unsubscribed markets
dropped, markets in the store, frames the simulator had to drop, and whether a key still
answers. Compare runs made the same way, on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fuzzing import draw_many, public_frames

from mdtui.cli import setup_logging
from mdtui.demo import point_at
from mdtui.settings import Settings
from mdtui.sim.server import Simulator
from mdtui.ui.app import freeze_startup_objects, make_app

VENUES = ("upbit", "korbit")
TICK = 0.005
"""The monitor's sleep: a wake-up later than this is a stall of the event loop."""


def run_simulator(conn: Any, distinct: int, seed: int) -> None:  # pragma: no cover - child
    """The simulator, and on request the fuzz: ``(total, rate)``. The frames are drawn
    here, so the dashboard's process holds nothing of Hypothesis. Korbit frames go out as
    text (bad UTF-8 replaced: a text frame that is not UTF-8 closes the socket before any
    codec sees it), Upbit's as binary frames."""
    started = time.monotonic()
    frames: dict[str, list[bytes | str]] = {
        v: list(draw_many(public_frames(v), distinct, seed)) for v in VENUES
    }
    frames["korbit"] = [bytes(f).decode("utf-8", "replace") for f in frames["korbit"]]
    drawn = time.monotonic() - started

    async def main() -> None:
        async with Simulator(seed=5) as sim:
            conn.send((sim.http_url, drawn))
            loop = asyncio.get_running_loop()
            total, rate = await loop.run_in_executor(None, conn.recv)
            sent = 0
            start = time.monotonic()
            while sent < total:
                for venue in VENUES:
                    pool = frames[venue]
                    await sim.send_raw(venue, pool[(sent // 2) % len(pool)])
                    sent += 1
                ahead = sent / 2 / rate - (time.monotonic() - start)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            dropped = sum(sim.stats(v).dropped_frames for v in VENUES)
            conn.send((sent, time.monotonic() - start, dropped))
            await loop.run_in_executor(None, conn.recv)

    asyncio.run(main())


class Monitor:
    """Event-loop stalls, sampled every :data:`TICK` seconds: how late the loop woke (wall
    time, which a busy machine inflates), and how much CPU this thread spent meanwhile (what
    the loop itself did: a callback, a garbage collection; not time the machine gave to
    other processes)."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self.cpu: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            before, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK)
            self.stalls.append(time.perf_counter() - before - TICK)
            self.cpu.append(time.thread_time() - cpu)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def run(args: argparse.Namespace, conn: Any, base: str, log_file: Path) -> None:
    settings = point_at(Settings(_env_file=None, log_file=log_file), base)
    setup_logging(settings)
    app = make_app(settings)
    if args.freeze:
        freeze_startup_objects()  # as the dashboard does before it runs
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 30
        while not all(
            (s := app.shared.model.markets.get(k)) is not None and s.ticker for k in app.watchlist
        ):
            if time.monotonic() > deadline:
                raise SystemExit("the dashboard did not load every ticker in 30 s")
            await pilot.pause(0.1)
        before = {v: app.shared.model.feed(v, "public").malformed for v in VENUES}
        markets_before = len(app.shared.model.markets)
        monitor = Monitor()
        monitor.start()
        conn.send((args.frames, args.rate))
        loop = asyncio.get_running_loop()
        sent, seconds, dropped = await loop.run_in_executor(None, conn.recv)
        await pilot.pause(1.0)  # what was still in flight
        monitor.stop()
        selected = app.selected
        t0 = time.perf_counter()
        await pilot.press("j")
        key_ms = (time.perf_counter() - t0) * 1000
        moved = app.selected != selected
        stalls = monitor.stalls
        malformed = {v: app.shared.model.feed(v, "public").malformed - before[v] for v in VENUES}
        unsubscribed = {
            v: getattr(w.stats, "unsubscribed", None) for v, w in app.workers_by_venue.items()
        }
        markets = len(app.shared.model.markets)
    conn.send("stop")
    cpu = monitor.cpu
    print(f"frames sent            {sent} in {seconds:.1f} s ({sent / seconds:.0f}/s)")
    print(f"dropped by simulator   {dropped}")
    print(f"loop samples           {len(stalls)}")
    print(f"worst stall, wall      {max(stalls) * 1000:.0f} ms")
    print(f"median stall, wall     {statistics.median(stalls) * 1000:.1f} ms")
    wall = sum(s > 0.1 for s in stalls), sum(s > 0.5 for s in stalls)
    print(f"stalls > 100 ms, wall  {wall[0]} (> 500 ms: {wall[1]})")
    print(f"worst stall, CPU       {max(cpu) * 1000:.0f} ms")
    over = sum(c > 0.1 for c in cpu), sum(c > 0.05 for c in cpu)
    print(f"stalls > 100 ms, CPU   {over[0]} (> 50 ms: {over[1]})")
    print(f"counted malformed      {malformed}")
    print(f"unsubscribed dropped   {unsubscribed}")
    print(f"markets in the store   {markets} (before the fuzz {markets_before})")
    print(f"key answered           {moved} in {key_ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000, help="frames sent in all")
    parser.add_argument("--distinct", type=int, default=3000, help="frames drawn per exchange")
    parser.add_argument("--rate", type=float, default=2000.0, help="frames/s per exchange")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave the start-up objects to the garbage collector (as before it froze them)",
    )
    args = parser.parse_args()
    logging.getLogger("asyncio").setLevel(logging.ERROR)
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=run_simulator, args=(child, args.distinct, args.seed), daemon=True
    )
    proc.start()
    try:
        print(f"drawing {args.distinct} frames per exchange (seed {args.seed})...", flush=True)
        base, drawn = parent.recv()
        print(f"drawn in {drawn:.0f} s", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run(args, parent, base, Path(tmp) / "mdtui.log"))
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
            proc.join()


if __name__ == "__main__":
    main()
