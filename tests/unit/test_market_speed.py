"""``--market-speed F``: the simulator's market clock F times faster, for ``mdtui simulate``
and ``mdtui --demo``; bad values are one line."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from websockets.asyncio.client import ClientConnection, connect

from mdtui.demo import simulator_process
from tests.support.waiting import wait_until

MARKETS = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA"]


def mdtui(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MDTUI_")}
    return subprocess.run(
        [sys.executable, "-m", "mdtui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("value", ["abc", "0", "-2", "nan", "inf", "1e400", "500", "0.01"])
@pytest.mark.parametrize("command", [["simulate"], ["--demo"]])
def test_a_bad_speed_is_one_clear_line(command: list[str], value: str) -> None:
    result = mdtui(*command, f"--market-speed={value}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"--market-speed: {value!r} is not a speed: give a number from 0.1 to 100 " in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--market-speed", "5"], ["--market-speed", "5", "watch"]])
def test_market_speed_needs_the_demo_or_simulate(args: list[str]) -> None:
    result = mdtui(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "mdtui: --market-speed works with --demo (the dashboard) and with simulate"
    )
    assert len(result.stderr.strip().splitlines()) == 1


async def _count_trades(ws: ClientConnection, counter: list[int]) -> None:
    async for message in ws:
        if json.loads(message).get("stream_type") == "REALTIME":
            counter[0] += 1


async def test_a_faster_clock_sends_proportionally_more_frames() -> None:
    """Two simulators as ``--demo`` starts them (``mdtui simulate --market-speed``), at 1x
    and 5x, each streaming the same markets' trades: over the same window (until the 1x
    one has sent 60 trades) the 5x one sends several times as many."""
    subscribe = json.dumps([{"ticket": "speed"}, {"type": "trade", "codes": MARKETS}])
    counts: dict[float, list[int]] = {1.0: [0], 5.0: [0]}
    with (
        simulator_process(seed=3) as slow_url,
        simulator_process(seed=3, market_speed=5) as fast_url,
    ):
        urls = {1.0: slow_url, 5.0: fast_url}
        async with (
            connect(urls[1.0].replace("http", "ws") + "/websocket/v1") as slow,
            connect(urls[5.0].replace("http", "ws") + "/websocket/v1") as fast,
        ):
            for ws in (slow, fast):
                await ws.send(subscribe)
            tasks = [
                asyncio.create_task(_count_trades(ws, counts[speed]))
                for speed, ws in ((1.0, slow), (5.0, fast))
            ]
            try:
                await wait_until(lambda: counts[1.0][0] and counts[5.0][0], 20, "first trades")
                start = {speed: count[0] for speed, count in counts.items()}
                await wait_until(lambda: counts[1.0][0] - start[1.0] >= 60, 60, "60 slow trades")
                slow_n = counts[1.0][0] - start[1.0]
                fast_n = counts[5.0][0] - start[5.0]
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    # 5x expected; the bounds leave room for chance and a busy machine
    assert 2.5 * slow_n <= fast_n <= 12 * slow_n, (slow_n, fast_n)
