"""The simulator: one loopback port serving both exchanges' websockets and REST.

Paths do not overlap: Upbit ``/websocket/v1`` and ``/v1/...``, Korbit ``/v2/public`` and
``/v2/...``. A websocket upgrade to a known websocket path is accepted; every other request
is answered as plain HTTP from ``process_request``.

One shared market clock steps every market that some socket watches and fans the changes
out, so all clients see the same market. With nothing subscribed the clock sleeps.

The private side (``/websocket/v1/private``, ``/v2/private``, private REST, a demo
account) plugs in as more services: anything with ``venue``, ``path``, ``admit()``,
``handle(ws)``, ``watched_codes()`` and ``publish(updates, now)`` can be added to
``Simulator.services``, and REST handlers to ``Simulator.http``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import Literal, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from mdtui.sim.korbit_public import KorbitPublic
from mdtui.sim.korbit_rest import KorbitRest
from mdtui.sim.limits import Limits
from mdtui.sim.listings import KORBIT_LISTINGS, UPBIT_LISTINGS
from mdtui.sim.market import Rate, Update, VenueMarkets
from mdtui.sim.rest import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.session import Sessions, SimConnection, VenueStats
from mdtui.sim.ticks import KORBIT_KRW, UPBIT_KRW
from mdtui.sim.upbit_public import UpbitPublic
from mdtui.sim.upbit_rest import UpbitRest
from mdtui.sim.upbit_rest import not_found as upbit_not_found

Venue = Literal["upbit", "korbit"]
VENUES: tuple[Venue, ...] = ("upbit", "korbit")

log = logging.getLogger("mdtui.sim")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class WsService(Protocol):
    venue: str
    path: str
    markets: VenueMarkets

    def admit(self) -> bool: ...
    async def handle(self, ws: ServerConnection) -> None: ...
    def watched_codes(self) -> list[str]: ...
    def publish(self, updates: list[Update], now: int) -> None: ...


class Simulator:
    """Upbit and Korbit on one loopback port. Use ``async with Simulator() as sim``.

    ``realtime=False`` gives a frozen market (no clock task): with a fixed ``clock`` every
    snapshot and REST reply is deterministic for a seed; ``advance()`` steps it by hand.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        *,
        realtime: bool = True,
        clock: Callable[[], int] | None = None,
        rate: Rate | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.realtime = realtime
        self.clock = clock or wall_clock_ms
        self.base_rate = rate or Rate()
        self.rate = self.base_rate
        self.limits = limits or Limits()
        now = self.clock()
        self.upbit_markets = VenueMarkets("upbit", UPBIT_LISTINGS, UPBIT_KRW, seed, now)
        self.korbit_markets = VenueMarkets("korbit", KORBIT_LISTINGS, KORBIT_KRW, seed, now)
        self.sessions = Sessions(VENUES)
        self._wake = asyncio.Event()
        self.upbit = UpbitPublic(
            self.upbit_markets, self.sessions, self.limits, self.clock, self._wake.set
        )
        self.korbit = KorbitPublic(
            self.korbit_markets, self.sessions, self.limits, self.clock, self._wake.set
        )
        self.services: list[WsService] = [self.upbit, self.korbit]
        self.http = HttpRoutes(upbit_not_found)
        UpbitRest(self.upbit_markets, self._refresher(self.upbit)).register(self.http)
        KorbitRest(self.korbit_markets, self.clock, self._refresher(self.korbit)).register(
            self.http
        )
        self._server: Server | None = None
        self._clock_task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            create_connection=SimConnection,
            ping_interval=None,  # keepalive is per venue (see Limits)
            close_timeout=2,
            max_size=2**20,
            logger=log,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if self.realtime:
            self._clock_task = asyncio.create_task(self._run_clock(), name="sim-clock")

    async def stop(self) -> None:
        if self._clock_task is not None:
            self._clock_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock_task
            self._clock_task = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def http_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return "ws" + self.http_url[4:]

    @property
    def upbit_ws_url(self) -> str:
        return self.ws_url + self.upbit.path

    @property
    def korbit_ws_url(self) -> str:
        return self.ws_url + self.korbit.path

    # -- faults and introspection ----------------------------------------------------------

    def stats(self, venue: Venue) -> VenueStats:
        """Connections accepted so far and the requests received, for ``venue``."""
        return self.sessions.stats[venue]

    def open_connections(self, venue: Venue | None = None) -> int:
        return sum(1 for _ in self.sessions.of(venue))

    async def drop_connections(
        self, venue: Venue | None = None, *, code: int = 1012, abrupt: bool = False
    ) -> int:
        """Close every matching client socket from the server side (close code 1012,
        "service restart"), or cut the TCP connection with ``abrupt``. Returns how many."""
        sessions = list(self.sessions.of(venue))
        await asyncio.gather(
            *(s.close(code, "simulator dropped the connection", abrupt=abrupt) for s in sessions)
        )
        return len(sessions)

    async def send_raw(self, venue: Venue, data: str | bytes) -> int:
        """Send ``data`` as is to every public socket of ``venue``: a binary frame on
        Upbit, a text frame on Korbit (bytes are sent unvalidated). Returns how many."""
        sessions = list(self.sessions.of(venue, "public"))
        for session in sessions:
            session.send_raw(data, text=venue == "korbit")
        await asyncio.sleep(0)
        return len(sessions)

    def stall(self, seconds: float) -> None:
        """Send no data frames for ``seconds`` (0 resumes). Markets keep moving; replies to
        requests are dropped too; protocol pings are still answered."""
        self.sessions.faults.stalled_until = time.monotonic() + seconds

    def flood(self, factor: float = 10.0) -> None:
        """Run the market clock ``factor`` times faster (books and trades alike, past the
        documented cadence); ``flood(1)`` restores the normal rate."""
        self.rate = self.base_rate.faster(factor)

    def advance(self, steps: int = 1) -> None:
        """Step every market by hand (deterministic for a seed) and publish the changes;
        meant for ``realtime=False``."""
        for _ in range(steps):
            now = self.clock()
            for service in self.services:
                markets = service.markets
                updates = [
                    update
                    for market in markets
                    if (update := markets.step(market.code, now, self.rate)) is not None
                ]
                if updates:
                    service.publish(updates, now)

    # -- internals -------------------------------------------------------------------------

    def _refresher(self, service: WsService) -> Callable[[str], None]:
        """REST reads of a market no socket watches first run the steps it missed."""

        def refresh(code: str) -> None:
            if self.realtime and code not in service.watched_codes():
                service.markets.catch_up(code, self.clock(), self.rate, time.monotonic())

        return refresh

    def _service(self, path: str) -> WsService | None:
        for service in self.services:
            if service.path == path:
                return service
        return None

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        http_request = HttpRequest.from_websockets(request)
        service = self._service(http_request.path)
        if service is not None and "websocket" in request.headers.get("Upgrade", "").lower():
            if not service.admit():
                body = b'{"error":{"name":"too_many_requests","message":"Too many requests"}}'
                return HttpReply(429, body).to_websockets()
            # Korbit negotiates no permessage-deflate (korbit.md §2); Upbit does.
            if service.venue == "korbit" and "Sec-WebSocket-Extensions" in request.headers:
                del request.headers["Sec-WebSocket-Extensions"]
            return None
        try:
            return self.http.dispatch(http_request).to_websockets()
        except Exception:
            log.exception("REST handler failed: %s", request.path)
            return HttpReply(500, b'{"error":"internal"}').to_websockets()

    async def _handle(self, ws: ServerConnection) -> None:
        service = self._service(HttpRequest.from_websockets(ws.request).path)  # type: ignore[arg-type]
        if service is not None:
            await service.handle(ws)

    async def _run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not any(service.watched_codes() for service in self.services):
                self._wake.clear()
                await self._wake.wait()
            await asyncio.sleep(self.rate.step_seconds)
            self._tick(loop.time())

    def _tick(self, mono: float) -> None:
        now = self.clock()
        rate = self.rate
        for service in self.services:
            markets = service.markets
            updates = []
            for code in service.watched_codes():
                update = markets.step(code, now, rate, mono)
                if update is not None:
                    updates.append(update)
            if updates:
                service.publish(updates, now)


def main(host: str = "127.0.0.1", port: int = 0, seed: int = 1) -> int:
    """Run the simulator until Ctrl-C or SIGTERM. Once bound, prints exactly one line,
    ``mdtui simulator listening on http://HOST:PORT``, to stdout (flushed)."""

    async def run() -> None:
        async with Simulator(host, port, seed) as sim:
            print(f"mdtui simulator listening on {sim.http_url}", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(signum, stop.set)
            await stop.wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        print(f"mdtui simulator: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    return 0
