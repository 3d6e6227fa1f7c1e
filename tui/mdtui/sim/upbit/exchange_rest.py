"""Upbit exchange REST, read side (docs/protocols.md, 'Upbit: exchange REST (private)' and
'Upbit: authentication (JWT)'): ``GET /v1/accounts``, ``/v1/orders/open``,
``/v1/orders/closed`` and ``/v1/order``, JWT-signed with ``query_hash`` over the
percent-decoded raw query (checked by ``jwt_check``); reused nonces fail with
``nonce_used``. Decimals are strings; errors ``{"error":{"name":<string>,"message":...}}``.

Choices where the protocol notes are silent: ``/v1/accounts`` lists KRW and every currency
with a non-zero balance; an unknown ``market`` answers 400 ``notfoundmarket``; a bad
parameter 400 ``invalid_parameter``; a missing ``uuid``/``identifier`` 400
``validation_error``. Orders sort by creation time (``order_by``, default ``desc``).
``/v1/orders/closed`` filters on creation time within ``start_time``/``end_time`` (ms or
ISO-8601; at most 7 days apart; default the last 7 days). Demo orders have no
``identifier``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from mdtui.sim.engine.demo_account import DemoOrder
from mdtui.sim.engine.demo_keys import keys_of
from mdtui.sim.engine.order_desk import OrderDesk
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.upbit import jwt_check
from mdtui.sim.upbit import private_frames as pframes
from mdtui.sim.upbit.quotation_rest import json_reply

WEEK_MS = 7 * 86_400_000
OPEN_STATES = ("wait", "watch")
CLOSED_STATES = ("done", "cancel")


class ParamError(Exception):
    def __init__(self, name: str, message: str, status: int = 400) -> None:
        super().__init__(name)
        self.name = name
        self.message = message
        self.status = status


def _reply(body: Any, status: int = 200) -> HttpReply:
    return json_reply(body, status, group="default")


class UpbitExchangeRest:
    def __init__(
        self, desk: OrderDesk, nonces: jwt_check.NonceLog, clock: Callable[[], int]
    ) -> None:
        self.desk = desk
        self.nonces = nonces
        self.clock = clock
        self.keys = keys_of("upbit")

    def register(self, routes: HttpRoutes) -> None:
        for path, permission, handler in (
            ("/v1/accounts", "view_accounts", self.accounts),
            ("/v1/orders/open", "view_orders", self.open_orders),
            ("/v1/orders/closed", "view_orders", self.closed_orders),
            ("/v1/order", "view_orders", self.order),
        ):
            routes.add(path, self._guard(handler, permission))

    def _guard(
        self, handler: Callable[[HttpRequest], Any], permission: str
    ) -> Callable[[HttpRequest], HttpReply]:
        def guarded(request: HttpRequest) -> HttpReply:
            try:
                jwt_check.verify(
                    request.headers.get("Authorization"),
                    self.keys,
                    client_ip=request.client_ip,
                    raw_query=request.raw_query,
                    nonces=self.nonces,
                    require=permission,
                )
                return _reply(handler(request))
            except jwt_check.UpbitAuthError as error:
                return _reply(error.body(), error.status)
            except ParamError as error:
                body = {"error": {"name": error.name, "message": error.message}}
                return _reply(body, error.status)

        return guarded

    # -- parameters ------------------------------------------------------------------------

    def _market(self, request: HttpRequest) -> str | None:
        code = request.param("market")
        if code is None or code == "":
            return None
        code = code.upper()
        if code not in self.desk.markets:
            raise ParamError("notfoundmarket", f"다음 마켓에 없는 종목입니다: {code}")
        return code

    @staticmethod
    def _states(
        request: HttpRequest, allowed: tuple[str, ...], default: tuple[str, ...]
    ) -> set[str]:
        state, states = request.query.get("state"), request.query.get("states[]")
        if state and states:
            raise ParamError("invalid_parameter", "state 와 states 는 함께 쓸 수 없습니다.")
        chosen = states or state or list(default)
        if any(s not in allowed for s in chosen):
            raise ParamError("invalid_parameter", "잘못된 파라미터")
        return set(chosen)

    @staticmethod
    def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
        invalid = partial(ParamError, "invalid_parameter", f"잘못된 파라미터: {name}")
        return request.int_param(name, default, low, high, invalid)

    @staticmethod
    def _sorted(orders: list[DemoOrder], request: HttpRequest) -> list[DemoOrder]:
        order_by = request.param("order_by") or "desc"
        if order_by not in ("asc", "desc"):
            raise ParamError("invalid_parameter", "잘못된 파라미터: order_by")
        return sorted(orders, key=lambda o: (o.created_at, o.number), reverse=order_by == "desc")

    @staticmethod
    def _time(raw: str | None) -> int | None:
        if raw is None or raw == "":
            return None
        if raw.isdigit():
            return int(raw)
        try:
            return int(datetime.fromisoformat(raw).timestamp() * 1000)
        except ValueError:
            raise ParamError("invalid_parameter", "잘못된 파라미터: time") from None

    # -- handlers --------------------------------------------------------------------------

    def accounts(self, _: HttpRequest) -> list[dict[str, Any]]:
        account = self.desk.account
        return [
            pframes.account_row(currency, holding)
            for currency, holding in account.holdings.items()
            if currency == account.quote or holding.total > 0
        ]

    def open_orders(self, request: HttpRequest) -> list[dict[str, Any]]:
        code = self._market(request)
        states = self._states(request, OPEN_STATES, ("wait",))
        page = self._int(request, "page", 1, 1, 10**9)
        limit = self._int(request, "limit", 100, 1, 100)
        orders = [
            o
            for o in self.desk.account.open_orders()
            if "wait" in states and code in (None, o.code)
        ]
        rows = self._sorted(orders, request)[(page - 1) * limit : page * limit]
        return [pframes.order_row(o) for o in rows]

    def closed_orders(self, request: HttpRequest) -> list[dict[str, Any]]:
        code = self._market(request)
        states = self._states(request, CLOSED_STATES, CLOSED_STATES)
        wanted = {"done": "filled", "cancel": "canceled"}
        limit = self._int(request, "limit", 100, 1, 1000)
        start, end = self._time(request.param("start_time")), self._time(request.param("end_time"))
        if start is None and end is None:
            end = self.clock()
        if start is None:
            assert end is not None
            start = end - WEEK_MS
        if end is None:
            end = start + WEEK_MS
        if end - start > WEEK_MS or end < start:
            raise ParamError("invalid_parameter", "조회 기간은 최대 7일입니다.")
        orders = [
            o
            for o in self.desk.account.orders.values()
            if o.state in {wanted[s] for s in states}
            and code in (None, o.code)
            and start <= o.created_at <= end
        ]
        return [pframes.order_row(o) for o in self._sorted(orders, request)[:limit]]

    def order(self, request: HttpRequest) -> dict[str, Any]:
        order_id, identifier = request.param("uuid"), request.param("identifier")
        if not order_id and not identifier:
            raise ParamError("validation_error", "uuid 또는 identifier 가 필요합니다.")
        order = self.desk.account.orders.get(order_id or "")
        if order is None:
            raise ParamError("order_not_found", "주문을 찾지 못했습니다.", 404)
        return pframes.order_row(order, with_trades=True)
