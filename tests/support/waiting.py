"""The one way a test waits: for a condition, never for a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    what: str | Callable[[], str] = "the condition",
    *,
    pilot: Any = None,
    every: float = 0.02,
) -> T:
    """Poll ``predicate()`` until it is truthy and return that value.

    Fails with an ``AssertionError`` naming ``what`` (a string, or a function called
    then, to describe what was seen instead) once ``timeout`` seconds have passed; the
    predicate is always checked once more before failing, so a starved event loop does
    not fail a condition that holds. With a Textual ``pilot`` each poll is a
    ``pilot.pause`` (the app handles its messages in between); otherwise an
    ``asyncio.sleep``. Timeouts are generous upper bounds: a test waits only as long as
    the condition takes.
    """
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            text = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {text}")
        if pilot is not None:
            await pilot.pause(every)
        else:
            await asyncio.sleep(every)
    return value
