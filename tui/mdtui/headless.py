"""``mdtui watch`` and ``mdtui record``: the feeds without a terminal UI.

``watch`` prints every normalized market event as one JSON line on stdout (Decimals as
exact strings) and connection changes as ``mdtui: ...`` lines on stderr, which makes it
useful in scripts and bug reports. Configured and saved alerts are evaluated on the same
events: a fired alert is a JSON line too (``"type": "alert"``), after the event that fired
it, and runs its command. ``record`` writes a capture file for ``--replay``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from mdtui.alerting import Alerting
from mdtui.demo import point_at, simulator_process
from mdtui.feed.recorder import Recorder
from mdtui.feed.server_clock import wall_ms
from mdtui.feed.subscription_policy import by_venue
from mdtui.feed.supervisor import PRIVATE_KINDS, FeedSupervisor
from mdtui.feed.worker import Sink, Tap
from mdtui.model.account import Account
from mdtui.model.alerts import Alert
from mdtui.model.events import Ack, AnyEvent, FeedState, Heartbeat, Subscribed, event_json
from mdtui.model.market_store import MarketStore
from mdtui.settings import Settings

TICK_EVERY = 1.0
"""Seconds between checks of the feeds' health for feed alerts."""


@contextlib.asynccontextmanager
async def running_feeds(
    settings: Settings,
    markets: Sequence[str],
    sink: Sink,
    tap: Tap | None = None,
    *,
    private: bool = False,
) -> AsyncIterator[FeedSupervisor]:
    """Public feeds for ``markets`` (ticker, book and trades each) while the block runs,
    and with ``private`` the private feed of every exchange that has keys configured."""
    feeds = FeedSupervisor(settings, sink, sink, tap=tap, venues=by_venue(markets), private=private)
    feeds.want_everything(markets)
    feeds.start()
    try:
        yield feeds
    finally:
        await feeds.aclose()


def _state_line(ev: FeedState) -> str:
    text = f"mdtui: {ev.venue} {ev.channel} {ev.state}"
    if ev.attempt:
        text += f" (attempt {ev.attempt})"
    if ev.reason:
        text += f": {ev.reason}"
    return text


async def watch(
    settings: Settings,
    markets: Sequence[str],
    *,
    count: int = 0,
    demo: bool = False,
    replay: Path | None = None,
    speed: float = 0.0,
    seed: int = 1,
) -> int:
    """Print events (and fired alerts) until ``count`` were printed (0: until interrupted
    or the replay ends)."""
    done = asyncio.Event()
    wanted = set(markets)
    printed = 0
    out = sys.stdout.buffer
    store = MarketStore()
    alerting = Alerting(
        settings,
        store,
        Account(),
        watchlist=list(markets) or settings.watchlist,
        persist=not demo and replay is None,
    )
    for problem in alerting.problems:
        print(f"mdtui: {problem}", file=sys.stderr, flush=True)
    own_orders = any(r.kind == "order" and not r.muted for r in alerting.rules())
    fired: list[Alert] = []
    alerting.on_fired = fired.extend

    def sink(events: list[AnyEvent]) -> None:
        store.apply(events, wall_ms())
        if any(type(ev) in PRIVATE_KINDS for ev in events):
            alerting.private(events)
        else:
            alerting.public(events)
        try:
            print_events([*events, *fired])
        except BrokenPipeError:  # the reader went away (``| head``): stop, quietly
            done.set()
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        fired.clear()

    def print_events(events: list[AnyEvent | Alert]) -> None:
        nonlocal printed
        for ev in events:
            if done.is_set():
                return
            if isinstance(ev, FeedState):
                if replay is None:  # a replay has no connections to report
                    print(_state_line(ev), file=sys.stderr, flush=True)
                continue
            if isinstance(ev, Heartbeat | Ack | Subscribed):
                continue
            market = getattr(ev, "market", None)
            if (
                replay is not None
                and wanted
                and market is not None
                and type(ev) is not Alert
                and (f"{ev.venue}:{market}" not in wanted)
            ):
                continue
            out.write(event_json(ev) + b"\n")
            printed += 1
            if count and printed >= count:
                done.set()
        out.flush()

    async def check_feeds() -> None:
        while True:
            await asyncio.sleep(TICK_EVERY)
            alerting.tick(wall_ms())
            if fired:
                sink([])

    try:
        if replay is not None:
            feeds = FeedSupervisor(settings, sink, sink)
            task = asyncio.create_task(feeds.replay(replay, speed))
            stop = asyncio.create_task(done.wait())
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not task.done():
                task.cancel()
            else:
                task.result()
            return 0
        with contextlib.ExitStack() as stack:
            if demo:
                url = stack.enter_context(
                    simulator_process(seed, settings.log_file, settings.upbit.region)
                )
                settings = point_at(settings, url, demo_keys=own_orders)
            async with running_feeds(settings, markets, sink, private=own_orders):
                ticker = asyncio.create_task(check_feeds())
                try:
                    await done.wait()
                finally:
                    ticker.cancel()
        return 0
    finally:
        await alerting.wait_commands()


async def record(
    settings: Settings,
    markets: Sequence[str],
    output: Path,
    *,
    duration: float = 60.0,
    demo: bool = False,
    seed: int = 1,
) -> int:
    """Record every raw frame of ``markets`` for ``duration`` seconds into ``output``,
    with the private feeds' frames too where keys are configured (they hold your orders
    and balances, never your keys)."""

    def sink(events: list[AnyEvent]) -> None:
        for ev in events:
            if isinstance(ev, FeedState):
                print(_state_line(ev), file=sys.stderr, flush=True)

    try:
        recorder = Recorder(output)
    except FileExistsError:
        print(f"mdtui: {output} already exists: record to a new file", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mdtui: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        with contextlib.ExitStack() as stack:
            if demo:
                url = stack.enter_context(
                    simulator_process(seed, settings.log_file, settings.upbit.region)
                )
                settings = point_at(settings, url, demo_keys=True)
            async with running_feeds(settings, markets, sink, recorder, private=True):
                await asyncio.sleep(duration)
    finally:
        recorder.close()
    print(f"mdtui: recorded {recorder.count} frames to {output}", file=sys.stderr)
    return 0
