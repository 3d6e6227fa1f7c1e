"""Fixtures for the simulator tests: a fast-ticking live simulator and a frozen one.

The tests speak to the simulator with plain ``websockets`` and ``httpx`` only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mdtui.sim import Limits, Simulator
from tests.sim.sim_helpers import FAST, FIXED_MS


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A live simulator stepping every 20 ms, with the connection limit relaxed."""
    async with Simulator(seed=7, rate=FAST, limits=Limits(upbit_connections_per_second=50)) as s:
        yield s


@pytest.fixture
async def private() -> AsyncIterator[Simulator]:
    """Frozen (nothing moves unless a test says so, no demo trader), no Upbit rate limits."""
    limits = Limits(upbit_connections_per_second=None, upbit_messages_per_second=None)
    async with Simulator(seed=7, realtime=False, clock=lambda: FIXED_MS, limits=limits) as s:
        yield s


@pytest.fixture
async def frozen() -> AsyncIterator[Simulator]:
    """No market clock and a fixed time: fully deterministic."""
    async with Simulator(seed=7, realtime=False, clock=lambda: FIXED_MS) as s:
        yield s
