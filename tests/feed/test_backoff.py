"""Reconnect backoff against a black-holed host: a socket that accepts TCP and never answers."""

from __future__ import annotations

import asyncio
import time

import httpx

from mdtui.display.feed_status import DOWN_AFTER_ATTEMPTS, feed_status_of
from mdtui.feed.private_feeds import private_workers
from mdtui.feed.public_feeds import public_workers
from mdtui.feed.rate_limiter import Backoff, RateLimiter
from mdtui.model.events import FeedState
from mdtui.model.market_store import MarketStore
from tests.support.feeds import running


class RecordingBackoff(Backoff):
    """Backoff that remembers each delay it handed out (as upper bounds: no jitter)."""

    def __init__(self, base: float, cap: float) -> None:
        super().__init__(base, cap)
        self.delays: list[float] = []

    def delay(self, attempt: int) -> float:
        d = min(self.cap, self.base * (2 ** min(attempt, 30)))
        self.delays.append(d)
        return d


async def test_black_holed_host_backs_off_to_the_cap_and_shows_down(settings, collector) -> None:
    """Issue: a connect that timed out after 10 s counted as a stable connection (the
    attempt counter reset on elapsed time alone), so a black-holed host was retried every
    0.25-0.5 s forever and never shown as down."""
    accepted: list[asyncio.StreamWriter] = []

    async def swallow(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # accept, then never answer

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cfg = settings.korbit.model_copy(update={"ws_url": f"ws://127.0.0.1:{port}"})
    worker = public_workers(settings.model_copy(update={"korbit": cfg}), collector)["korbit"]
    worker.client = httpx.AsyncClient(timeout=httpx.Timeout(0.3))
    worker.stable_after = 0.2  # shorter than the handshake timeout: the old rule reset here
    worker.backoff = backoff = RecordingBackoff(base=0.05, cap=0.2)
    model = MarketStore()
    try:
        async with running(worker):
            await collector.wait_for(
                lambda ev: type(ev) is FeedState and ev.attempt >= DOWN_AFTER_ATTEMPTS + 1,
                timeout=30,
            )
    finally:
        await worker.client.aclose()
        server.close()
        for writer in accepted:
            writer.close()
    states = [ev for ev in collector.events if type(ev) is FeedState and ev.state == "reconnecting"]
    assert [ev.attempt for ev in states[:6]] == [1, 2, 3, 4, 5, 6]
    assert all("timeout" in ev.reason for ev in states), states[0].reason
    assert backoff.delays[:4] == [0.05, 0.1, 0.2, 0.2]  # grows to the cap, never resets
    assert len(accepted) >= DOWN_AFTER_ATTEMPTS
    model.apply(states[:DOWN_AFTER_ATTEMPTS], int(time.time() * 1000), "public")
    shown = feed_status_of(model.feeds[("korbit", "public")], "korbit", "public", time.time(), 5)
    assert shown.state == "down" and shown.stale


async def test_korbit_seed_is_not_restarted_faster_than_the_backoff(
    quiet_sim, demo_settings, collector
) -> None:
    """Issue: a failure right after a long Korbit seed (one openOrders call per launched
    pair, about 200 on the real exchange) counted as the end of a stable connection, so
    every such failure started another full seed at once. Seeding time does not count now:
    only time live does."""
    worker = private_workers(demo_settings, collector).workers["korbit"]
    worker.protocol.rest.pace = RateLimiter(10, 1.0)  # a seed of 14 pairs takes ~1.5 s
    worker.stable_after = 0.5  # shorter than the seed: the old rule reset here
    worker.backoff = backoff = RecordingBackoff(base=0.05, cap=1.0)
    async with running(worker):
        for _ in range(3):
            mark = len(collector.events)
            await collector.wait_for(
                lambda ev: type(ev) is FeedState and ev.state == "live", start=mark, timeout=30
            )
            await quiet_sim.drop_connections("korbit", channel="private")
            await collector.wait_for(
                lambda ev: type(ev) is FeedState and ev.state == "reconnecting", start=mark
            )
    attempts = [
        ev.attempt
        for ev in collector.events
        if type(ev) is FeedState and ev.state == "reconnecting"
    ]
    assert attempts == [1, 2, 3]
    assert backoff.delays == [0.05, 0.1, 0.2]
