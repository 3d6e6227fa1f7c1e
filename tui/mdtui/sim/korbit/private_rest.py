"""Korbit v2 private REST, read side (docs/protocols.md, 'Korbit: private REST'):
``GET /v2/balance``, ``/v2/openOrders``, ``/v2/allOrders``, ``/v2/myTrades`` and
``/v2/currentKeyInfo``, each signed as ``signature_check`` checks;
``{"success":true,"data":...}``.

Choices where the protocol notes are silent: ``/v2/balance`` lists krw and every currency
with a non-zero balance (``currencies=`` filters); ``accountSeq``, when sent, must be 1.
``/v2/openOrders`` needs ``symbol``; ``/v2/allOrders`` and ``/v2/myTrades`` take it
optionally (all pairs without it), keep the last 36 h, filter ``startTime`` (inclusive) and
``endTime`` (exclusive), newest first, ``limit`` 1-1000 (default 500).
``/v2/currentKeyInfo`` needs no permission; ``whitelist`` is the allowlist joined by
commas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from mdtui.sim.engine.demo_account import DemoFill, DemoOrder
from mdtui.sim.engine.demo_keys import DemoKey, keys_of
from mdtui.sim.engine.order_desk import OrderDesk
from mdtui.sim.korbit import private_frames as pframes
from mdtui.sim.korbit import signature_check
from mdtui.sim.korbit.public_rest import KorbitError, error_reply, ok
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes

WINDOW_MS = 36 * 3_600_000
KEY_CREATED_MS = 1_767_225_600_000
"""2026-01-01 UTC: when the demo keys were "issued"; they expire a year later."""
YEAR_MS = 365 * 86_400_000


class KorbitPrivateRest:
    def __init__(
        self,
        desk: OrderDesk,
        server_time: Callable[[], int],
        statuses: signature_check.AuthStatuses,
    ) -> None:
        self.desk = desk
        self.server_time = server_time
        self.statuses = statuses
        self.keys = keys_of("korbit")

    def register(self, routes: HttpRoutes) -> None:
        for path, permission, handler in (
            ("/v2/balance", "readBalances", self.balance),
            ("/v2/openOrders", "readOrders", self.open_orders),
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
            try:
                return ok(handler(request, key))
            except KorbitError as error:
                return error_reply(error.status, error.code)

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

    def all_orders(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        symbol, limit, start, end = self._history(request)
        orders = [
            o
            for o in self.desk.account.orders.values()
            if symbol in (None, o.code) and start <= o.created_at < end
        ]
        return [pframes.order_row(o, websocket=False) for o in _newest(orders)[:limit]]

    def my_trades(self, request: HttpRequest, _: DemoKey) -> list[dict[str, Any]]:
        symbol, limit, start, end = self._history(request)
        fills: list[tuple[DemoOrder, DemoFill]] = [
            (order, fill)
            for order in self.desk.account.orders.values()
            if symbol in (None, order.code)
            for fill in order.fills
            if start <= fill.timestamp < end
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


def _newest(orders: Iterable[DemoOrder]) -> list[DemoOrder]:
    return sorted(orders, key=lambda o: (o.created_at, o.number), reverse=True)
