"""CPU budgets in tests: time spent by this thread, which a busy machine does not inflate."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector paused.

    A test process holds far more objects than the app does (every earlier test's), and one
    full collection of them can cost over 100 ms of CPU at any allocation: inside a budget
    measured in CPU time, that would fail a test for the process, not for the code under
    test. (The app's own pauses are measured, collector on, by ``bench/fuzz_stall.py``.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
