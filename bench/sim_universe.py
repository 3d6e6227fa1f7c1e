"""Simulator scale benchmark: the simulator's CPU with the old listing (the 30 core markets)
and the whole universe (Upbit's KRW, BTC and USDT markets and Korbit's pairs), side by side
at the same subscriptions.

Run by hand: ``.venv/bin/python bench/sim_universe.py [--seconds S] [--rounds N]``.

Each case runs a simulator (demo trader off, normal clock) in a child process and one plain
``websockets`` client per exchange in this one, which subscribes and then reads. After a
second of warm-up the child's CPU (user + system, from ``/proc``) and the frames received
are counted over ``--seconds``. Cases run round robin, ``--rounds`` times; the table shows
medians. Cases:

- ``watchlist``: the default demo watchlist (6 Upbit and 5 Korbit KRW markets): tickers of
  all of them, the book and trades of KRW-BTC and btc_krw;
- ``all tickers``: tickers of every listed market of both exchanges (Korbit's launched
  pairs) plus the same book and trades: the all-markets board's subscription;
- ``chart``: the watchlist plus what a chart of KRW-BTC and btc_krw costs the simulator:
  Upbit's ``candle.1s`` and ``candle.1m`` streams of KRW-BTC, and once a second the last 200
  one-minute candles of each over REST (Upbit ``/v1/candles/minutes/1``, Korbit
  ``/v2/candles``).

It also times building a ``Simulator`` and building every market of its listing. Absolute
figures move with machine load; compare the listings within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from mdtui.sim.engine.listings import KORBIT_CORE, UPBIT_CORE, korbit_listings, upbit_listings
from mdtui.sim.server import Simulator

UPBIT_WATCH = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA"]
KORBIT_WATCH = ["btc_krw", "eth_krw", "xrp_krw", "sol_krw", "usdt_krw"]
CASES = ("watchlist", "all tickers", "chart")
LISTINGS = {
    "core": (UPBIT_CORE, KORBIT_CORE),
    "universe": (upbit_listings("kr", 1), korbit_listings(1)),
}


def _serve(listing: str, pipe: Connection) -> None:
    """The child: a simulator with ``listing`` until the parent closes the pipe."""

    async def run() -> None:
        upbit, korbit = LISTINGS[listing]
        async with Simulator(
            seed=1, trader=None, upbit_listings=upbit, korbit_listings=korbit
        ) as sim:
            pipe.send(sim.port)
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)

    with contextlib.suppress(EOFError):
        asyncio.run(run())


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _requests(listing: str, case: str) -> tuple[str, str]:
    upbit, korbit = LISTINGS[listing]
    if case in ("watchlist", "chart"):
        up_tickers, kb_tickers = UPBIT_WATCH, KORBIT_WATCH
    else:
        up_tickers = [x.code for x in upbit]
        kb_tickers = [x.code for x in korbit if x.active]
    candles = [{"type": t, "codes": ["KRW-BTC"]} for t in ("candle.1s", "candle.1m")]
    up = json.dumps([
        {"ticket": "bench"},
        {"type": "ticker", "codes": up_tickers},
        {"type": "orderbook", "codes": ["KRW-BTC"]},
        {"type": "trade", "codes": ["KRW-BTC"]},
        *(candles if case == "chart" else []),
        {"format": "SIMPLE"},
    ])  # fmt: skip
    kb = json.dumps([
        {"method": "subscribe", "type": "ticker", "symbols": kb_tickers},
        {"method": "subscribe", "type": "orderbook", "symbols": ["btc_krw"]},
        {"method": "subscribe", "type": "trade", "symbols": ["btc_krw"]},
    ])  # fmt: skip
    return up, kb


async def _measure(
    port: int, pid: int, listing: str, case: str, seconds: float
) -> tuple[float, int]:
    """(child CPU seconds, frames received) over ``seconds`` after a second's warm-up."""
    up_request, kb_request = _requests(listing, case)
    counting = asyncio.Event()
    frames = [0]

    async def read(path: str, request: str) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=2**24) as ws:
            await ws.send(request)
            async for _ in ws:
                if counting.is_set():
                    frames[0] += 1

    async def history() -> None:
        """The chart's REST reads: 200 one-minute candles of each market, once a second."""
        paths = (
            "/v1/candles/minutes/1?market=KRW-BTC&count=200",
            "/v2/candles?symbol=btc_krw&interval=1&limit=200",
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while True:
                for path in paths:
                    response = await client.get(path)
                    assert response.status_code == 200, response.text
                await asyncio.sleep(1.0)

    readers = [
        asyncio.create_task(read("/websocket/v1", up_request)),
        asyncio.create_task(read("/v2/public", kb_request)),
    ]
    if case == "chart":
        readers.append(asyncio.create_task(history()))
    await asyncio.sleep(1.0)
    start = _cpu_seconds(pid)
    counting.set()
    await asyncio.sleep(seconds)
    counting.clear()
    cpu = _cpu_seconds(pid) - start
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return cpu, frames[0]


def _run_case(listing: str, case: str, seconds: float) -> tuple[float, int]:
    ours, theirs = mp.Pipe()
    child = mp.Process(target=_serve, args=(listing, theirs), daemon=True)
    child.start()
    try:
        port = ours.recv()
        assert child.pid is not None
        return asyncio.run(_measure(port, child.pid, listing, case, seconds))
    finally:
        ours.close()
        child.join(5)
        if child.is_alive():
            child.kill()


def _startup(listing: str) -> tuple[float, float]:
    """(ms to build a Simulator, ms to build every market of its listing)."""
    upbit, korbit = LISTINGS[listing]
    start = time.perf_counter()
    sim = Simulator(seed=1, trader=None, upbit_listings=upbit, korbit_listings=korbit)
    built = time.perf_counter()
    for venue in sim.markets.values():
        for _ in venue:
            pass
    done = time.perf_counter()
    return (built - start) * 1000, (done - built) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    mp.set_start_method("fork")
    cases = [(c, listing) for c in CASES for listing in LISTINGS]
    results: dict[tuple[str, str], list[tuple[float, int]]] = {k: [] for k in cases}
    for round_ in range(args.rounds):
        for case, listing in cases:
            results[(case, listing)].append(_run_case(listing, case, args.seconds))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    print(f"\nsimulator CPU over {args.seconds:g} s, median of {args.rounds} rounds\n")
    print("| case | listing | markets listed | CPU % of a core | frames/s | CPU vs core |")
    print("|---|---|---:|---:|---:|---:|")
    for case in CASES:
        base = statistics.median(cpu for cpu, _ in results[(case, "core")])
        for listing in LISTINGS:
            runs = results[(case, listing)]
            cpu = statistics.median(c for c, _ in runs)
            rate = statistics.median(n for _, n in runs) / args.seconds
            count = sum(len(x) for x in LISTINGS[listing])
            print(
                f"| {case} | {listing} | {count} | {100 * cpu / args.seconds:.1f} "
                f"| {rate:.0f} | {cpu / base:.2f}x |"
            )
    print("\n| listing | build a Simulator (ms) | build every market (ms) |")
    print("|---|---:|---:|")
    for listing in LISTINGS:
        times = [_startup(listing) for _ in range(3)]
        print(
            f"| {listing} | {statistics.median(t for t, _ in times):.1f} "
            f"| {statistics.median(t for _, t in times):.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
