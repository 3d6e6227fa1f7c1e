"""Fixtures for the dashboard tests: a fixed time zone, the real simulator on loopback,
settings pointed at it, and helpers to wait for the app's state."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from mdtui.demo import point_at
from mdtui.settings import Settings, load_settings
from mdtui.sim.server import Simulator
from mdtui.ui.app import MdtuiApp
from mdtui.ui.frozen import wait_quiet, wait_ready

SIZE = (160, 48)


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


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3) as simulator:
        yield simulator


@pytest.fixture
def settings(sim: Simulator, base_settings: Settings) -> Settings:
    return point_at(base_settings, sim.http_url)


async def wait_until(
    pilot, predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition"
) -> float:
    """Pause the pilot until ``predicate()`` is true; return the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.02)
    return time.monotonic() - start


async def settle(pilot, app: MdtuiApp, quiet: float = 0.5) -> None:
    """Wait until the feed is quiet (see :func:`mdtui.ui.frozen.wait_quiet`), then a frame."""
    await wait_quiet(app, quiet)
    await pilot.pause()


async def ready(pilot, app: MdtuiApp, timeout: float = 8.0) -> None:
    """Wait for every watchlist ticker, the selected book and both market lists."""
    await wait_ready(app, timeout)
    await pilot.pause()
