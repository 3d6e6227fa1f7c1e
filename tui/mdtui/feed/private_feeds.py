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
from typing import ClassVar

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
    VenueError,
    split_key,
)
from mdtui.settings import Settings
from mdtui.venues import korbit, korbit_private, upbit_private
from mdtui.venues.auth import AuthError, KorbitKey, UpbitKey, encode_query, signed_query
from mdtui.venues.endpoints import Endpoints
from mdtui.venues.private_common import AuthProblem, BadBody
from mdtui.venues.subscription import Rejection, Subscription

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
"""Rows per ``allOrders``/``myTrades`` call (Korbit's maximum); a full page is paged back."""
KORBIT_OPEN_LIMIT = 1000
"""Rows per ``openOrders`` call (its maximum); a full page makes the snapshot incomplete."""
KORBIT_HISTORY_WINDOW_MS = 36 * 3_600_000
"""Korbit keeps ``allOrders``/``myTrades`` history for 36 hours."""
UPBIT_PACE = (25, 1.0)
"""Upbit's default group allows 30 requests/s; we stay under it."""
KORBIT_PACE = (40, 1.0)
"""Korbit allows 50 private requests/s ("other private"); we stay under it."""


@dataclass
class _PrivateBase:
    """What both private feeds share: the ledger, the paced REST client, the seed and the
    catch-up's frame (each venue fills in its calls)."""

    endpoints: Endpoints
    channel: str = "private"
    clock: Callable[[], int] = wall_ms
    """Local Unix ms (tests skew it)."""
    ledger: GapLedger = field(default_factory=GapLedger)
    venue: str = ""
    rest: PrivateRest = field(init=False)

    LABEL: ClassVar[str] = ""
    PACE: ClassVar[tuple[int, float]] = (1, 1.0)

    def __post_init__(self) -> None:
        self.rest = PrivateRest(
            self.LABEL, RateLimiter(*self.PACE), self._sign, self._error_of, self._problem_of
        )
        self.rest.clock = lambda: self.clock()  # follows a clock set later (tests)

    # -- what each venue provides --------------------------------------------------------------

    def _sign(self, path: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    @staticmethod
    def _error_of(body: bytes) -> str | None:
        raise NotImplementedError

    @staticmethod
    def _problem_of(error: str) -> AuthProblem | None:
        raise NotImplementedError

    async def _seed(self, client: httpx.AsyncClient) -> list[AnyEvent]:
        raise NotImplementedError

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        raise NotImplementedError

    def _upgrade_problem(self, exc: WebSocketUpgradeError) -> AuthProblem | None:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------------

    def _decoded(self, events: list[AnyEvent]) -> list[AnyEvent]:
        self.ledger.note(events)
        self.ledger.heard()
        return events

    async def prepare(self, client: httpx.AsyncClient) -> None:
        return None

    def rejection(self, error: VenueError, sent: Subscription) -> Rejection | None:
        """Private subscriptions name no markets to leave out."""
        return None

    async def seed(self, client: httpx.AsyncClient, reconnect: bool) -> list[AnyEvent]:
        """The seed, then (after a gap) the catch-up; see the module docstring."""
        subscribed = time.monotonic()
        events: list[AnyEvent] = []
        part = "open orders and balances"
        try:
            events += await self._seed(client)
            if reconnect and self.ledger.heard_at is not None:
                part = "catch-up"
                await self._catch_up(client, events)
        except RestFailure as exc:
            if exc.problem is not None or not events:
                raise
            # Balances stay as they were before the gap: the retry compares them again.
            self.ledger.note([ev for ev in events if type(ev) is not Balances])
            raise SeedIncomplete(events, f"{part} incomplete ({exc})") from exc
        self.ledger.note(events)
        self.ledger.heard(subscribed)
        return events

    def _skipped(self, reasons: list[str]) -> list[AnyEvent]:
        """Malformed REST rows, counted like malformed frames."""
        for reason in reasons:
            log.warning("%s private: malformed REST row skipped: %s", self.venue, reason)
        return [Malformed(self.venue, reason, "") for reason in reasons]

    def _gap_start(self, window_ms: int) -> int:
        """Exchange ms from which to search for orders created during the gap: when the
        socket last delivered, less a margin; at most ``window_ms`` back."""
        now = self.rest.server_now()
        heard = self.ledger.heard_server_ms(now)
        return max(heard - GAP_MARGIN_MS, now - window_ms + GAP_MARGIN_MS)

    @staticmethod
    def _by_id(events: list[AnyEvent], order: Order) -> None:
        """Add a by-id answer: a final state as an update; an order still active although
        the open list missed it (it changed while it was read) joins that list's snapshot,
        so the store does not close it."""
        if order.state not in ACTIVE_STATES:
            events.append(order)
            return
        for i, ev in enumerate(events):
            if type(ev) is OrdersSnapshot and (ev.markets is None or order.market in ev.markets):
                events[i] = msgspec.structs.replace(ev, orders=(*ev.orders, order))
                return
        events.append(order)

    def _not_found(self, exc: RestFailure, order_id: str) -> bool:
        """Whether ``exc`` says the exchange no longer knows the order (then it is left as
        it is, and not asked for again)."""
        if exc.error not in NOT_FOUND:
            return False
        log.warning("%s: order %s is no longer found by id", self.venue, order_id)
        return True

    def diagnose(self, exc: BaseException) -> AuthProblem | None:
        exc = _first(exc)
        if isinstance(exc, SeedIncomplete):
            exc = exc.__cause__ or exc
        if isinstance(exc, RestFailure):
            return exc.problem
        if isinstance(exc, WebSocketUpgradeError):
            return self._upgrade_problem(exc)
        return None

    async def resync_clock(self, client: httpx.AsyncClient) -> None:
        return None


NOT_FOUND = frozenset({"order_not_found", "ORDER_NOT_FOUND"})
"""The exchanges' "no such order" (Upbit ``error.name``, Korbit ``error.message``)."""


def _listed(events: list[AnyEvent]) -> dict[str, Order]:
    """The orders of the open-order snapshots among ``events``, by id."""
    return {o.order_id: o for ev in events if type(ev) is OrdersSnapshot for o in ev.orders}


@dataclass
class UpbitPrivate(_PrivateBase):
    """``/websocket/v1/private`` (JWT per connection) and the Upbit exchange REST calls."""

    key: UpbitKey | None = None
    venue: str = "upbit"
    ping_interval: float | None = 30.0
    ping_timeout: float | None = 20.0

    LABEL: ClassVar[str] = "Upbit"
    PACE: ClassVar[tuple[int, float]] = UPBIT_PACE

    def _sign(self, path: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        assert self.key is not None
        query = encode_query(params) if params else None
        url = self.endpoints.rest + path + (f"?{query}" if query else "")
        return url, self.key.headers(query)

    @staticmethod
    def _error_of(body: bytes) -> str | None:
        error = upbit_private.parse_error(body)
        return error[0] if error else None

    @staticmethod
    def _problem_of(error: str) -> AuthProblem | None:
        return upbit_private.auth_problem(error)

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
    ) -> tuple[list[Order], list[str]]:
        """Orders of one list call, and the malformed rows it skipped."""
        body = await self.rest.get(client, path, params, what)
        skipped: list[str] = []
        return upbit_private.parse_order_rows(body, ts=self.clock(), skipped=skipped), skipped

    async def _seed(self, client: httpx.AsyncClient) -> list[AnyEvent]:
        orders, skipped, settled = await self._open_orders(client)
        snapshot = OrdersSnapshot(
            "upbit", tuple(orders.values()), self.clock(), None, not skipped and settled
        )
        body = await self.rest.get(client, "/v1/accounts", [], "balances")
        bad: list[str] = []
        balances = upbit_private.parse_accounts(body, ts=self.clock(), skipped=bad)
        if bad:  # a partial list must not remove the currencies it could not read
            balances = msgspec.structs.replace(balances, complete=False)
        return [snapshot, balances, *self._skipped(skipped + bad)]

    async def _open_orders(
        self, client: httpx.AsyncClient
    ) -> tuple[dict[str, Order], list[str], bool]:
        """Every open order, all pages, oldest first (an order placed meanwhile joins the
        last page). An order that leaves the book while the pages are read shifts the later
        ones up a page, so a list of more than one page is read again until two reads agree
        (at most :data:`OPEN_READS` times; ``settled`` says whether they did)."""
        previous: list[str] | None = None
        for _ in range(OPEN_READS):
            orders: dict[str, Order] = {}
            skipped: list[str] = []
            page = 1
            while True:
                params = [("states[]", "wait"), ("states[]", "watch")]
                params += [("limit", "100"), ("page", str(page)), ("order_by", "asc")]
                rows, bad = await self._rows(client, "/v1/orders/open", params, "open orders")
                skipped += bad
                orders.update((o.order_id, o) for o in rows)
                if len(rows) + len(bad) < 100:
                    break
                page += 1
            if page == 1 or list(orders) == previous:
                return orders, skipped, True
            previous = list(orders)
        return orders, skipped, False

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        ledger = self.ledger
        found = _listed(events)
        skipped: list[str] = []
        # 1. Orders known open before the gap and no longer listed open: by id.
        gone = sorted(oid for oid in ledger.active if oid not in found)
        for i in range(0, len(gone), 100):
            params = [("uuids[]", oid) for oid in gone[i : i + 100]]
            rows, bad = await self._rows(client, "/v1/orders/uuids", params, "orders by id")
            skipped += bad
            for order in rows:
                self._by_id(events, order)
                found[order.order_id] = order
        # 2. Orders created during the gap and no longer open (creation-time filter, ms).
        start = self._gap_start(UPBIT_CLOSED_WINDOW_MS)
        end: int | None = None
        read: set[str] = set()
        while True:
            params = [("start_time", str(start)), ("limit", str(UPBIT_CLOSED_LIMIT))]
            if end is not None:
                params.append(("end_time", str(end)))
            rows, bad = await self._rows(client, "/v1/orders/closed", params, "closed orders")
            skipped += bad
            fresh = [o for o in rows if o.order_id not in read]
            read.update(o.order_id for o in rows)
            for order in fresh:
                if order.order_id not in found:
                    events.append(order)
                    found[order.order_id] = order
            if len(rows) + len(bad) < UPBIT_CLOSED_LIMIT:
                break
            if not fresh:
                raise RestFailure("Upbit closed orders: more than a page in one second", 0, None)
            # Upbit's created_at has whole seconds: end at the last ms of the oldest row's
            # second (end_time is inclusive), so that second is read again, not skipped.
            end = min(o.created_ms for o in rows) + 999
        # 3. Fills the socket did not deliver, partial fills of open orders included.
        for order in found.values():
            if not ledger.missing_fills(order):
                continue
            try:
                body = await self.rest.get(
                    client, "/v1/order", [("uuid", order.order_id)], "order fills"
                )
            except RestFailure as exc:
                if self._not_found(exc, order.order_id):
                    continue
                raise
            try:
                events += upbit_private.parse_order_fills(body)
            except BadBody as exc:
                skipped.append(str(exc))
        events += self._skipped(skipped)
        # Orders the exchange no longer knows by id: nothing more to learn about them.
        for oid in gone:
            if oid not in found:
                log.warning("upbit: order %s is no longer found by id", oid)
                ledger.active.pop(oid, None)

    def _upgrade_problem(self, exc: WebSocketUpgradeError) -> AuthProblem | None:
        error = upbit_private.parse_error(_body(exc))
        if error:
            return upbit_private.auth_problem(error[0])
        if exc.response.status_code in (401, 403):
            return upbit_private.auth_problem("jwt_verification")
        return None


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

    LABEL: ClassVar[str] = "Korbit"
    PACE: ClassVar[tuple[int, float]] = KORBIT_PACE

    def _signed(self, params: list[tuple[str, str]]) -> str:
        assert self.key is not None
        return signed_query(params, self.key, self.clock() + self.clock_offset_ms, self.recv_window)

    def _sign(self, path: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        assert self.key is not None
        return f"{self.endpoints.rest}{path}?{self._signed(params)}", self.key.headers()

    @staticmethod
    def _error_of(body: bytes) -> str | None:
        error = korbit_private.parse_error(body)
        return error.message if error is not None else None

    @staticmethod
    def _problem_of(error: str) -> AuthProblem | None:
        return korbit_private.auth_problem(error)

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
        events: list[AnyEvent] = []
        skipped: list[str] = []
        for symbol in self.symbols:
            params = [("symbol", symbol), ("limit", str(KORBIT_OPEN_LIMIT))]
            body = await self.rest.get(client, "/v2/openOrders", params, "open orders")
            bad: list[str] = []
            rows = korbit_private.parse_order_rows(
                body, ts=self.clock(), symbol=symbol, skipped=bad
            )
            complete = not bad and len(rows) < KORBIT_OPEN_LIMIT
            events.append(OrdersSnapshot("korbit", tuple(rows), self.clock(), (symbol,), complete))
            skipped += bad
        body = await self.rest.get(client, "/v2/balance", [], "balances")
        bad = []
        balances = korbit_private.parse_balance(body, ts=self.clock(), skipped=bad)
        if bad:  # a partial list must not remove the currencies it could not read
            balances = msgspec.structs.replace(balances, complete=False)
        return [*events, balances, *self._skipped(skipped + bad)]

    def _pairs_to_search(self, events: list[AnyEvent]) -> list[str]:
        """Pairs that can have had activity during the gap (see the module docstring)."""
        pairs = {o.market for o in self.ledger.active.values()}
        pairs.update(self.watched)
        pairs.update(o.market for o in _listed(events).values())
        for ev in events:
            if type(ev) is Balances:
                for currency in self.ledger.balance_changed(ev):
                    pairs.add(f"{currency.lower()}_krw")
        known = set(self.symbols)
        return sorted(p for p in pairs if p in known)

    async def _catch_up(self, client: httpx.AsyncClient, events: list[AnyEvent]) -> None:
        ledger = self.ledger
        started = time.monotonic()  # the lag is a duration: no wall clock in it
        listed = _listed(events)
        pairs = self._pairs_to_search(events)
        skipped: list[str] = []
        # 1. Orders known open before the gap and no longer listed open: by id.
        for order in sorted(ledger.active.values(), key=lambda o: o.order_id):
            if order.order_id in listed:
                continue
            params = [("symbol", order.market), ("orderId", order.order_id)]
            try:
                body = await self.rest.get(client, "/v2/orders", params, "order by id")
            except RestFailure as exc:
                if self._not_found(exc, order.order_id):
                    ledger.active.pop(order.order_id, None)
                    continue
                raise
            try:
                now = self.clock()
                self._by_id(events, korbit_private.parse_order(body, ts=now, symbol=order.market))
            except BadBody as exc:
                skipped.append(str(exc))
        # 2. History (created during the gap; fills) once the history lag has passed.
        wait = started + self.history_lag_ms / 1000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        start = self._gap_start(KORBIT_HISTORY_WINDOW_MS)
        for symbol in pairs:
            for path, what in (("/v2/allOrders", "orders"), ("/v2/myTrades", "fills")):
                events += await self._history(client, path, what, symbol, start, skipped)
        events += self._skipped(skipped)

    async def _history(
        self,
        client: httpx.AsyncClient,
        path: str,
        what: str,
        symbol: str,
        start: int,
        skipped: list[str],
    ) -> list[AnyEvent]:
        """Every row of ``allOrders`` (orders that ended: the open ones are listed, and a
        history row may lag behind them) or ``myTrades`` since ``start``, paged back with
        ``endTime`` (exclusive) when a page is full."""
        out: list[AnyEvent] = []
        end: int | None = None
        read: set[str] = set()
        while True:
            params = [("symbol", symbol), ("startTime", str(start))]
            params.append(("limit", str(KORBIT_HISTORY_LIMIT)))
            if end is not None:
                params.append(("endTime", str(end)))
            body = await self.rest.get(client, path, params, what)
            bad: list[str] = []
            rows: list[Order | Fill] = []
            if what == "orders":
                rows += korbit_private.parse_order_rows(
                    body, ts=self.clock(), symbol=symbol, skipped=bad
                )
            else:
                rows += korbit_private.parse_my_trades(body, symbol=symbol, skipped=bad)
            skipped += bad
            keys = [_history_key(ev) for ev in rows]
            fresh = [ev for ev, key in zip(rows, keys, strict=True) if key[0] not in read]
            read.update(key[0] for key in keys)
            for ev in fresh:
                if isinstance(ev, Fill) or ev.state not in ACTIVE_STATES:
                    out.append(ev)
            if len(rows) + len(bad) < KORBIT_HISTORY_LIMIT:
                return out
            if not fresh:
                raise RestFailure(f"Korbit {what}: more than a page in one ms", 0, None)
            end = min(key[1] for key in keys) + 1  # exclusive end: re-read that ms

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


def _history_key(ev: Order | Fill) -> tuple[str, int]:
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
