"""Ingest benchmark: what each received frame costs, beside ``orjson.loads`` of the same frames.

Run by hand: ``.venv/bin/python bench/ingest.py [--seconds S] [--rounds N]``.

Part 1, decode + model update: frames captured from the simulator (Upbit SIMPLE format, as
the feed subscribes; Korbit), grouped by exchange and kind. For each group, rounds alternate
``MarketStore.apply(codec.decode(frame))`` and ``orjson.loads(frame)`` over the same frames;
the table shows medians of CPU µs per frame, frames/s on one core, and the ratio.

Part 2, socket -> events: the simulator runs in a child process at a flooded rate, streaming
tickers, books and trades of 10 markets per exchange. Clients run one after another, round
robin, each for ``--seconds``: mdtui's feed worker (httpx-ws with the buffered session,
codec, model update), the same with httpx-ws's stock session, and a plain ``websockets``
client doing ``orjson.loads`` (the baseline). CPU is this process's ``time.process_time``.
Absolute figures move with machine load; the ratios in one run are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import orjson
import websockets
from httpx_ws import AsyncWebSocketSession, aconnect_ws

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from mdtui.demo import point_at
from mdtui.feed.public_feeds import KorbitPublic, UpbitPublic, public_workers
from mdtui.feed.worker import Subscription
from mdtui.model.market_store import MarketStore
from mdtui.settings import load_settings
from mdtui.sim.engine.listings import KORBIT_CORE, UPBIT_CORE
from mdtui.sim.server import Simulator
from mdtui.venues import korbit, upbit
from mdtui.venues.endpoints import Endpoints

UPBIT = [f"KRW-{x.base}" for x in UPBIT_CORE][:10]
KORBIT = [f"{x.base.lower()}_krw" for x in KORBIT_CORE][:10]


# ------------------------------------------------------------------ part 1: decode + model


async def capture(seconds: float) -> dict[tuple[str, str], list[bytes | str]]:
    """Raw frames per (venue, kind) from an in-process simulator."""
    frames: dict[tuple[str, str], list[bytes | str]] = defaultdict(list)
    async with Simulator(seed=3) as sim:
        sim.flood(5)
        ends = Endpoints(sim.ws_url + upbit.PUBLIC_PATH, "", sim.http_url)
        up = UpbitPublic(ends)
        kb = KorbitPublic(Endpoints(sim.ws_url + korbit.PUBLIC_PATH, "", sim.http_url))
        sub = Subscription.of(UPBIT, UPBIT, UPBIT)
        ksub = Subscription.of(KORBIT, KORBIT, KORBIT)

        async def pull(url: str, requests: list[str], venue: str) -> None:
            async with websockets.connect(url, max_size=2**22) as ws:
                for r in requests:
                    await ws.send(r)
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    frame = await ws.recv()
                    kind = orjson.loads(frame).get("ty" if venue == "upbit" else "type", "?")
                    frames[(venue, kind)].append(frame)

        await asyncio.gather(
            pull(up.url(), up.frames_for(None, sub), "upbit"),
            pull(kb.url(), kb.frames_for(None, ksub), "korbit"),
        )
    return frames


def per_frame_us(fn: Callable[[bytes | str], object], frames: list[bytes | str]) -> float:
    start = time.process_time()
    for f in frames:
        fn(f)
    return (time.process_time() - start) / len(frames) * 1e6


def decode_table(frames: dict[tuple[str, str], list[bytes | str]], rounds: int) -> None:
    print(f"\n1. decode + model update, CPU µs per frame (median of {rounds} rounds)")
    print(
        f"{'venue':7} {'kind':10} {'frames':>6} {'bytes':>6} {'mdtui µs':>9} {'frames/s':>9} "
        f"{'orjson µs':>9} {'ratio':>6}"
    )
    decoders = {"upbit": upbit.decode, "korbit": korbit.decode}
    for (venue, kind), group in sorted(frames.items()):
        if kind not in ("ticker", "trade", "orderbook") or len(group) < 20:
            continue
        model = MarketStore()
        decode = decoders[venue]

        def ours(f: bytes | str, decode=decode, model=model) -> None:
            model.apply(decode(f), 0)

        mine, base = [], []
        for _ in range(rounds):
            mine.append(per_frame_us(ours, group))
            base.append(per_frame_us(orjson.loads, group))
        m, b = statistics.median(mine), statistics.median(base)
        size = statistics.median(len(f) for f in group)
        print(
            f"{venue:7} {kind:10} {len(group):6d} {size:6.0f} {m:9.1f} {1e6 / m:9.0f} "
            f"{b:9.1f} {m / b:6.1f}"
        )


# ------------------------------------------------------------------ part 2: socket -> events


def run_simulator(conn, flood: float) -> None:  # pragma: no cover - child process
    async def main() -> None:
        async with Simulator(seed=5) as sim:
            sim.flood(flood)
            conn.send(sim.http_url)
            await asyncio.Event().wait()

    asyncio.run(main())


Puller = Callable[[list[int], list[float]], Awaitable[None]]
"""A client loop: counts frames into ``counter[0]`` until ``stop_at[0]`` (monotonic)."""


async def measure(pullers: list[Puller], seconds: float) -> tuple[int, float]:
    """Run the pullers; after a 1 s warm-up, count frames and CPU for ``seconds``."""
    counter, stop_at = [0], [float("inf")]
    tasks = [asyncio.create_task(p(counter, stop_at)) for p in pullers]
    await asyncio.sleep(1.0)
    f0, c0 = counter[0], time.process_time()
    await asyncio.sleep(seconds)
    frames, cpu = counter[0] - f0, time.process_time() - c0
    stop_at[0] = 0.0
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return frames, cpu


def protocols(base: str) -> list[tuple[UpbitPublic | KorbitPublic, Subscription]]:
    ws = "ws" + base[4:]
    return [
        (
            UpbitPublic(Endpoints(ws + upbit.PUBLIC_PATH, "", base)),
            Subscription.of(UPBIT, UPBIT, UPBIT),
        ),
        (
            KorbitPublic(Endpoints(ws + korbit.PUBLIC_PATH, "", base)),
            Subscription.of(KORBIT, KORBIT, KORBIT),
        ),
    ]


def mdtui_worker(base: str) -> list[Puller]:
    """mdtui's feed worker: buffered httpx-ws session, codec, model update."""
    settings = point_at(load_settings(), base)
    model = MarketStore()
    workers = public_workers(settings, lambda events: model.apply(events, 0))

    def puller(worker, sub) -> Puller:
        async def run(counter: list[int], stop_at: list[float]) -> None:
            worker.subscribe(sub)
            task = asyncio.create_task(worker.run())
            seen = 0
            try:
                while True:
                    await asyncio.sleep(0.05)
                    counter[0] += worker.stats.frames - seen
                    seen = worker.stats.frames
            finally:
                worker.stop()
                task.cancel()

        return run

    subs = [sub for _, sub in protocols(base)]
    return [puller(w, sub) for w, sub in zip(workers.values(), subs, strict=True)]


def stock_httpx_ws(base: str) -> list[Puller]:
    """httpx-ws's stock session (one ``receive`` per frame), same codec and model update."""
    model = MarketStore()

    def puller(proto, sub) -> Puller:
        async def run(counter: list[int], stop_at: list[float]) -> None:
            async with (
                httpx.AsyncClient() as client,
                aconnect_ws(proto.url(), client, session_class=AsyncWebSocketSession) as ws,
            ):
                for text in proto.frames_for(None, sub):
                    await ws.send_text(text)
                while time.monotonic() < stop_at[0]:
                    event = await ws.receive()
                    model.apply(proto.decode(event.data), 0)
                    counter[0] += 1

        return run

    return [puller(p, s) for p, s in protocols(base)]


def websockets_orjson(base: str) -> list[Puller]:
    """Baseline: the websockets library and ``orjson.loads`` per frame, no model."""

    def puller(proto, sub) -> Puller:
        async def run(counter: list[int], stop_at: list[float]) -> None:
            async with websockets.connect(proto.url(), max_size=2**22) as ws:
                for text in proto.frames_for(None, sub):
                    await ws.send(text)
                while time.monotonic() < stop_at[0]:
                    orjson.loads(await ws.recv())
                    counter[0] += 1

        return run

    return [puller(p, s) for p, s in protocols(base)]


CLIENTS = {
    "mdtui feed worker": mdtui_worker,
    "httpx-ws stock session + codec": stock_httpx_ws,
    "websockets + orjson.loads": websockets_orjson,
}


async def socket_table(base: str, seconds: float, rounds: int) -> None:
    results: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for _ in range(rounds):
        for name, make in CLIENTS.items():
            results[name].append(await measure(make(base), seconds))
    print(
        f"\n2. socket -> events over loopback, {rounds} rounds x {seconds:g} s (median of rounds)"
    )
    print(f"{'client':32} {'frames/s':>9} {'CPU µs/frame':>13} {'CPU share':>9} {'ratio':>6}")
    base_us = statistics.median(c / f * 1e6 for f, c in results["websockets + orjson.loads"])
    for name, runs in results.items():
        us = statistics.median(c / f * 1e6 for f, c in runs)
        rate = statistics.median(f / seconds for f, _ in runs)
        share = statistics.median(c / seconds for _, c in runs)
        print(f"{name:32} {rate:9.0f} {us:13.1f} {share:9.2f} {us / base_us:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flood", type=float, default=20.0, help="simulator speed-up for part 2")
    args = parser.parse_args()

    frames = asyncio.run(capture(3.0))
    decode_table(frames, rounds=max(5, args.rounds * 3))

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=run_simulator, args=(child, args.flood), daemon=True
    )
    proc.start()
    try:
        base = parent.recv()
        asyncio.run(socket_table(base, args.seconds, args.rounds))
    finally:
        proc.terminate()
        proc.join()


if __name__ == "__main__":
    main()
