"""Keepalive: pings hold a quiet socket open; a silent peer is detected and replaced."""

from __future__ import annotations

import asyncio
import contextlib

from mdtui.demo import point_at
from mdtui.feed.public_feeds import public_workers
from mdtui.model.events import Book, FeedState
from mdtui.settings import Settings
from mdtui.sim import Limits
from mdtui.venues.subscription import Subscription
from tests.support.feeds import Collector, running
from tests.support.sim_client import StartSim


async def quiet_upbit(
    ping_interval: float | None, start_sim: StartSim, settings: Settings
) -> tuple[Collector, int]:
    """Subscribe, then let the simulator go silent for 2.5 s with a 1 s idle cut."""
    collector = Collector()
    sim = await start_sim(seed=3, limits=Limits(upbit_idle_timeout=1.0))
    settings = point_at(settings, sim.http_url)
    worker = public_workers(settings, collector, venues=["upbit"])["upbit"]
    worker.protocol.ping_interval = ping_interval
    worker.protocol.ping_timeout = 1.0
    worker.subscribe(Subscription.of(["KRW-BTC"], ["KRW-BTC"]))
    async with running(worker):
        await collector.wait_for(lambda ev: type(ev) is Book)
        sim.stall(2.5)
        await asyncio.sleep(2.7)  # the scenario: 2.7 s of a silent server, not a wait
    return collector, worker.stats.connects


async def test_pings_keep_a_quiet_socket_open(start_sim, base_settings) -> None:
    collector, connects = await quiet_upbit(0.3, start_sim, base_settings)
    assert connects == 1
    assert not [
        ev for ev in collector.events if type(ev) is FeedState and ev.state == "reconnecting"
    ]


async def test_without_pings_the_idle_cut_forces_a_reconnect(start_sim, base_settings) -> None:
    """The control for the test above: the simulator really cuts idle sockets."""
    collector, connects = await quiet_upbit(None, start_sim, base_settings)
    drops = [ev for ev in collector.events if type(ev) is FeedState and ev.state == "reconnecting"]
    assert drops and "idle timeout" in drops[0].reason
    assert connects >= 2


class BlackHoleProxy:
    """A TCP relay to the simulator that can stop relaying without closing (a dead link)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent = False
        self.server: asyncio.Server | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if not self.silent:
                    writer.write(data)
                    await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()


async def test_a_dead_link_is_detected_by_a_missing_pong(
    start_sim, base_settings, collector
) -> None:
    sim = await start_sim(seed=4)
    proxy = BlackHoleProxy(sim.port)
    async with proxy as port:
        settings = point_at(base_settings, f"http://127.0.0.1:{port}")
        worker = public_workers(settings, collector, venues=["korbit"])["korbit"]
        worker.protocol.ping_interval = 0.3
        worker.protocol.ping_timeout = 0.5
        worker.backoff.base = 0.05
        worker.subscribe(Subscription.of(["btc_krw"], ["btc_krw"]))
        async with running(worker):
            await collector.wait_for(lambda ev: type(ev) is Book)
            proxy.silent = True
            down = await collector.wait_for(
                lambda ev: type(ev) is FeedState and ev.state == "reconnecting", timeout=5
            )
            assert "connection lost" in down.reason
            proxy.silent = False
            index = collector.events.index(down)
            await collector.wait_for(
                lambda ev: type(ev) is Book and ev.snapshot, start=index, timeout=10
            )
        assert worker.stats.connects >= 2
