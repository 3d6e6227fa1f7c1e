"""The simulator: one loopback port serving both exchanges' websockets and REST.

Paths do not overlap: Upbit ``/websocket/v1`` and ``/v1/...``, Korbit ``/v2/public`` and
``/v2/...``. A websocket upgrade to a known websocket path is accepted; every other request
is answered as plain HTTP from ``process_request``.

One shared market clock steps every market that some socket watches, or where the demo
account has a resting order, and fans the changes out, so all clients see the same market.
With nothing to step the clock sleeps.

The private side: ``/websocket/v1/private`` and ``/v2/private`` (``upbit.private_socket``,
``korbit.private_socket``), the private REST reads (``upbit.exchange_rest``,
``korbit.private_rest``), a demo account per venue (``engine.order_desk``,
``engine.demo_account``; keys in ``engine.demo_keys``) and the demo trader
(``engine.demo_trader``). The test hooks are ``place_order`` (any listed market, watched
or not; a default price rests two ticks off the touch), ``fill_order`` (works on markets no
socket watches), ``cancel_order``, ``set_clock_skew`` and ``pause_trader``; ``refuse_rest``
fails the next REST calls to a path; ``stall_market`` silences one market and ``delist``
takes one off the market lists.

Private REST limits (``Limits.upbit_rest_default_per_second``,
``Limits.korbit_rest_private_per_second``) and Korbit's history delay
(``korbit_history_delay_ms``: ``allOrders``/``myTrades`` answer as of that long ago; 0 by
default, ``DEMO_KORBIT_HISTORY_DELAY_MS`` in ``main``) are set per simulator.

Every websocket path is a ``net.ws_services.WsService``: ``venue``, ``path``, ``admit()``,
``authenticate(connection, request)``, ``handle(ws)``, ``watched_codes()`` and
``publish(updates, now)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from mdtui.sim.engine import demo_keys
from mdtui.sim.engine.demo_account import DemoAccount, DemoOrder
from mdtui.sim.engine.demo_trader import DEMO_OPENING_ORDERS, DemoTrader, TraderConfig
from mdtui.sim.engine.listings import REGION_FIAT, Listing, Region
from mdtui.sim.engine.listings import korbit_listings as _korbit_listings
from mdtui.sim.engine.listings import upbit_listings as _upbit_listings
from mdtui.sim.engine.market_generator import Rate, Update, VenueMarkets
from mdtui.sim.engine.order_desk import OrderDesk, OrderError
from mdtui.sim.engine.ticks import step_down, step_up
from mdtui.sim.korbit.private_rest import KorbitPrivateRest
from mdtui.sim.korbit.private_socket import KorbitPrivateService
from mdtui.sim.korbit.public_rest import KorbitPublicRest
from mdtui.sim.korbit.public_socket import KorbitPublicService
from mdtui.sim.korbit.signature_check import AuthStatuses
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.net.rate_limits import Limits
from mdtui.sim.net.ws_services import WsService
from mdtui.sim.net.ws_sessions import SimConnection, VenueStats, WsSessions
from mdtui.sim.upbit.exchange_rest import UpbitExchangeRest
from mdtui.sim.upbit.jwt_check import NonceLog
from mdtui.sim.upbit.private_socket import UpbitPrivatePolicy, UpbitPrivateService
from mdtui.sim.upbit.public_socket import UpbitPublicService
from mdtui.sim.upbit.quotation_rest import UpbitQuotationRest
from mdtui.sim.upbit.quotation_rest import not_found as upbit_not_found

Venue = Literal["upbit", "korbit"]
VENUES: tuple[Venue, ...] = ("upbit", "korbit")

log = logging.getLogger("mdtui.sim")

DEFAULT_TRADER = TraderConfig()
"""A few actions per minute per venue (see ``engine.demo_trader``)."""
DEMO_TRADER = TraderConfig(opening_orders=DEMO_OPENING_ORDERS)
"""``main``'s trader: the default one, opening with resting BTC- and USDT-market orders."""
DEMO_KORBIT_HISTORY_DELAY_MS = 2000
"""Korbit's ``allOrders``/``myTrades`` lag in ``main`` (the docs: "a delay of a few seconds")."""


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Simulator:
    """Upbit and Korbit on one loopback port. Use ``async with Simulator() as sim``.

    ``realtime=False`` gives a frozen market (no clock task, no demo trader): with a fixed
    ``clock`` every snapshot and REST reply is deterministic for a seed; ``advance()``
    steps it by hand. ``trader=None`` turns the demo trader off; ``upbit_policy`` and
    ``korbit_statuses`` set the private behaviour the docs leave open;
    ``korbit_history_delay_ms`` makes Korbit's ``allOrders`` and ``myTrades`` answer as of
    that many ms ago (``/v2/orders`` stays current).

    ``upbit_region`` picks Upbit's listing: ``kr`` (KRW, BTC and USDT markets) or an Upbit
    Global region, ``sg``, ``id`` or ``th`` (SGD, IDR or THB markets, with smaller BTC and
    USDT ones; the demo account then holds that fiat, and the trader's KRW markets become
    the fiat's). ``upbit_listings`` / ``korbit_listings`` replace a venue's listing
    outright (tests and benchmarks). Listings are the same for the same seed.
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
        trader: TraderConfig | None = DEFAULT_TRADER,
        upbit_policy: UpbitPrivatePolicy | None = None,
        korbit_statuses: AuthStatuses | None = None,
        korbit_history_delay_ms: int = 0,
        upbit_region: Region = "kr",
        upbit_listings: tuple[Listing, ...] | None = None,
        korbit_listings: tuple[Listing, ...] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.realtime = realtime
        self.clock = clock or wall_clock_ms
        self.base_rate = rate or Rate()
        self.rate = self.base_rate
        self.limits = limits or Limits()
        self.upbit_region = upbit_region
        now = self.clock()
        # a frozen market builds every market as of its start; a live one as of when read
        built_at = self.clock if realtime else now
        self.upbit_markets = VenueMarkets(
            "upbit", upbit_listings or _upbit_listings(upbit_region, seed), seed, built_at
        )
        self.korbit_markets = VenueMarkets(
            "korbit", korbit_listings or _korbit_listings(seed), seed, built_at
        )
        self.sessions = WsSessions(VENUES)
        self._wake = asyncio.Event()
        self.upbit = UpbitPublicService(
            self.upbit_markets, self.sessions, self.limits, self.clock, self._wake.set
        )
        self.clock_skew_ms = 0
        self.korbit = KorbitPublicService(
            self.korbit_markets, self.sessions, self.limits, self.korbit_clock, self._wake.set
        )
        self.markets: dict[str, VenueMarkets] = {
            "upbit": self.upbit_markets,
            "korbit": self.korbit_markets,
        }
        upbit_balances = demo_keys.UPBIT_GLOBAL_BALANCES.get(upbit_region, demo_keys.UPBIT_BALANCES)
        accounts = {
            "upbit": DemoAccount(upbit_balances, REGION_FIAT[upbit_region]),
            "korbit": DemoAccount(demo_keys.KORBIT_BALANCES),
        }
        self.desks: dict[str, OrderDesk] = {
            venue: OrderDesk(venue, self.markets[venue], account, self.clock, seed, self._wake.set)
            for venue, account in accounts.items()
        }
        statuses = korbit_statuses or AuthStatuses()
        policy = upbit_policy or UpbitPrivatePolicy()
        self.upbit_private = UpbitPrivateService(
            self.upbit_markets, self.desks["upbit"], self.sessions, self.limits, self.clock,
            seed, policy,
        )  # fmt: skip
        self.korbit_private = KorbitPrivateService(
            self.korbit_markets, self.desks["korbit"], self.sessions, self.limits, self.clock,
            self.server_time, statuses,
        )  # fmt: skip
        self.services: list[WsService] = [
            self.upbit,
            self.korbit,
            self.upbit_private,
            self.korbit_private,
        ]
        self.http = HttpRoutes(upbit_not_found)
        UpbitQuotationRest(
            self.upbit_markets, self._refresher("upbit"), upbit_region, self.clock, self.limits
        ).register(self.http)
        KorbitPublicRest(self.korbit_markets, self.server_time, self._refresher("korbit")).register(
            self.http
        )
        UpbitExchangeRest(
            self.desks["upbit"], NonceLog(), self.clock, policy, self.limits
        ).register(self.http)
        KorbitPrivateRest(
            self.desks["korbit"], self.server_time, statuses, self.limits, korbit_history_delay_ms
        ).register(self.http)
        config = trader or DEFAULT_TRADER
        if upbit_region != "kr":
            config = config.in_home_quote(REGION_FIAT[upbit_region])
        self.trader = DemoTrader(self.desks, config, seed, self._trader_fill)
        self._trader_on = trader is not None
        self._server: Server | None = None
        self._clock_task: asyncio.Task[None] | None = None
        self._refusals: dict[str, tuple[int, int]] = {}

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
            if self._trader_on:
                self.trader.start()

    async def stop(self) -> None:
        await self.trader.stop()
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

    @property
    def upbit_private_ws_url(self) -> str:
        return self.ws_url + self.upbit_private.path

    @property
    def korbit_private_ws_url(self) -> str:
        return self.ws_url + self.korbit_private.path

    def server_time(self) -> int:
        """Korbit's server time: the clock plus ``set_clock_skew`` (``/v2/time`` and the
        signature time window use it)."""
        return self.clock() + self.clock_skew_ms

    def korbit_clock(self) -> int:
        """Korbit's market clock, ``set_clock_skew`` off: its public frames' times and its
        replies' ``Date``. (The same as ``server_time``, except in a frozen simulator,
        where only the signature window follows the wall clock.)"""
        return self.clock() + self.clock_skew_ms

    def _now(self, venue: str) -> int:
        """The market clock of ``venue`` (Korbit's runs ``set_clock_skew`` off)."""
        return self.korbit_clock() if venue == "korbit" else self.clock()

    # -- the demo accounts (test hooks) ----------------------------------------------------

    def account(self, venue: Venue) -> DemoAccount:
        """The demo account of ``venue`` (holdings by upper-case currency, orders by id)."""
        return self.desks[venue].account

    def place_order(
        self,
        venue: Venue,
        market: str,
        side: Literal["buy", "sell"],
        price: Decimal | str | int | None,
        qty: Decimal | str | int,
        *,
        client_order_id: str | None = None,
    ) -> str | int:
        """Rest a demo-account limit order on ``market`` (venue code: ``KRW-BTC`` or
        ``btc_krw``; any listed market, whether a socket watches it or not) and push it to
        subscribed private sockets. ``price=None`` rests it two ticks below the best bid (a
        buy) or above the best ask (a sell). ``client_order_id`` sets Upbit's
        ``identifier`` / Korbit's ``clientOrderId`` (unique per account). Returns the
        venue's order id: a uuid string on Upbit, an int on Korbit. Raises ``OrderError``
        (a ``ValueError``) for an unknown market, an off-tick price, a price that would
        cross the spread, missing funds or a reused client order id."""
        desk = self.desks[venue]
        if market not in desk.markets:
            raise OrderError(f"unknown market {market}")
        if price is None:
            price = self._resting_price(venue, market, side)
        order = desk.place(
            market, side, Decimal(str(price)), Decimal(str(qty)), client_id=client_order_id
        )
        self._book_changed(venue, order)
        return order.number if venue == "korbit" else order.id

    def _resting_price(self, venue: Venue, market: str, side: Literal["buy", "sell"]) -> Decimal:
        """Two ticks off the touch on ``side``'s own side of the book."""
        book = self.markets[venue][market]
        if not book.active or not book.bids or not book.asks:
            raise OrderError(f"{market} has no book to rest an order on")
        if side == "buy":
            return step_down(book.ladder, step_down(book.ladder, book.bids[0].price))
        return step_up(book.ladder, step_up(book.ladder, book.asks[0].price))

    def fill_order(
        self, venue: Venue, order_id: str | int, qty: Decimal | str | int | None = None
    ) -> None:
        """Fill ``qty`` (default: all that remains) of an open order now: a public trade at
        its price, then the private events and the balance changes."""
        size = None if qty is None else Decimal(str(qty))
        trade = self.desks[venue].force_fill(order_id, size)
        order = self.desks[venue].order(order_id)
        now = self._now(venue)
        market = self.markets[venue][order.code]
        market.book_dirty = False
        self._publish_public(venue, [Update(market, [trade], True)], now)

    def _trader_fill(self, venue: str, order_id: str, qty: Decimal) -> None:
        """The demo trader's partial fills go out like ``fill_order``'s."""
        self.fill_order("upbit" if venue == "upbit" else "korbit", order_id, qty)

    def cancel_order(self, venue: Venue, order_id: str | int) -> None:
        """Cancel an open order of the demo account."""
        order = self.desks[venue].cancel(order_id)
        self._book_changed(venue, order)

    def set_clock_skew(self, ms: int) -> None:
        """Move Korbit's clock ``ms`` ahead of the market clock (negative: behind): its
        server time, its replies' ``Date`` and the times in its public frames."""
        self.clock_skew_ms = ms

    def pause_trader(self, paused: bool = True) -> None:
        """Stop (or resume) the demo trader; hooks and resting orders keep working."""
        self.trader.paused = paused

    def _book_changed(self, venue: Venue, order: DemoOrder) -> None:
        market = self.markets[venue][order.code]
        market.book_dirty = False
        market.book_timestamp = self._now(venue)
        self._publish_public(venue, [Update(market, [], True)], market.book_timestamp)

    # -- faults and introspection ----------------------------------------------------------

    def stats(self, venue: Venue) -> VenueStats:
        """Connections accepted so far and the requests received, for ``venue``."""
        return self.sessions.stats[venue]

    def open_connections(self, venue: Venue | None = None) -> int:
        return sum(1 for _ in self.sessions.of(venue))

    async def drop_connections(
        self,
        venue: Venue | None = None,
        *,
        code: int = 1012,
        abrupt: bool = False,
        channel: Literal["public", "private"] | None = None,
    ) -> int:
        """Close every matching client socket (``channel`` narrows it to public or private
        ones) from the server side (close code 1012, "service restart"), or cut the TCP
        connection with ``abrupt``. Returns how many."""
        sessions = list(self.sessions.of(venue, channel))
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

    def refuse_rest(self, path: str, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` REST requests to ``path`` with HTTP ``status`` and an
        empty JSON object (an exchange having a bad moment)."""
        self._refusals[path] = (count, status)

    def stall(self, seconds: float) -> None:
        """Send no data frames for ``seconds`` (0 resumes). Markets keep moving; replies to
        requests are dropped too; protocol pings are still answered."""
        self.sessions.faults.stalled_until = time.monotonic() + seconds

    def stall_market(self, venue: Venue, code: str, seconds: float) -> None:
        """Send nothing for ``code`` for ``seconds`` (0 resumes): no snapshots, no realtime
        frames, while the sockets stay up and every other market flows. From a client's
        side the exchange simply goes quiet for that market; it keeps moving meanwhile."""
        self.sessions.faults.market_stalls[(venue, code)] = time.monotonic() + seconds

    def delist(self, venue: Venue, code: str) -> None:
        """Delist ``code`` for good: Korbit lists it ``stopped`` (a subscription gets one
        snapshot with empty sides, then nothing); Upbit leaves it out of ``/v1/market/all``
        and its sockets refuse it like any unknown code. Demo orders resting there stay."""
        self.markets[venue].delist(code)

    def flood(self, factor: float = 10.0) -> None:
        """Run the market clock ``factor`` times faster (books and trades alike, past the
        documented cadence); ``flood(1)`` restores the normal rate."""
        self.rate = self.base_rate.faster(factor)

    def advance(self, steps: int = 1) -> None:
        """Step every market read so far by hand (deterministic for a seed and the same
        reads) and publish the changes; meant for ``realtime=False``. A market first read
        later starts where the simulator started."""
        for _ in range(steps):
            for venue in VENUES:
                now = self._now(venue)
                markets = self.markets[venue]
                updates = [
                    update
                    for market in markets.built()
                    if (update := markets.step(market.code, now, self.rate)) is not None
                ]
                self._publish(venue, updates, now)

    # -- internals -------------------------------------------------------------------------

    def _refresher(self, venue: Venue) -> Callable[[str], None]:
        """REST reads of a market nothing watches first run the steps it missed."""

        def refresh(code: str) -> None:
            if self.realtime and code not in self._watched(venue):
                self.markets[venue].catch_up(code, self.clock(), self.rate, time.monotonic())

        return refresh

    def _services_of(self, venue: str) -> list[WsService]:
        return [service for service in self.services if service.venue == venue]

    def _watched(self, venue: str) -> list[str]:
        """Markets to step: watched by some socket, or holding a demo-account order."""
        codes: dict[str, None] = {}
        for service in self._services_of(venue):
            codes.update(dict.fromkeys(service.watched_codes()))
        codes.update(dict.fromkeys(self.desks[venue].resting_codes()))
        return list(codes)

    def _publish(self, venue: str, updates: list[Update], now: int) -> None:
        """Public frames first (every step: paced streams may be due without an update),
        then the demo account's fills in those steps."""
        self._publish_public(venue, updates, now)
        desk = self.desks[venue]
        for update in updates:
            if update.market.own_fills:
                desk.settle(update.market)

    def _publish_public(self, venue: str, updates: list[Update], now: int) -> None:
        for service in self._services_of(venue):
            service.publish(updates, now)

    def _service(self, path: str) -> WsService | None:
        for service in self.services:
            if service.path == path:
                return service
        return None

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        peer = connection.remote_address
        http_request = HttpRequest.from_websockets(request, str(peer[0]) if peer else "")
        service = self._service(http_request.path)
        if service is not None and "websocket" in request.headers.get("Upgrade", "").lower():
            if not service.admit():
                body = b'{"error":{"name":"too_many_requests","message":"Too many requests"}}'
                return HttpReply(429, body).to_websockets()
            # serve() builds every connection as a SimConnection (create_connection)
            assert isinstance(connection, SimConnection)
            refused = service.authenticate(connection, http_request)
            if refused is not None:
                return refused.to_websockets()
            # Korbit's server never negotiates permessage-deflate, even when the client
            # offers it; Upbit's does (docs/protocols.md, 'Korbit: public websocket' and
            # 'Upbit: endpoints and hosts').
            if service.venue == "korbit" and "Sec-WebSocket-Extensions" in request.headers:
                del request.headers["Sec-WebSocket-Extensions"]
            return None
        try:
            # Date is the answering exchange's clock: Korbit's runs ``set_clock_skew`` off.
            korbit = http_request.path.startswith("/v2/")
            now = self.korbit_clock() if korbit else self.clock()
            count, status = self._refusals.get(http_request.path, (0, 0))
            if count > 0:
                self._refusals[http_request.path] = (count - 1, status)
                return HttpReply(status, b"{}").to_websockets(now)
            return self.http.dispatch(http_request).to_websockets(now)
        except Exception:
            log.exception("REST handler failed: %s", request.path)
            return HttpReply(500, b'{"error":"internal"}').to_websockets()

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None  # set once the handshake is done
        service = self._service(HttpRequest.from_websockets(ws.request).path)
        if service is not None:
            await service.handle(ws)

    async def _run_clock(self) -> None:
        """Step every ``rate.step_seconds`` on a schedule (the time a step takes does not
        slow the clock down); a clock that fell behind (a busy machine) resumes from now
        instead of rushing through the steps it missed."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            if not any(self._watched(venue) for venue in VENUES):
                self._wake.clear()
                await self._wake.wait()
                due = loop.time()
            step = self.rate.step_seconds
            due += step
            await asyncio.sleep(max(0.0, due - loop.time()))
            now = loop.time()
            if now - due > step:
                due = now
            self._tick(now)

    def _tick(self, mono: float) -> None:
        rate = self.rate
        for venue in VENUES:
            now = self._now(venue)
            markets = self.markets[venue]
            updates = []
            for code in self._watched(venue):
                update = markets.step(code, now, rate, mono)
                if update is not None:
                    updates.append(update)
            self._publish(venue, updates, now)


def main(
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 1,
    upbit_region: Region = "kr",
    market_speed: float = 1.0,
) -> int:
    """Run the simulator (demo trader on, with its opening orders) until Ctrl-C or SIGTERM.
    Once bound, prints exactly one line, ``mdtui simulator listening on http://HOST:PORT``,
    to stdout (flushed). ``market_speed`` runs the market clock that many times faster than
    the normal pace (``Rate.faster``); the demo trader keeps its own pace.

    The demo accounts' fixed API keys (public demo values) are documented in the module
    ``mdtui.sim.engine.demo_keys`` (``tui/mdtui/sim/engine/demo_keys.py``).
    """

    async def run() -> None:
        async with Simulator(
            host,
            port,
            seed,
            trader=DEMO_TRADER,
            rate=Rate().faster(market_speed),
            korbit_history_delay_ms=DEMO_KORBIT_HISTORY_DELAY_MS,
            upbit_region=upbit_region,
        ) as sim:
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
        reason = error.strerror or error
        print(f"mdtui simulator: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    return 0
