"""The fixtures every test directory shares: a pinned time zone, clean settings, the real
simulator on loopback (one factory, a few named presets) and settings pointed at it.

Helpers that are not fixtures are in :mod:`tests.support`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mdtui.demo import point_at
from mdtui.settings import Settings, load_settings
from mdtui.sim import Limits, Simulator
from tests.support.feeds import Collector
from tests.support.sim_client import FAST, FIXED_MS, PRIVATE_FEED_KORBIT, StartSim


@pytest.fixture(autouse=True)
def seoul_time() -> Iterator[None]:
    """Tape times and the clock are local time: pin the zone so screens are stable."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "KST-9"  # POSIX rule: no tz database needed
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def base_settings(tmp_path, monkeypatch) -> Settings:
    """Defaults only: no user config file, no environment overrides, logs in tmp."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in list(os.environ):
        if name.startswith("MDTUI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings(log_file=tmp_path / "mdtui.log")


# -- the simulator -------------------------------------------------------------------------


@pytest.fixture
async def start_sim() -> AsyncIterator[StartSim]:
    """The one way a test gets a simulator: ``sim = await start_sim(seed=..., ...)`` takes
    :class:`mdtui.sim.Simulator`'s arguments, starts it on a free loopback port and stops
    it after the test. The presets below are built on it."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**options: Any) -> Simulator:
            return await stack.enter_async_context(Simulator(**options))

        yield start


@pytest.fixture
async def live_sim(start_sim: StartSim) -> Simulator:
    """A live market at the normal pace, with the demo trader: what the app's feed and
    dashboard tests talk to."""
    return await start_sim(seed=7)


@pytest.fixture
async def sim(start_sim: StartSim) -> Simulator:
    """A live market stepping every 20 ms (:data:`~tests.support.sim_client.FAST`), the
    connection limit relaxed: for the simulator's own protocol tests, which want many
    frames soon. (Too busy for the app's tests: those take :func:`live_sim`.)"""
    return await start_sim(seed=7, rate=FAST, limits=Limits(upbit_connections_per_second=50))


@pytest.fixture
async def quiet_sim(start_sim: StartSim) -> Simulator:
    """A live market whose demo trader is paused: only the test places and fills orders.
    Korbit lists only its core pairs (:data:`~tests.support.sim_client.PRIVATE_FEED_KORBIT`)."""
    simulator = await start_sim(seed=11, korbit_listings=PRIVATE_FEED_KORBIT)
    simulator.pause_trader()
    return simulator


@pytest.fixture
async def frozen(start_sim: StartSim) -> Simulator:
    """No market clock and a fixed time: fully deterministic."""
    return await start_sim(seed=7, realtime=False, clock=lambda: FIXED_MS)


@pytest.fixture
async def private(start_sim: StartSim) -> Simulator:
    """Frozen (nothing moves unless a test says so, no demo trader), no Upbit rate limits:
    for the private side's protocol tests."""
    limits = Limits(upbit_connections_per_second=None, upbit_messages_per_second=None)
    return await start_sim(seed=7, realtime=False, clock=lambda: FIXED_MS, limits=limits)


# -- settings pointed at it ----------------------------------------------------------------


@pytest.fixture
def settings(live_sim: Simulator, base_settings: Settings) -> Settings:
    """Clean settings with both exchanges at :func:`live_sim`, no API keys."""
    return point_at(base_settings, live_sim.http_url)


@pytest.fixture
def demo_settings(quiet_sim: Simulator, base_settings: Settings) -> Settings:
    """Clean settings with both exchanges at :func:`quiet_sim` and its demo accounts' keys."""
    return point_at(base_settings, quiet_sim.http_url, demo_keys=True)


@pytest.fixture
def collector() -> Collector:
    """A feed sink keeping every event (see :class:`tests.support.feeds.Collector`)."""
    return Collector()
