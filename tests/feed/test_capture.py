"""Record a live session from the simulator, replay it, get the same events."""

from __future__ import annotations

import asyncio
import json

import pytest

from mdtui.feed.public_feeds import decoder_for, public_workers
from mdtui.feed.recorder import CaptureError, Recorder, read_capture
from mdtui.feed.replay import replay
from mdtui.feed.worker import Subscription
from mdtui.model.events import FeedState, Subscribed
from tests.support.feeds import Collector
from tests.support.waiting import wait_until


async def test_capture_replays_to_the_same_events(settings, collector, tmp_path) -> None:
    path = tmp_path / "capture.jsonl"
    recorder = Recorder(path)
    workers = public_workers(settings, collector, recorder)
    workers["upbit"].subscribe(Subscription.of(["KRW-BTC", "KRW-ETH"], ["KRW-BTC"], ["KRW-BTC"]))
    workers["korbit"].subscribe(Subscription.of(["btc_krw"], ["btc_krw"], ["btc_krw"]))
    tasks = [asyncio.create_task(w.run()) for w in workers.values()]

    def recorded_enough() -> bool:
        data = [ev for ev in collector.events if type(ev) not in (FeedState, Subscribed)]
        return len(data) > 40 and {ev.venue for ev in data} == {"upbit", "korbit"}

    await wait_until(recorded_enough, 15.0, "a capture with both exchanges' data")
    for w in workers.values():
        w.stop()
    await asyncio.gather(*tasks)
    recorder.close()

    records = list(read_capture(path))
    assert {r.venue for r in records} == {"upbit", "korbit"}
    assert all(r.channel == "public" for r in records)
    assert all(isinstance(r.t, int) and r.t > 1_600_000_000_000 for r in records)
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) == {"t", "venue", "channel", "frame"}

    live = [ev for ev in collector.events if type(ev) not in (FeedState, Subscribed)]
    replayed = Collector()
    count = await replay(path, decoder_for, replayed, speed=0)
    assert count == len(records)
    again = [ev for ev in replayed.events if type(ev) is not FeedState]
    assert len(live) > 20
    assert again == live
    assert replayed.events[-1].state == "stopped"


async def test_replay_keeps_the_recorded_pace(tmp_path) -> None:
    path = tmp_path / "paced.jsonl"
    frame = '{"status":"UP"}'
    lines = [
        json.dumps(
            {
                "t": 1_700_000_000_000 + i * 200,
                "venue": "upbit",
                "channel": "public",
                "frame": frame,
            }
        )
        for i in range(4)
    ]
    path.write_text("\n".join(lines) + "\n")
    loop = asyncio.get_running_loop()
    start = loop.time()
    await replay(path, decoder_for, Collector(), speed=2.0)
    elapsed = loop.time() - start
    assert 0.25 <= elapsed < 1.0, "600 ms of capture at 2x should take about 300 ms"


def test_a_clock_stepped_back_is_recorded_as_no_time_passing(tmp_path) -> None:
    """What ``record`` writes, ``replay`` reads: a capture's times never go back."""
    path = tmp_path / "capture.jsonl"
    recorder = Recorder(path)
    for t in (1_700_000_000_500, 1_700_000_000_100, 1_700_000_000_600):
        recorder("upbit", "public", b'{"status":"UP"}', t)
    recorder.close()
    assert [r.t for r in read_capture(path)] == [1_700_000_000_500] * 2 + [1_700_000_000_600]


async def test_a_bad_line_stops_the_replay_after_every_frame_before_it(tmp_path) -> None:
    path = tmp_path / "capture.jsonl"
    good = json.dumps({"t": 1, "venue": "upbit", "channel": "public", "frame": "{}"})
    path.write_text(f"{good}\n{good}\n" + good[:20])
    seen = Collector()
    with pytest.raises(CaptureError, match=r"capture.jsonl:3: the line is cut off"):
        await replay(path, decoder_for, seen, speed=0)
    states = [ev for ev in seen.events if type(ev) is FeedState]
    assert [s.state for s in states] == ["live", "stopped"]
    assert "bad line" in states[-1].reason
