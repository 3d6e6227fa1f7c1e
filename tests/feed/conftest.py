"""Fixtures: the real simulator on loopback and a collector for feed events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import pytest

from mdtui.demo import point_at
from mdtui.model.events import AnyEvent
from mdtui.settings import Settings, load_settings
from mdtui.sim.server import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=7) as simulator:
        yield simulator


@pytest.fixture
def settings(sim: Simulator, tmp_path) -> Settings:
    return point_at(load_settings(log_file=tmp_path / "mdtui.log"), sim.http_url)


class Collector:
    """A feed sink that keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[AnyEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, events: list[AnyEvent]) -> None:
        self.events.extend(events)
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[AnyEvent], bool], timeout: float = 10.0, start: int = 0
    ) -> AnyEvent:
        """The first event from index ``start`` on that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for ev in self.events[seen:]:
                if predicate(ev):
                    return ev
            seen = max(seen, len(self.events))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event within {timeout} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


@pytest.fixture
def collector() -> Collector:
    return Collector()
