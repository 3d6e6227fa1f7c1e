"""Running a feed worker in a test and collecting what it delivers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from mdtui.feed.worker import FeedWorker
from mdtui.model.events import AnyEvent

from .waiting import wait_until


class Collector:
    """A feed sink that keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[AnyEvent] = []

    def __call__(self, events: list[AnyEvent]) -> None:
        self.events.extend(events)

    async def wait_for(
        self, predicate: Callable[[AnyEvent], bool], timeout: float = 10.0, start: int = 0
    ) -> AnyEvent:
        """The first event from index ``start`` on that satisfies ``predicate``."""
        seen = start

        def found() -> list[AnyEvent]:
            nonlocal seen
            events = self.events
            for i in range(seen, len(events)):
                if predicate(events[i]):
                    return [events[i]]
            seen = max(seen, len(events))
            return []

        (event,) = await wait_until(found, timeout, "a matching event", every=0.01)
        return event


@contextlib.asynccontextmanager
async def running(worker: FeedWorker) -> AsyncIterator[FeedWorker]:
    """``worker.run()`` as a task for the block; stopped and cancelled after it."""
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
