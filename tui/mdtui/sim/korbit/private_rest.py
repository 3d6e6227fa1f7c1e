"""Korbit v2 private REST, read side (docs/protocols.md, 'Korbit: private REST' and 'Korbit:
rate limits and keepalive'): ``GET /v2/balance``, ``/v2/openOrders``, ``/v2/orders``,
``/v2/allOrders``, ``/v2/myTrades`` and ``/v2/currentKeyInfo``, each signed as
``signature_check`` checks; ``{"success":true,"data":...}``.

Rate limit ("other private"): ``Limits.korbit_rest_private_per_second`` (50) in any
one-second window per API key, counted once the signature checks out (rejected requests
carry no ``Ratelimit`` headers, as an unsigned call's 400 was seen live). Every counted
reply carries ``Ratelimit: limit=50, remaining=N, reset=1`` and ``Ratelimit-Policy:
50;w=1``; past the limit HTTP 429, ``Retry-After: 1`` and ``{"success":false,"error":
{"code":429,"message":"TOO_MANY_REQUESTS"}}`` (the body is unconfirmed: the simulator's
choice).

- ``/v2/orders?symbol=&orderId=`` (or ``clientOrderId=``): one order's current state, no
  delay. ``symbol`` is required (else 400 ``BAD_REQUEST``; unknown 400
  ``INVALID_CURRENCY_PAIR``); exactly one of ``orderId`` and ``clientOrderId`` (neither,
  both, or a malformed one: 400 ``BAD_REQUEST``); an order not found on that pair, or
  cancelled more than 3 days ago, 404 ``ORDER_NOT_FOUND``.
- ``/v2/allOrders`` and ``/v2/myTrades`` are history that "may have a delay of a few
  seconds": with ``history_delay_ms`` (``Simulator(korbit_history_delay_ms=...)``, 0 by
  default, 2000 in ``mdtui simulate``) they answer as of ``now - delay``. ``allOrders``
  lists orders created by then, each as it stood then (fills up to then; cancelled only if
  cancelled by then, else ``open``/``partiallyFilled``); ``myTrades`` lists the trades made
  by then. Both filter on creation / trade time, ``startTime`` inclusive, ``endTime``
  exclusive, keep the last 36 h, newest first, ``limit`` 1-1000 (default 500).

Choices where the protocol notes are silent: ``/v2/balance`` lists krw and every currency
with a non-zero balance (``currencies=`` filters); ``accountSeq``, when sent, must be 1.
``/v2/openOrders`` needs ``symbol``; ``/v2/allOrders`` and ``/v2/myTrades`` take it
optionally (all pairs without it). ``/v2/currentKeyInfo`` needs no permission;
``whitelist`` is the allowlist joined by commas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from mdtui.sim.engine.demo_account import ZERO, DemoFill, DemoOrder
from mdtui.sim.engine.demo_keys import DemoKey, keys_of
from mdtui.sim.engine.order_desk import KORBIT_CLIENT_ID, OrderDesk
from mdtui.sim.korbit import private_frames as pframes
from mdtui.sim.korbit import signature_check
from mdtui.sim.korbit.public_frames import ENCODER
from mdtui.sim.korbit.public_rest import KorbitError, error_reply
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.net.rate_limits import KeyedLimit, Limits

WINDOW_MS = 36 * 3_600_000
KEY_CREATED_MS = 1_767_225_600_000
"""2026-01-01 UTC: when the demo keys were "issued"; they expire a year later."""
YEAR_MS = 365 * 86_400_000
CLOSED_KEPT_MS = 3 * 86_400_000
"""``/v2/orders`` stops finding a cancelled order about 3 days after it closed."""
PRIVATE_PER_SECOND = 50
"""Korbit's documented "other private" limit (shown when the simulator's is off)."""


def _rate_headers(left: int) -> list[tuple[str, str]]:
    limit = PRIVATE_PER_SECOND
    return [("Ratelimit", f"limit={limit}, remaining={left}, reset=1"),
            ("Ratelimit-Policy", f"{limit};w=1")]  # fmt: skip


class KorbitPrivateRest:
    def __init__(
        self,
        desk: OrderDesk,
        server_time: Callable[[], int],
        statuses: signature_check.AuthStatuses,
        limits: Limits | None = None,
        history_delay_ms: int = 0,
    ) -> None:
        self.desk = desk
        self.server_time = server_time
        self.statuses = statuses
        self.keys = keys_of("korbit")
        per_second = (limits or Limits()).korbit_rest_private_per_second
        self.limit = KeyedLimit(per_second, PRIVATE_PER_SECOND)
        self.history_delay_ms = history_delay_ms

    def register(self, routes: HttpRoutes) -> None:
        for path, permission, handler in (
            ("/v2/balance", "readBalances", self.balance),
            ("/v2/openOrders", "readOrders", self.open_orders),
            ("/v2/orders", "readOrders", self.order),
            ("/v2/allOrders", "readOrders", self.all_orders),
            ("/v2/myTrades", "readOrders", self.my_trades),
            ("/v2/currentKeyInfo", None, self.current_key_info),
        ):
            routes.add(path, self._guard(handler, permission))

    def _guard(
        self, handler: Callable[[HttpRequest, DemoKey], Any], permission: str | None
    ) -> Callable[[HttpRequest], HttpReply]:
        def guarded(request: HttpRequest) -> HttpReply:
            try:
                key = signature_check.verify_request(
                    request, self.keys, self.server_time(), permission
                )
            except signature_check.KorbitAuthError as error:
                return error_reply(self.statuses.rest.get(error.code, 401), error.code)
            quota = self.limit.take(key.key)
            if not quota.admitted:
                reply = error_reply(429, "TOO_MANY_REQUESTS")
                reply.headers += [*_rate_headers(0), ("Retry-After", "1")]
                return reply
            try:
                body = ENCODER.encode({"success": True, "data": handler(request, key)})
                return HttpReply(200, body, _rate_headers(quota.remaining))
            except KorbitError as error:
                reply = error_reply(error.status, error.code)
                reply.headers += _rate_headers(quota.remaining)
                return reply

        return guarded

    # -- parameters ------------------------------------------------------------------------

    def _symbol(self, request: HttpRequest, *, required: bool) -> str | None:
        symbol = request.param("symbol")
        if not symbol:
            if required:
                raise KorbitError(400, "BAD_REQUEST")
            return None
        if symbol not in self.desk.markets:
            raise KorbitError(400, "INVALID_CURRENCY_PAIR")
        return symbol

    @staticmethod
    def _int(
        request: HttpRequest, name: str, default: int | None, low: int, high: int
    ) -> int | None:
        return request.int_param(name, default, low, high, partial(KorbitError, 400, "BAD_REQUEST"))

    def _account_seq(self, request: HttpRequest) -> None:
        if self._int(request, "accountSeq", 1, 1, 1) != 1:
            raise KorbitError(400, "BAD_REQUEST")

    def _history(self, request: HttpRequest) -> tuple[str | None, int, int, int]:
        """(symbol, limit, start, end) for allOrders and myTrades."""
        symbol = self._symbol(request, required=False)
        limit = self._int(request, "limit", 500, 1, 1000)
        now = self.server_time()
        start = self._int(request, "startTime", None, 0, 10**15)
        end = self._int(request, "endTime", None, 0, 10**15)
        start = max(start if start is not None else 0, now - WINDOW_MS)
        end = end if end is not None else now + 1
        assert limit is not None
        return symbol, limit, start, end

    # -- handlers --------------------------------------------------------------------------

    def balance(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        self._account_seq(request)
        account = self.desk.account
        raw = request.param("currencies")
        wanted = {c.strip().upper() for c in raw.split(",")} if raw else None
        return [
            pframes.asset_row(account, currency, websocket=False)
            for currency, holding in account.holdings.items()
            if (wanted is None and (currency == account.quote or holding.total > 0))
            or (wanted is not None and currency in wanted)
        ]

    def open_orders(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        symbol = self._symbol(request, required=True)
        self._account_seq(request)
        limit = self._int(request, "limit", 500, 1, 1000)
        orders = [o for o in self.desk.account.open_orders() if o.code == symbol]
        return [pframes.order_row(o, websocket=False) for o in _newest(orders)[:limit]]

    def order(self, request: HttpRequest, _: DemoKey) -> dict[str, Any]:
        symbol = self._symbol(request, required=True)
        self._account_seq(request)
        number = self._int(request, "orderId", None, 1, 2**63 - 1)
        client_id = request.param("clientOrderId") or None
        if (number is None) == (client_id is None):
            raise KorbitError(400, "BAD_REQUEST")
        if client_id is not None and not KORBIT_CLIENT_ID.fullmatch(client_id):
            raise KorbitError(400, "BAD_REQUEST")
        order = (
            self.desk.account.orders.get(str(number))
            if number is not None
            else self.desk.by_client_id(client_id or "")
        )
        if (
            order is None
            or order.code != symbol
            or (order.state == "canceled" and order.updated_at < self.desk.clock() - CLOSED_KEPT_MS)
        ):
            raise KorbitError(404, "ORDER_NOT_FOUND")
        return pframes.order_row(order, websocket=False)

    def _cutoff(self) -> int:
        """History is as of this time (the order desk's clock, minus the delay)."""
        return self.desk.clock() - self.history_delay_ms

    def all_orders(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        symbol, limit, start, end = self._history(request)
        cutoff = self._cutoff()
        orders = [
            _as_of(o, cutoff)
            for o in self.desk.account.orders.values()
            if symbol in (None, o.code) and start <= o.created_at < end and o.created_at <= cutoff
        ]
        return [pframes.order_row(o, websocket=False) for o in _newest(orders)[:limit]]

    def my_trades(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        symbol, limit, start, end = self._history(request)
        cutoff = self._cutoff()
        fills: list[tuple[DemoOrder, DemoFill]] = [
            (order, fill)
            for order in self.desk.account.orders.values()
            if symbol in (None, order.code)
            for fill in order.fills
            if start <= fill.timestamp < end and fill.timestamp <= cutoff
        ]
        fills.sort(key=lambda pair: (pair[1].timestamp, pair[1].trade_id), reverse=True)
        return [pframes.trade_row(o, f, websocket=False) for o, f in fills[:limit]]

    def current_key_info(self, _: HttpRequest, key: DemoKey) -> dict[str, Any]:
        info: dict[str, Any] = {
            "apiKey": key.key,
            "label": key.label,
            "whitelist": ",".join(key.allowed_ips),
            "type": key.kind,
            "status": "activated",
            "userUuid": "00000000-0000-4000-8000-00000000d3e0",
            "permissions": sorted(key.permissions),
            "allowedAccountSeqs": [1],
            "expiration": KEY_CREATED_MS + YEAR_MS,
            "createdAt": KEY_CREATED_MS,
        }
        if key.public_key_pem:
            info["publicKey"] = key.public_key_pem
        return info


def _as_of(order: DemoOrder, cutoff: int) -> DemoOrder:
    """``order`` as it stood at ``cutoff``: only the fills made by then, and cancelled only
    if it was cancelled by then (a copy; ``order`` itself is left alone)."""
    fills = [fill for fill in order.fills if fill.timestamp <= cutoff]
    ended = order.state == "canceled" and order.updated_at <= cutoff
    if len(fills) == len(order.fills) and (order.state != "canceled" or ended):
        return order
    filled = sum((fill.qty for fill in fills), ZERO)
    return dataclasses.replace(
        order,
        fills=fills,
        filled=filled,
        funds=sum((fill.funds for fill in fills), ZERO),
        paid_fee=sum((fill.fee for fill in fills), ZERO),
        state="canceled" if ended else "filled" if filled >= order.qty else "open",
    )


def _newest(orders: Iterable[DemoOrder]) -> list[DemoOrder]:
    return sorted(orders, key=lambda o: (o.created_at, o.number), reverse=True)
