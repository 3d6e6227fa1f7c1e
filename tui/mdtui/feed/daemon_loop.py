"""An event loop whose blocking helpers (DNS lookups) run in daemon threads.

asyncio resolves host names in its default thread pool, and Python waits for pool threads
at exit: offline, a hanging lookup would delay ``q`` by the resolver's timeout. Daemon
threads let the process end at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class DaemonExecutor(ThreadPoolExecutor):
    """Runs each call in its own daemon thread (only used for rare, slow calls such as
    DNS lookups). asyncio insists on a ThreadPoolExecutor; its pool is never used."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        threading.Thread(target=run, name="mdtui-blocking", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: the threads are daemons."""


@contextlib.contextmanager
def daemon_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop using :class:`DaemonExecutor`; closed afterwards."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(DaemonExecutor())
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
