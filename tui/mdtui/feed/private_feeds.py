"""Private feeds: the user's orders, fills and balances, authenticated, seeded from REST.

Each (re)connect subscribes first and then loads REST state (balances, open orders; after
a reconnect also the orders closed and the fills made while the socket was down), so the
account store never misses an event: whatever happened in between arrives twice and the
store's lifecycle rules make the duplicate harmless. Private events are never coalesced.

A rejected key, a missing permission or an IP not on the allowlist becomes one
:class:`~mdtui.venues.private_common.AuthProblem` whose hint names the exchange and what to
do; the worker then waits at least a minute between attempts. Korbit's clock-window error
triggers one resync with ``GET /v2/time`` and an immediate retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from httpx_ws import WebSocketUpgradeError

from mdtui.feed.buffered_session import Frame
from mdtui.feed.public_feeds import korbit_endpoints, upbit_endpoints
from mdtui.feed.rate_limiter import RateLimiter
from mdtui.feed.worker import FeedWorker, Sink, Tap
from mdtui.model.events import AnyEvent, Fill, Order, OrdersSnapshot
from mdtui.settings import Settings
from mdtui.venues import korbit, korbit_private, upbit_private
from mdtui.venues.auth import AuthError, KorbitKey, UpbitKey, encode_query, signed_query
from mdtui.venues.endpoints import Endpoints
from mdtui.venues.private_common import AuthProblem
from mdtui.venues.subscription import Subscription

log = logging.getLogger(__name__)

GAP_MARGIN_MS = 60_000
"""How far before the disconnect the catch-up queries start (clock skew, in-flight events)."""


class RestFailure(Exception):
    """A REST call of the seed failed; ``problem`` is set for authentication errors."""

    def __init__(self, what: str, status: int, problem: AuthProblem | None) -> None:
        super().__init__(f"{what}: HTTP {status}")
        self.what = what
        self.status = status
        self.problem = problem


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class _PrivateBase:
    """Bookkeeping shared by both private feeds."""

    endpoints: Endpoints
    channel: str = "private"
    active_markets: set[str] = field(default_factory=set)
    """Markets with orders seen active: where to look for what happened during a gap."""
    last_seen_ms: int = 0
    """When the socket last delivered something: the start of a gap after a drop."""

    def _track(self, events: list[AnyEvent]) -> list[AnyEvent]:
        for ev in events:
            if type(ev) is Order or type(ev) is Fill:
                self.active_markets.add(ev.market)
            elif type(ev) is OrdersSnapshot:
                self.active_markets.update(o.market for o in ev.orders)
        self.last_seen_ms = _now_ms()
        return events

    async def prepare(self, client: httpx.AsyncClient) -> None:
        return None


@dataclass
class UpbitPrivate(_PrivateBase):
    """``/websocket/v1/private`` (JWT per connection) and the Upbit exchange REST calls."""

    key: UpbitKey | None = None
    venue: str = "upbit"
    ping_interval: float | None = 30.0
    ping_timeout: float | None = 20.0

    def url(self) -> str:
        return self.endpoints.private_ws

    def headers(self) -> dict[str, str]:
        assert self.key is not None
        return self.key.headers()

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        return [upbit_private.private_subscribe_message()] if sent is None else []

    def decode(self, frame: Frame) -> list[AnyEvent]:
        return self._track(upbit_private.decode_private(frame))

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], what: str
    ) -> bytes:
        assert self.key is not None
        query = encode_query(params) if params else None
        url = self.endpoints.rest + path + (f"?{query}" if query else "")
        reply = await client.get(url, headers=self.key.headers(query))
        if reply.status_code != 200:
            error = upbit_private.parse_error(reply.content)
            problem = upbit_private.auth_problem(error[0]) if error else None
            raise RestFailure(f"Upbit {what}", reply.status_code, problem)
        return reply.content

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        now = _now_ms()
        events: list[AnyEvent] = [
            upbit_private.parse_accounts(
                await self._get(client, "/v1/accounts", [], "balances"), ts=now
            )
        ]
        orders: list[Order] = []
        page = 1
        while True:  # every page, so the snapshot is complete
            body = await self._get(
                client,
                "/v1/orders/open",
                [
                    ("states[]", "wait"),
                    ("states[]", "watch"),
                    ("limit", "100"),
                    ("page", str(page)),
                ],
                "open orders",
            )
            rows = upbit_private.parse_order_rows(body, ts=now)
            orders += rows
            if len(rows) < 100:
                break
            page += 1
        events.append(OrdersSnapshot("upbit", tuple(orders), now, None, True))
        if reconnect and self.last_seen_ms:
            events += await self._catch_up(client, now)
        return self._track(events)

    async def _catch_up(self, client: httpx.AsyncClient, now: int) -> list[AnyEvent]:
        """Orders closed and fills made since the socket went down."""
        since = datetime.fromtimestamp((self.last_seen_ms - GAP_MARGIN_MS) / 1000, UTC)
        body = await self._get(
            client,
            "/v1/orders/closed",
            [
                ("start_time", since.isoformat(timespec="seconds")),
                ("limit", "100"),
            ],
            "closed orders",
        )
        closed = upbit_private.parse_order_rows(body, ts=now)
        events: list[AnyEvent] = list(closed)
        for order in closed:
            if order.filled:
                detail = await self._get(
                    client, "/v1/order", [("uuid", order.order_id)], "order detail"
                )
                events += upbit_private.parse_order_fills(detail)
        return events

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        exc = _first(exc)
        if isinstance(exc, RestFailure):
            return exc.problem
        if isinstance(exc, WebSocketUpgradeError):
            error = upbit_private.parse_error(_body(exc))
            if error:
                return upbit_private.auth_problem(error[0])
            if exc.response.status_code in (401, 403):
                return upbit_private.auth_problem("jwt_verification")
        return None

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        return None


@dataclass
class KorbitPrivate(_PrivateBase):
    """``/v2/private`` (signed upgrade) and the Korbit private REST calls.

    Korbit's myOrder/myTrade subscriptions and ``/v2/openOrders`` need symbols, so the
    feed subscribes to every launched pair (``GET /v2/currencyPairs``, once) and seeds open
    orders pair by pair at 20 requests/s (the limit is 50/s).
    """

    key: KorbitKey | None = None
    recv_window: int = 5000
    venue: str = "korbit"
    ping_interval: float | None = 15.0
    ping_timeout: float | None = 10.0
    clock_offset_ms: int = 0
    symbols: list[str] = field(default_factory=list)
    _pace: RateLimiter = field(default_factory=lambda: RateLimiter(20, 1.0))

    def _signed(self, params: list[tuple[str, str]]) -> str:
        assert self.key is not None
        return signed_query(params, self.key, _now_ms() + self.clock_offset_ms, self.recv_window)

    def url(self) -> str:
        return f"{self.endpoints.private_ws}?{self._signed([])}"

    def headers(self) -> dict[str, str]:
        assert self.key is not None
        return self.key.headers()

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        if sent is not None:
            return []
        return korbit_private.private_subscribe_messages(self.symbols)

    def decode(self, frame: Frame) -> list[AnyEvent]:
        return self._track(korbit_private.decode_private(frame))

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Load the launched pairs (once), for the subscription and the open-order seed."""
        if self.symbols:
            return
        reply = await client.get(self.endpoints.rest + "/v2/currencyPairs")
        if reply.status_code != 200:
            raise RestFailure("Korbit market list", reply.status_code, None)
        self.symbols = sorted(m.market for m in korbit.parse_markets(reply.content) if m.active)

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], what: str
    ) -> bytes:
        assert self.key is not None
        await self._pace.acquire()
        url = f"{self.endpoints.rest}{path}?{self._signed(params)}"
        reply = await client.get(url, headers=self.key.headers())
        error = korbit_private.parse_error(reply.content) if reply.status_code != 200 else None
        if reply.status_code != 200:
            problem = korbit_private.auth_problem(error.message) if error else None
            raise RestFailure(f"Korbit {what}", reply.status_code, problem)
        return reply.content

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        now = _now_ms()
        events: list[AnyEvent] = [
            korbit_private.parse_balance(
                await self._get(client, "/v2/balance", [], "balances"), ts=now
            )
        ]
        for symbol in self.symbols:
            body = await self._get(client, "/v2/openOrders", [("symbol", symbol)], "open orders")
            events.append(korbit_private.parse_orders(body, ts=now, symbol=symbol))
        if reconnect and self.last_seen_ms:
            start = str(self.last_seen_ms - GAP_MARGIN_MS)
            for symbol in sorted(self.active_markets):
                body = await self._get(
                    client, "/v2/allOrders", [("symbol", symbol), ("startTime", start)], "orders"
                )
                events += korbit_private.parse_order_rows(body, ts=now, symbol=symbol)
                body = await self._get(
                    client, "/v2/myTrades", [("symbol", symbol), ("startTime", start)], "fills"
                )
                events += korbit_private.parse_my_trades(body, symbol=symbol)
        return self._track(events)

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        exc = _first(exc)
        if isinstance(exc, RestFailure):
            return exc.problem
        if isinstance(exc, WebSocketUpgradeError):
            error = korbit_private.parse_error(_body(exc))
            if error is not None:
                return korbit_private.auth_problem(error.message)
        return None

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        before = _now_ms()
        reply = await client.get(self.endpoints.rest + "/v2/time")
        after = _now_ms()
        server = korbit_private.parse_server_time(reply.content)
        self.clock_offset_ms = server - (before + after) // 2
        log.warning("korbit: clock offset %d ms measured with /v2/time", self.clock_offset_ms)


def _first(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _body(exc: WebSocketUpgradeError) -> bytes:
    try:
        return exc.response.content
    except httpx.ResponseNotRead:
        return b""


@dataclass
class PrivateSetup:
    """The private workers to run, and per venue why there is none (no or bad keys)."""

    workers: dict[str, FeedWorker]
    missing: dict[str, str]


KEY_HELP = {
    "upbit": "set upbit.access_key and upbit.secret_key (MDTUI_UPBIT__ACCESS_KEY, "
    "MDTUI_UPBIT__SECRET_KEY) to see your Upbit orders, fills and balances",
    "korbit": "set korbit.api_key and korbit.secret_key or korbit.private_key_file "
    "(MDTUI_KORBIT__API_KEY, ...) to see your Korbit orders, fills and balances",
}


def private_workers(
    settings: Settings,
    sink: Sink,
    tap: Tap | None = None,
    venues: Iterable[str] = ("upbit", "korbit"),
) -> PrivateSetup:
    """A private worker for each venue with keys configured; the others say what to set."""
    setup = PrivateSetup({}, {})
    for venue in venues:
        try:
            protocol = _protocol(settings, venue)
        except AuthError as exc:
            setup.missing[venue] = f"{venue}: {exc}"
            continue
        if protocol is None:
            setup.missing[venue] = KEY_HELP[venue]
            continue
        setup.workers[venue] = FeedWorker(protocol, sink, tap)
    return setup


def _protocol(settings: Settings, venue: str) -> UpbitPrivate | KorbitPrivate | None:
    if venue == "upbit":
        cfg = settings.upbit
        if cfg.access_key is None and cfg.secret_key is None:
            return None
        return UpbitPrivate(upbit_endpoints(cfg), key=UpbitKey(cfg.access_key, cfg.secret_key))
    kcfg = settings.korbit
    if kcfg.api_key is None and kcfg.secret_key is None and kcfg.private_key_file is None:
        return None
    key = KorbitKey.from_settings(kcfg.api_key, kcfg.secret_key, kcfg.private_key_file)
    return KorbitPrivate(korbit_endpoints(kcfg), key=key, recv_window=kcfg.recv_window)
