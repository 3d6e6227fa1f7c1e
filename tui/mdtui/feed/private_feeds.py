"""Private feeds: the user's orders, fills and balances, authenticated, seeded from REST.

Each (re)connect subscribes first and then loads REST state, so the account store never
misses an event: whatever happens in between is both in the REST replies and buffered on
the socket, and the store's lifecycle rules make the duplicate harmless. Every frame the
socket delivers after the seed is at least as new as the seed (clocks are never compared).
Private events are never coalesced.

**The seed** (every connect): the balances, then every open order (Upbit: all pages in
ascending creation order, so orders placed meanwhile land on the last page; Korbit: pair
by pair, over every launched pair), as one complete snapshot.

**The catch-up** (every reconnect), from the feed's :class:`GapLedger`, on the exchanges'
real REST semantics (``orders/closed`` and ``allOrders`` filter on *creation* time):

- every order known active before the gap and no longer listed open is looked up **by id**
  (Upbit ``GET /v1/orders/uuids``, 100 per call; Korbit ``GET /v2/orders``), so it ends
  ``filled`` or ``cancelled``, never "closed, outcome unknown";
- orders **created** during the gap: Upbit ``orders/closed`` from the gap's start (in ms,
  server time) paged back by ``end_time`` so nothing past ``limit`` is dropped; Korbit
  ``allOrders`` for every pair that can have had activity: pairs of orders known open
  before the gap, pairs with open orders now, pairs whose base-currency balance changed
  across the gap, and the watchlist's Korbit pairs;
- fills: Upbit ``GET /v1/order?uuid=`` for each order whose executed volume exceeds the
  fills delivered so far (partial fills of still-open orders included); Korbit
  ``myTrades`` since the gap for the same pairs, after waiting out the history lag
  (``korbit.history_lag_ms``: "may have a delay of a few seconds").

REST calls are paced under the documented limits and honour 429 (:mod:`private_rest`). A
malformed row is counted (a :class:`Malformed` event), logged and skipped. A catch-up that
cannot complete delivers what it has, names the missing part on the status line and is
retried over the same gap with backoff (:class:`SeedIncomplete`); a partial list never
marks an order closed.

A rejected key, a missing permission or an IP not on the allowlist becomes one
:class:`~mdtui.venues.private_common.AuthProblem` whose hint names the exchange and what to
do; the worker then waits at least a minute between attempts. Korbit's clock-window error
triggers one resync with ``GET /v2/time`` and an immediate retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
import msgspec
from httpx_ws import WebSocketUpgradeError

from mdtui.feed.buffered_session import Frame
from mdtui.feed.gap_ledger import GapLedger
from mdtui.feed.private_rest import PrivateRest, RestFailure, wall_ms
from mdtui.feed.public_feeds import korbit_endpoints, upbit_endpoints
from mdtui.feed.rate_limiter import RateLimiter
from mdtui.feed.worker import FeedWorker, SeedIncomplete, Sink, Tap
from mdtui.model.events import (
    ACTIVE_STATES,
    AnyEvent,
    Balances,
    Fill,
    Malformed,
    Order,
    OrdersSnapshot,
    split_key,
)
from mdtui.settings import Settings
from mdtui.venues import korbit, korbit_private, upbit_private
from mdtui.venues.auth import AuthError, KorbitKey, UpbitKey, encode_query, signed_query
from mdtui.venues.endpoints import Endpoints
from mdtui.venues.private_common import AuthProblem, BadBody
from mdtui.venues.subscription import Subscription

log = logging.getLogger(__name__)

GAP_MARGIN_MS = 60_000
"""How far before the last delivery the created-during-the-gap queries start (frames in
flight when the socket dropped, and the server clock read to a second)."""
UPBIT_CLOSED_LIMIT = 1000
"""Rows per ``orders/closed`` call (Upbit's maximum); a full page is paged back."""
OPEN_READS = 3
"""Reads of a multi-page open-order list until two agree (the by-id lookups of the
catch-up cover what a list that never settles may miss)."""
UPBIT_CLOSED_WINDOW_MS = 7 * 86_400_000
"""Upbit's widest ``orders/closed`` window; a longer gap is searched from its last 7 days."""
KORBIT_HISTORY_LIMIT = 1000
KORBIT_HISTORY_WINDOW_MS = 36 * 3_600_000
"""Korbit keeps ``allOrders``/``myTrades`` history for 36 hours."""
UPBIT_PACE = (25, 1.0)
"""Upbit's default group allows 30 requests/s; we stay under it."""
KORBIT_PACE = (40, 1.0)
"""Korbit allows 50 private requests/s ("other private"); we stay under it."""


@dataclass
class _PrivateBase:
    """Bookkeeping shared by both private feeds."""

    endpoints: Endpoints
    channel: str = "private"
    clock: Callable[[], int] = wall_ms
    """Local Unix ms (tests skew it)."""
    ledger: GapLedger = field(default_factory=GapLedger)
    venue: str = ""

    def _rest(self) -> PrivateRest:
        raise NotImplementedError

    def _decoded(self, events: list[AnyEvent]) -> list[AnyEvent]:
        self.ledger.note(events)
        self.ledger.heard(self._rest().server_now())
        return events

    async def prepare(self, client: httpx.AsyncClient) -> None:
        return None

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        """The seed, then (after a gap) the catch-up; see the module docstring."""
        events: list[AnyEvent] = []
        part = "balances and open orders"
        try:
            events += await self._seed(client)
            if reconnect and self.ledger.heard_ms:
                part = "catch-up"
                await self._catch_up(client, events)
        except RestFailure as exc:
            if exc.problem is not None or not events:
                raise
            # Balances stay as they were before the gap: the retry compares them again.
            self.ledger.note([ev for ev in events if type(ev) is not Balances])
            raise SeedIncomplete(events, f"{part} incomplete ({exc})") from exc
        self.ledger.note(events)
        self.ledger.heard(self._rest().server_now())
        return events

    async def _seed(self, client: httpx.AsyncClient) -> list[AnyEvent]:
        raise NotImplementedError

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        raise NotImplementedError

    @staticmethod
    def _by_id(events: list[AnyEvent], order: Order) -> None:
        """Add a by-id answer: a final state as an update; an order still active although
        the open list missed it (the list changed while it was read) joins that list's
        snapshot, so the store does not close it."""
        if order.state not in ACTIVE_STATES:
            events.append(order)
            return
        for i, ev in enumerate(events):
            if type(ev) is OrdersSnapshot and (ev.markets is None or order.market in ev.markets):
                events[i] = msgspec.structs.replace(ev, orders=(*ev.orders, order))
                return
        events.append(order)

    def _skipped(self, reasons: list[str]) -> list[AnyEvent]:
        """Malformed REST rows, counted like malformed frames."""
        for reason in reasons:
            log.warning("%s private: malformed REST row skipped: %s", self.venue, reason)
        return [Malformed(self.venue, reason, "") for reason in reasons]

    def _gap_start(self, window_ms: int) -> int:
        """Server ms from which to search for orders created during the gap."""
        now = self._rest().server_now()
        return max(self.ledger.heard_ms - GAP_MARGIN_MS, now - window_ms + GAP_MARGIN_MS)

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        exc = _first(exc)
        if isinstance(exc, RestFailure | SeedIncomplete):
            cause = exc.__cause__ if isinstance(exc, SeedIncomplete) else exc
            return cause.problem if isinstance(cause, RestFailure) else None
        if isinstance(exc, WebSocketUpgradeError):
            return self._upgrade_problem(exc)
        return None

    def _upgrade_problem(self, exc: WebSocketUpgradeError) -> AuthProblem | None:
        raise NotImplementedError

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        return None


def _upbit_problem(body: bytes) -> AuthProblem | None:
    error = upbit_private.parse_error(body)
    return upbit_private.auth_problem(error[0]) if error else None


@dataclass
class UpbitPrivate(_PrivateBase):
    """``/websocket/v1/private`` (JWT per connection) and the Upbit exchange REST calls."""

    key: UpbitKey | None = None
    venue: str = "upbit"
    ping_interval: float | None = 30.0
    ping_timeout: float | None = 20.0
    rest: PrivateRest = field(init=False)

    def __post_init__(self) -> None:
        self.rest = PrivateRest("Upbit", RateLimiter(*UPBIT_PACE), self._sign, _upbit_problem)
        self.rest.clock = lambda: self.clock()  # follows a clock set later (tests)

    def _rest(self) -> PrivateRest:
        return self.rest

    def _sign(self, path: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        assert self.key is not None
        query = encode_query(params) if params else None
        url = self.endpoints.rest + path + (f"?{query}" if query else "")
        return url, self.key.headers(query)

    def url(self) -> str:
        return self.endpoints.private_ws

    def headers(self) -> dict[str, str]:
        assert self.key is not None
        return self.key.headers()

    def frames_for(self, sent: Subscription | None, wanted: Subscription) -> list[str]:
        return [upbit_private.private_subscribe_message()] if sent is None else []

    def decode(self, frame: Frame) -> list[AnyEvent]:
        return self._decoded(upbit_private.decode_private(frame))

    async def _rows(
        self, client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], what: str
    ) -> tuple[list[Order], list[AnyEvent]]:
        """Orders of one list call, and the malformed rows it skipped."""
        body = await self.rest.get(client, path, params, what)
        skipped: list[str] = []
        now = self.clock()
        return upbit_private.parse_order_rows(body, ts=now, skipped=skipped), self._skipped(skipped)

    async def _seed(self, client: httpx.AsyncClient) -> list[AnyEvent]:
        skipped: list[str] = []
        body = await self.rest.get(client, "/v1/accounts", [], "balances")
        events: list[AnyEvent] = [
            upbit_private.parse_accounts(body, ts=self.clock(), skipped=skipped)
        ]
        events += self._skipped(skipped)
        orders, bad = await self._open_orders(client)
        events += bad
        events.append(OrdersSnapshot("upbit", tuple(orders.values()), self.clock(), None, True))
        return events

    async def _open_orders(
        self, client: httpx.AsyncClient
    ) -> tuple[dict[str, Order], list[AnyEvent]]:
        """Every open order, all pages, oldest first (an order placed meanwhile joins the
        last page). An order that leaves the book while the pages are read shifts the
        later ones up a page, so more than one page is read again until two reads agree
        (at most :data:`OPEN_READS` times)."""
        previous: list[str] | None = None
        for _ in range(OPEN_READS):
            orders: dict[str, Order] = {}
            bad: list[AnyEvent] = []
            page = 1
            while True:
                params = [("states[]", "wait"), ("states[]", "watch")]
                params += [("limit", "100"), ("page", str(page)), ("order_by", "asc")]
                rows, skipped = await self._rows(client, "/v1/orders/open", params, "open orders")
                bad += skipped
                orders.update((o.order_id, o) for o in rows)
                if len(rows) + len(skipped) < 100:
                    break
                page += 1
            if page == 1 or list(orders) == previous:
                break
            previous = list(orders)
        return orders, bad

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        ledger = self.ledger
        listed = {o.order_id for ev in events if type(ev) is OrdersSnapshot for o in ev.orders}
        found: dict[str, Order] = {
            o.order_id: o for ev in events if type(ev) is OrdersSnapshot for o in ev.orders
        }
        # 1. Orders known open before the gap and no longer open: their outcome, by id.
        gone = sorted(oid for oid in ledger.active if oid not in listed)
        for i in range(0, len(gone), 100):
            params = [("uuids[]", oid) for oid in gone[i : i + 100]]
            rows, bad = await self._rows(client, "/v1/orders/uuids", params, "orders by id")
            for order in rows:
                self._by_id(events, order)
            events += bad
            found.update((o.order_id, o) for o in rows)
        # 2. Orders created during the gap that are no longer open (creation-time filter).
        start = self._gap_start(UPBIT_CLOSED_WINDOW_MS)
        end: int | None = None
        while True:
            params = [("start_time", str(start)), ("limit", str(UPBIT_CLOSED_LIMIT))]
            if end is not None:
                params.append(("end_time", str(end)))
            rows, bad = await self._rows(client, "/v1/orders/closed", params, "closed orders")
            fresh = [o for o in rows if o.order_id not in found]
            events += fresh
            events += bad
            found.update((o.order_id, o) for o in fresh)
            if len(rows) + len(bad) < UPBIT_CLOSED_LIMIT:
                break
            if not fresh:
                raise RestFailure("Upbit closed orders: more than a page in one second", 0, None)
            # Upbit's created_at has whole seconds: end at the last ms of the oldest row's
            # second (end_time is inclusive), so that second is read again, not skipped.
            end = min(o.created_ms for o in rows) + 999
        # 3. Fills the socket did not deliver, partial fills of open orders included.
        for order in found.values():
            if ledger.missing_fills(order):
                body = await self.rest.get(
                    client, "/v1/order", [("uuid", order.order_id)], "order fills"
                )
                try:
                    events += upbit_private.parse_order_fills(body)
                except BadBody as exc:
                    events += self._skipped([str(exc)])

    def _upgrade_problem(self, exc: WebSocketUpgradeError) -> AuthProblem | None:
        error = upbit_private.parse_error(_body(exc))
        if error:
            return upbit_private.auth_problem(error[0])
        if exc.response.status_code in (401, 403):
            return upbit_private.auth_problem("jwt_verification")
        return None


def _korbit_problem(body: bytes) -> AuthProblem | None:
    error = korbit_private.parse_error(body)
    return korbit_private.auth_problem(error.message) if error else None


@dataclass
class KorbitPrivate(_PrivateBase):
    """``/v2/private`` (signed upgrade) and the Korbit private REST calls.

    Korbit's myOrder/myTrade subscriptions and ``/v2/openOrders`` need symbols, so the
    feed subscribes to every launched pair (``GET /v2/currencyPairs``, once) and seeds open
    orders pair by pair.
    """

    key: KorbitKey | None = None
    recv_window: int = 5000
    venue: str = "korbit"
    ping_interval: float | None = 15.0
    ping_timeout: float | None = 10.0
    clock_offset_ms: int = 0
    """Korbit's clock minus ours, measured with ``/v2/time`` (request signatures)."""
    history_lag_ms: int = 5000
    symbols: list[str] = field(default_factory=list)
    watched: tuple[str, ...] = ()
    """The watchlist's Korbit pairs: always searched after a gap."""
    rest: PrivateRest = field(init=False)

    def __post_init__(self) -> None:
        self.rest = PrivateRest("Korbit", RateLimiter(*KORBIT_PACE), self._sign, _korbit_problem)
        self.rest.clock = lambda: self.clock()  # follows a clock set later (tests)

    def _rest(self) -> PrivateRest:
        return self.rest

    def _signed(self, params: list[tuple[str, str]]) -> str:
        assert self.key is not None
        return signed_query(params, self.key, self.clock() + self.clock_offset_ms, self.recv_window)

    def _sign(self, path: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        assert self.key is not None
        return f"{self.endpoints.rest}{path}?{self._signed(params)}", self.key.headers()

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
        return self._decoded(korbit_private.decode_private(frame))

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Load the launched pairs (once), for the subscription and the open-order seed."""
        if self.symbols:
            return
        reply = await client.get(self.endpoints.rest + "/v2/currencyPairs")
        if reply.status_code != 200:
            raise RestFailure("Korbit market list", reply.status_code, None)
        self.symbols = sorted(m.market for m in korbit.parse_markets(reply.content) if m.active)

    async def _seed(self, client: httpx.AsyncClient) -> list[AnyEvent]:
        skipped: list[str] = []
        body = await self.rest.get(client, "/v2/balance", [], "balances")
        events: list[AnyEvent] = [
            korbit_private.parse_balance(body, ts=self.clock(), skipped=skipped)
        ]
        for symbol in self.symbols:
            body = await self.rest.get(
                client, "/v2/openOrders", [("symbol", symbol)], "open orders"
            )
            now = self.clock()
            rows = korbit_private.parse_order_rows(body, ts=now, symbol=symbol, skipped=skipped)
            events.append(OrdersSnapshot("korbit", tuple(rows), now, (symbol,), True))
        return events + self._skipped(skipped)

    def _pairs_to_search(self, events: list[AnyEvent]) -> list[str]:
        """Pairs that can have had activity during the gap (see the module docstring)."""
        pairs = {o.market for o in self.ledger.active.values()}
        pairs.update(self.watched)
        for ev in events:
            if type(ev) is OrdersSnapshot:
                pairs.update(o.market for o in ev.orders)
            elif type(ev) is Balances and ev.complete:
                for currency in self.ledger.balance_changed(ev):
                    pairs.add(f"{currency.lower()}_krw")
        known = set(self.symbols)
        return sorted(p for p in pairs if p in known)

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        ledger = self.ledger
        started = time.monotonic()  # the lag is a duration: no wall clock in it
        listed = {o.order_id for ev in events if type(ev) is OrdersSnapshot for o in ev.orders}
        pairs = self._pairs_to_search(events)
        # 1. Orders known open before the gap and no longer open: their outcome, by id.
        for order in sorted(ledger.active.values(), key=lambda o: o.order_id):
            if order.order_id in listed:
                continue
            params = [("symbol", order.market), ("orderId", order.order_id)]
            try:
                body = await self.rest.get(client, "/v2/orders", params, "order by id")
            except RestFailure as exc:
                if exc.status != 404:
                    raise
                log.warning("korbit: order %s is no longer found by id", order.order_id)
                ledger.active.pop(order.order_id, None)
                continue
            try:
                events.append(
                    korbit_private.parse_order(body, ts=self.clock(), symbol=order.market)
                )
            except BadBody as exc:
                events += self._skipped([str(exc)])
        # 2. History (created during the gap; fills) once the history lag has passed.
        wait = started + self.history_lag_ms / 1000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        start = self._gap_start(KORBIT_HISTORY_WINDOW_MS)
        skipped: list[str] = []
        for symbol in pairs:
            for path, what in (("/v2/allOrders", "orders"), ("/v2/myTrades", "fills")):
                end: int | None = None
                seen: set[str] = set()
                while True:
                    params = [("symbol", symbol), ("startTime", str(start))]
                    params.append(("limit", str(KORBIT_HISTORY_LIMIT)))
                    if end is not None:
                        params.append(("endTime", str(end)))
                    body = await self.rest.get(client, path, params, what)
                    if what == "orders":
                        rows: list[AnyEvent] = list(
                            korbit_private.parse_order_rows(
                                body, ts=self.clock(), symbol=symbol, skipped=skipped
                            )
                        )
                    else:
                        rows = list(
                            korbit_private.parse_my_trades(body, symbol=symbol, skipped=skipped)
                        )
                    keys = [_history_key(ev) for ev in rows]
                    fresh = [ev for ev, key in zip(rows, keys, strict=True) if key[0] not in seen]
                    seen.update(key[0] for key in keys)
                    events += fresh
                    if len(rows) < KORBIT_HISTORY_LIMIT:
                        break
                    if not fresh:
                        raise RestFailure(f"Korbit {what}: more than a page in one ms", 0, None)
                    end = min(key[1] for key in keys) + 1  # exclusive end: re-read that ms
        events += self._skipped(skipped)

    def _upgrade_problem(self, exc: WebSocketUpgradeError) -> AuthProblem | None:
        error = korbit_private.parse_error(_body(exc))
        return korbit_private.auth_problem(error.message) if error is not None else None

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        before = self.clock()
        reply = await client.get(self.endpoints.rest + "/v2/time")
        after = self.clock()
        server = korbit_private.parse_server_time(reply.content)
        self.clock_offset_ms = server - (before + after) // 2
        log.warning("korbit: clock offset %d ms measured with /v2/time", self.clock_offset_ms)


def _history_key(ev: AnyEvent) -> tuple[str, int]:
    """(id, time) of an allOrders row (creation) or a myTrades row (trade time)."""
    if type(ev) is Order:
        return ev.order_id, ev.created_ms
    assert type(ev) is Fill
    return ev.trade_id, ev.ts


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
    watched = tuple(m for v, m in map(split_key, settings.watchlist) if v == "korbit")
    return KorbitPrivate(
        korbit_endpoints(kcfg),
        key=key,
        recv_window=kcfg.recv_window,
        history_lag_ms=kcfg.history_lag_ms,
        watched=watched,
    )
