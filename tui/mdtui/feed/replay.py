"""Replay a capture file through the same codecs as live data, paced by its timestamps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from mdtui.feed.recorder import CaptureError, read_capture
from mdtui.feed.worker import Sink
from mdtui.model.events import AnyEvent, FeedState

Decoder = Callable[[str | bytes], list[AnyEvent]]


async def replay(
    path: Path,
    decoder_for: Callable[[str, str], Decoder | None],
    sink: Sink,
    speed: float = 1.0,
) -> int:
    """Feed every record of ``path`` to ``sink``; return the number of frames replayed.

    ``speed`` 1 keeps the recorded pace, 2 plays twice as fast, 0 plays without pauses.
    Each (venue, channel) is reported ``live`` at its first frame and ``stopped`` at the
    end, so the screen says the data is a replay that has ended rather than live. A bad
    line ends the replay there: the feeds are reported ``stopped`` and the CaptureError
    is raised, after every frame before it.
    """
    started = time.monotonic()
    first_t: int | None = None
    seen: set[tuple[str, str]] = set()
    count = 0
    try:
        for rec in read_capture(path):
            if first_t is None:
                first_t = rec.t
            if speed > 0:
                due = started + (rec.t - first_t) / 1000 / speed
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            elif count % 200 == 0:
                await asyncio.sleep(0)
            feed = (rec.venue, rec.channel)
            if feed not in seen:
                seen.add(feed)
                sink([FeedState(rec.venue, rec.channel, "live", 0, "replay", rec.t)])
            decode = decoder_for(rec.venue, rec.channel)
            if decode is None:
                continue
            events = decode(rec.frame)
            count += 1
            if events:
                sink(events)
    except CaptureError:
        _stopped(sink, seen, "replay stopped at a bad line of the capture")
        raise
    _stopped(sink, seen, "end of replay")
    return count


def _stopped(sink: Sink, feeds: set[tuple[str, str]], reason: str) -> None:
    now = int(time.time() * 1000)
    sink([FeedState(v, c, "stopped", 0, reason, now) for v, c in sorted(feeds)])
